"""User group form (USR-16 "Opret ny gruppe")."""

from django import forms
from django.utils.translation import gettext_lazy as _

from connect.lib.tenancy import scoped
from customers.models import UserGroup


class UserGroupForm(forms.ModelForm):
    """Navn* (unique per organisation) and the three flags. The priority is set by the operations."""

    class Meta:
        model = UserGroup
        fields = ["name", "is_schedule_admin", "is_acd_supervisor", "is_federated"]
        labels = {
            "name": _("Name"),
            "is_schedule_admin": _("Schedule administrator"),
            "is_acd_supervisor": _("ACD supervisor"),
            "is_federated": _("Federated"),
        }

    def __init__(self, *args, organisation, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.user = user
        self.fields["name"].widget.attrs["autofocus"] = True
        self.fields["is_federated"].help_text = _(
            "The group is shared across linked organisations (stored and shown; sharing itself is not part of this version)."
        )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = scoped(UserGroup, self.organisation).filter(name__iexact=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("A group with that name already exists in the organisation."), code="unique")
        return name

    def _post_clean(self):
        # The operations validate and save; the instance must stay as it is in the database so
        # the audit trail sees the real "before".
        pass
