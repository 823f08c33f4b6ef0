"""SVC-19 presence synchronization ("Synkronisering af tilstedeværelse"): the rule engine.

A policy belongs to one calendar connector (ORG-3) and translates Exchange items into Connect
presence: an ordered list of mappings (Type | Match | Activity | Role) and a list of
exclusions (Type | Match) that keep an item off the user entirely.

`presence_policy_apply(policy, appointment)` is the one answer to "what does this appointment
do to the user's presence?" (ARCHITECTURE.md "Call handling" style): pure, plain data in
(a `Policy`, an `Appointment`), an `Outcome` with its reasons out. The page's tester and any
later synchronisation call it; services.queries_presence loads a `Policy` from the database.

Matching (FEATURES.md SVC-19):
- exclusions first: a matching item is ignored entirely (no mapping is looked at);
- then the mappings top-down, the first match wins;
- Availability: case-insensitive equality with the Exchange value (Free, Tentative, Busy,
  Out Of Office, Working Elsewhere); Subject / Location: case-insensitive substring;
  Private: Match "true"/"false" (also "ja"/"nej") against the item's private flag;
- a blank Match never matches (the forms never store one).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

MATCH_MAX_LENGTH = 128

# Exchange's free/busy values, as Exchange spells them.
EXCHANGE_AVAILABILITY = ("Free", "Tentative", "Busy", "Out Of Office", "Working Elsewhere")
PRIVATE_VALUES = {"true": True, "ja": True, "false": False, "nej": False}


class RuleType(models.TextChoices):
    AVAILABILITY = "availability", pgettext_lazy("presence rule type", "Availability")
    SUBJECT = "subject", pgettext_lazy("presence rule type", "Subject")
    LOCATION = "location", pgettext_lazy("presence rule type", "Location")
    PRIVATE = "private", pgettext_lazy("presence rule type", "Private")


@dataclass(frozen=True)
class State:
    """An activity or role as the engine sees it: its id and its name (for the reasons)."""

    pk: object
    name: str

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class Exclusion:
    type: str
    match: str


@dataclass(frozen=True)
class Mapping:
    type: str
    match: str
    activity: State | None = None  # None: the activity is not changed
    role: State | None = None  # None: "Do Not Change"


@dataclass(frozen=True)
class Policy:
    exclusions: tuple = ()
    mappings: tuple = ()


@dataclass(frozen=True)
class Appointment:
    """An Exchange item: the user's availability status and the appointment's fields."""

    availability: str = ""
    subject: str = ""
    location: str = ""
    private: bool = False


@dataclass(frozen=True)
class Outcome:
    """What an appointment does: ignored by exclusion n, mapped by mapping n, or nothing.
    Indexes are 0-based positions in the policy's lists; `reasons` are sentences for people."""

    exclusion: int | None = None
    mapping: int | None = None
    activity: State | None = None
    role: State | None = None
    reasons: tuple = ()

    @property
    def excluded(self):
        return self.exclusion is not None

    @property
    def changed(self):
        return self.activity is not None or self.role is not None


def parse_private(match):
    """True / False for "true"/"ja" / "false"/"nej" (any case), else None."""
    return PRIVATE_VALUES.get((match or "").strip().casefold())


def rule_matches(rule_type, match, appointment):
    """Does one rule (an exclusion or a mapping) match the appointment?"""
    wanted = (match or "").strip()
    if not wanted:
        return False
    if rule_type == RuleType.AVAILABILITY:
        return (appointment.availability or "").strip().casefold() == wanted.casefold()
    if rule_type == RuleType.SUBJECT:
        return wanted.casefold() in (appointment.subject or "").casefold()
    if rule_type == RuleType.LOCATION:
        return wanted.casefold() in (appointment.location or "").casefold()
    if rule_type == RuleType.PRIVATE:
        value = parse_private(wanted)
        return value is not None and value == bool(appointment.private)
    return False


def describe_rule(rule):
    """“Availability “Busy”” for the reasons and the audit trail."""
    label = dict(RuleType.choices).get(rule.type, rule.type)
    return _("%(type)s “%(match)s”") % {"type": label, "match": rule.match}


def presence_policy_apply(policy, appointment):
    """The Outcome of `appointment` under `policy` (exclusions first, then the first matching
    mapping). Pure: no queries, no side effects."""
    for index, exclusion in enumerate(policy.exclusions):
        if rule_matches(exclusion.type, exclusion.match, appointment):
            return Outcome(
                exclusion=index,
                reasons=(
                    _(
                        "Exclusion %(n)s (%(rule)s) matches: the item is not shown and does not change the user's status."
                    )
                    % {"n": index + 1, "rule": describe_rule(exclusion)},
                ),
            )
    for index, mapping in enumerate(policy.mappings):
        if rule_matches(mapping.type, mapping.match, appointment):
            return Outcome(
                mapping=index,
                activity=mapping.activity,
                role=mapping.role,
                reasons=(
                    _("Mapping %(n)s (%(rule)s) matches: activity %(activity)s, role %(role)s.")
                    % {
                        "n": index + 1,
                        "rule": describe_rule(mapping),
                        "activity": mapping.activity or _("unchanged"),
                        "role": mapping.role or _("Do Not Change"),
                    },
                ),
            )
    return Outcome(reasons=(_("No exclusion or mapping matches: no change."),))


# --- validation of one rule (forms and the save operation) ----------------------------------------


def clean_match(rule_type, match):
    """The Match to store for a rule of `rule_type`, or a ValidationError with what to type.

    Availability values are stored in Exchange's spelling ("out of office" -> "Out Of Office");
    Private accepts true/false/ja/nej."""
    if rule_type not in RuleType.values:
        raise ValidationError(_("Select a valid choice."), code="invalid_choice")
    text = (match or "").strip()
    if not text:
        raise ValidationError(_("Enter the text to match."), code="required")
    if len(text) > MATCH_MAX_LENGTH:
        raise ValidationError(
            _("Use at most %(max)s characters.") % {"max": MATCH_MAX_LENGTH}, code="max_length"
        )
    if rule_type == RuleType.AVAILABILITY:
        for value in EXCHANGE_AVAILABILITY:
            if value.casefold() == text.casefold():
                return value
        raise ValidationError(
            _("An availability is one of: %(values)s.")
            % {"values": ", ".join(EXCHANGE_AVAILABILITY)},
            code="availability",
        )
    if rule_type == RuleType.PRIVATE and parse_private(text) is None:
        raise ValidationError(_("For Private, enter true or false (or ja / nej)."), code="private")
    return text
