"""Forms of FN-10 schedules: "Rediger planlagt begivenhed", the default event and "Tilføj
helligdage". They turn input into values; functionnumbers.operations_schedules checks the rules."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.models import Prompt
from functionnumbers.models import ScheduleEvent

# The guide's toggles "M T W T F S S": the letter is shown, the full name is read out.
WEEKDAYS = [
    ("0", _("Monday")),
    ("1", _("Tuesday")),
    ("2", _("Wednesday")),
    ("3", _("Thursday")),
    ("4", _("Friday")),
    ("5", _("Saturday")),
    ("6", _("Sunday")),
]
WEEKDAY_LETTERS = [
    pgettext_lazy("weekday letter", "M"),
    pgettext_lazy("weekday letter", "T"),
    pgettext_lazy("weekday letter", "W"),
    pgettext_lazy("weekday letter", "T"),
    pgettext_lazy("weekday letter", "F"),
    pgettext_lazy("weekday letter", "S"),
    pgettext_lazy("weekday letter", "S"),
]


class _PromptChoiceMixin:
    def _narrow_prompt(self, organisation):
        field = self.fields["prompt"]
        field.queryset = Prompt.objects.for_organisation(organisation).filter(
            kind=Prompt.Kind.PROMPT
        )
        field.empty_label = _("None")


class ScheduleEventForm(_PromptChoiceMixin, forms.Form):
    name = forms.CharField(label=_("Name of the event"), max_length=64)
    repeat = forms.ChoiceField(
        label=_("Repeat"), choices=ScheduleEvent.Repeat.choices, initial=ScheduleEvent.Repeat.WEEKLY
    )
    weekdays = forms.MultipleChoiceField(
        label=_("Weekdays"), choices=WEEKDAYS, required=False, widget=forms.CheckboxSelectMultiple
    )
    start_date = forms.DateField(
        label=_("Set start date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(
        label=_("Set end date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    start_time = forms.TimeField(
        label=_("From"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    end_time = forms.TimeField(
        label=_("To"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    prompt = forms.ModelChoiceField(
        label=_("Message"), queryset=Prompt.objects.none(), required=False
    )
    action = forms.ChoiceField(
        label=_("Action"), choices=ScheduleEvent.Action.choices, initial=ScheduleEvent.Action.OPEN
    )
    forward = forms.CharField(
        label=_("Forward to"),
        required=False,
        max_length=32,
        help_text=_(
            "Required for “Forward”: a local number, a function number or an external number."
        ),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    def __init__(self, *args, organisation, instance=None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name,
                "repeat": instance.repeat,
                "weekdays": [str(day) for day in instance.weekdays],
                "start_date": instance.start_date,
                "end_date": instance.end_date,
                "start_time": instance.start_time,
                "end_time": instance.end_time,
                "prompt": instance.prompt_id,
                "action": instance.action,
                "forward": instance.forward.dialled,
            }
        super().__init__(*args, **kwargs)
        self._narrow_prompt(organisation)

    def weekday_toggles(self):
        """[(value, letter, full name, checked)] for the M T W T F S S toggles."""
        chosen = {str(v) for v in (self["weekdays"].value() or [])}
        return [
            (value, str(letter), name, value in chosen)
            for (value, name), letter in zip(WEEKDAYS, WEEKDAY_LETTERS, strict=True)
        ]

    def operation_fields(self):
        return dict(self.cleaned_data)


class ScheduleDefaultForm(_PromptChoiceMixin, forms.Form):
    prompt = forms.ModelChoiceField(
        label=_("Message"), queryset=Prompt.objects.none(), required=False
    )
    action = forms.ChoiceField(label=_("Action"), choices=ScheduleEvent.Action.choices)
    forward = forms.CharField(label=_("Forward to"), required=False, max_length=32)
    drop_queued = forms.BooleanField(
        label=_("Drop existing calls in the queue"),
        required=False,
        help_text=_(
            "Callers already waiting in the queue are dropped when it is after closing time."
        ),
    )

    def __init__(self, *args, organisation, instance=None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "prompt": instance.prompt_id,
                "action": instance.action,
                "forward": instance.forward.dialled,
                "drop_queued": instance.drop_queued,
            }
        super().__init__(*args, **kwargs)
        self._narrow_prompt(organisation)

    def operation_fields(self):
        return dict(self.cleaned_data)


class HolidayYearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=2200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
