"""Form of a calendar connector (ORG-3). The operations validate and save (unique names, https
URLs that name no internal address, the password encrypted); the password is never rendered back."""

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.forms.users import new_password_field
from customers.models import CalendarConnector
from customers.operations.connectors import PASSWORD_MAX_LENGTH


class ConnectorForm(forms.ModelForm):
    password = new_password_field(_("Password"), max_length=PASSWORD_MAX_LENGTH)
    # Plain text: the operations give the clear https/internal-address errors (a URLField would
    # guess a scheme and refuse with a vaguer message first).
    server_url = forms.CharField(
        label=_("Server URL"),
        max_length=500,
        help_text=_("https only. Exchange: the EWS address, e.g. https://mail.example.com/EWS/Exchange.asmx; Microsoft 365: https://graph.microsoft.com/v1.0."),
        widget=forms.TextInput(attrs={"inputmode": "url", "autocomplete": "off"}),
    )

    class Meta:
        model = CalendarConnector
        fields = ["name", "kind", "server_url", "username", "password", "sync_calendar", "sync_contacts"]
        labels = {
            "name": _("Name"),
            "kind": _("Type"),
            "username": _("User name"),
            "sync_calendar": _("Synchronise calendar"),
            "sync_contacts": _("Synchronise contacts"),
        }
        help_texts = {
            "name": _("For example ipvexch01. Shown where a connector is chosen."),
            "username": _("The service account that reads the users' calendars."),
        }
        widgets = {"kind": forms.RadioSelect}

    def __init__(self, *args, organisation, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["kind"].choices = CalendarConnector.Kind.choices
        self.fields["username"].widget.attrs["autocomplete"] = "off"
        if self.instance.pk and self.instance.has_password:
            self.fields["password"].help_text = _("A password is stored. Leave empty to keep it; it is never shown.")
        else:
            self.fields["password"].help_text = _("Stored encrypted and never shown again.")

    def operation_fields(self):
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}

    def _post_clean(self):
        pass  # customers.operations.connectors validates and saves
