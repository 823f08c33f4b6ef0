"""The "Udvid arbejdstiden i dag til" form on the working-hours page (SVC-21, services.extend)."""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from services import working_hours
from services.definitions import WORKING_HOURS


class WorkingHoursExtendForm(forms.Form):
    until = forms.CharField(
        label=_("Extend the working hours today until"),
        max_length=5,
        help_text=_("A time as HH:MM, e.g. 20:00. Stored as additional working hours for today."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "placeholder": "20:00", "autocomplete": "off"}
        ),
    )

    def __init__(self, *args, action_url="", **kwargs):
        super().__init__(*args, **kwargs)
        self.action_url = action_url

    def clean_until(self):
        try:
            return working_hours.parse_time(self.cleaned_data["until"])
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc


def extend_url(scope):
    return reverse(f"services:{scope.url_name('working_hours_extend')}", kwargs=scope.url_kwargs())


def working_hours_extend_form(service, scope, data=None):
    """The extend form for the working-hours page at `scope`; None on every other service page."""
    if service is not WORKING_HOURS:
        return None
    return WorkingHoursExtendForm(data, action_url=extend_url(scope))
