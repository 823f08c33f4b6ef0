"""The feature codes ("Funktionskoder", FEATURES.md §3, FC-1 ... FC-14): one declarative table.

Codes are fixed system-wide, not configurable. The read-only page under Tjenester renders this
table; code that acts on a dialled code (function-number login FC-1, the platform export) reads
the same table: `FEATURE_CODES`, `feature_code(id)` and `parse(dialled)`.

A syntax is a pattern with placeholders in braces, each standing for digits:
`*11*{code}*`. PLACEHOLDERS gives each placeholder's label as the page shows it ("<kode>" in
Danish), and `Syntax.regex` the regular expression that recognises a dialled code.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

# Placeholder -> (label on the page, what it matches).
PLACEHOLDERS = {
    "code": (_("<code>"), r"\d+"),
    "local": (_("<local number>"), r"\d+"),
    "number": (_("<number>"), r"\+?\d+"),
    "activity": (_("<activity no>"), r"\d+"),
    "role": (_("<role no>"), r"\d+"),
    "start": ("<HHMM>", r"(?:[01]\d|2[0-3])[0-5]\d"),
    "end": ("<HHMM>", r"(?:[01]\d|2[0-3])[0-5]\d"),
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def display(pattern):
    """A pattern (or an example) with its placeholders' labels in the active language."""
    return _PLACEHOLDER.sub(lambda m: str(PLACEHOLDERS[m.group(1)][0]), pattern)


@dataclass(frozen=True)
class Syntax:
    """One way of dialling a feature code: `action` names it for code ("login", "logout",
    "set", "cancel", "use"); `label` says it on the page; `pattern` is what is dialled."""

    action: str
    label: object
    pattern: str

    def display(self):
        """The pattern with the placeholders' labels: "*11*<kode>*"."""
        return display(self.pattern)

    @property
    def regex(self):
        parts, last = [], 0
        for match in _PLACEHOLDER.finditer(self.pattern):
            parts.append(re.escape(self.pattern[last : match.start()]))
            parts.append(f"(?P<{match.group(1)}>{PLACEHOLDERS[match.group(1)][1]})")
            last = match.end()
        parts.append(re.escape(self.pattern[last:]))
        return re.compile("^" + "".join(parts) + "$")


@dataclass(frozen=True)
class FeatureCode:
    """One feature code. `service` is the slug of the service page whose settings gate it (None:
    no service); `url_name` a further page that holds what the code refers to (activity and role
    numbers); `permission` says who may use it."""

    id: str
    function: object
    description: object
    syntaxes: tuple
    examples: tuple  # (dialled, explanation); a placeholder in braces stands for any value
    permission: object
    service: str | None = None
    url_name: str | None = None


FEATURE_CODES = (
    FeatureCode(
        "FC-1",
        _("ACD group login"),
        _("Log yourself in to or out of an ACD group (also attendant and hunt groups)."),
        (
            Syntax("login", _("Log in"), "*11*{code}*"),
            Syntax("logout", _("Log out"), "**11*{code}*"),
        ),
        (
            ("*11*1500*", _("logs in to the ACD group 1500")),
            ("**11*1500*", _("logs out of the ACD group 1500")),
        ),
        _(
            "The user must be a member of one of the groups set on the ACD group. <code> is the group's "
            "code for feature codes (recommended 1500-1599)."
        ),
    ),
    FeatureCode(
        "FC-2",
        _("Call interruption"),
        _(
            "Call a local number and interrupt its ongoing call. When A and B talk and C calls A with this code, "
            "A talks to C instead; B hears that the call is interrupted and can wait. When C hangs up, A and B are "
            "connected again."
        ),
        (Syntax("use", _("Call"), "*65*{local}*"),),
        (("*65*201*", _("calls 201 and interrupts the ongoing call")),),
        _("The user must be a member of a group that may intrude on the destination."),
        service="call-intrusion",
    ),
    FeatureCode(
        "FC-3",
        _("Group pickup"),
        _("Pick up a ringing call from the group or groups you are a member of."),
        (Syntax("use", _("Pick up"), "*8*"),),
        (("*8*", _("picks up a ringing call in your groups")),),
        _("Requires the right to do so under Services → Call pickup."),
        service="call-pickup",
    ),
    FeatureCode(
        "FC-4",
        _("Directed pickup"),
        _("Pick up the call ringing on a specific user's local number."),
        (Syntax("use", _("Pick up"), "*9*{local}*"),),
        (("*9*201*", _("picks up the call ringing on local number 201")),),
        _("Requires the right to do so under Services → Call pickup."),
        service="call-pickup",
    ),
    FeatureCode(
        "FC-5",
        _("Diversion bypass"),
        _("Call a local number and bypass its diversion."),
        (Syntax("use", _("Call"), "*60*{local}*"),),
        (("*60*201*", _("calls 201 even if it is diverted to another number")),),
        _("Requires the right to do so under Services → Diversion bypass."),
        service="diversion-bypass",
    ),
    FeatureCode(
        "FC-6",
        _("Pull my active call"),
        _("Move your own active call from one phone to another."),
        (Syntax("use", _("Pull"), "*7*"),),
        (("*7*", _("moves your active call to this phone")),),
        _("No special permission."),
    ),
    FeatureCode(
        "FC-7",
        _("Number presentation"),
        _(
            "Choose which number is presented on outgoing calls: one of your own lines, the switchboard number or "
            "an ACD or attendant group you may use as outgoing line. It applies until you change it; your primary "
            "line resets it."
        ),
        (Syntax("set", _("Choose"), "*30*{number}*"),),
        (("*30*{number}*", _("presents the number on your outgoing calls")),),
        _("No special permission."),
    ),
    FeatureCode(
        "FC-8",
        _("Override night mode"),
        _(
            "Deactivate night mode so that it does not apply to your user until you cancel it again."
        ),
        (Syntax("set", _("Activate"), "*22*"), Syntax("cancel", _("Cancel"), "#22#*")),
        (
            ("*22*", _("night mode no longer applies to you")),
            ("#22#*", _("night mode applies to you again")),
        ),
        _("No special permission (your own user only)."),
    ),
    FeatureCode(
        "FC-9",
        _("Diversion"),
        _(
            "Set or remove the diversion of your local number. The number is converted by the number conversions."
        ),
        (Syntax("set", _("Set"), "*21*{number}*"), Syntax("cancel", _("Remove"), "#21#*")),
        (
            ("*21*88887777*", _("diverts your calls to 88887777")),
            ("#21#*", _("deactivates the diversion of your local number")),
        ),
        _("No special permission."),
    ),
    FeatureCode(
        "FC-10",
        _("Schedule an event"),
        _("Schedule an activity for your own user today, from the first to the second time."),
        (Syntax("set", _("Schedule"), "*26*{activity}*{start}*{end}*"),),
        (("*26*1*1300*1500*", _("sets activity 1 today from 13:00 to 15:00")),),
        _("Requires the right to do so under Services → Future presence authorization."),
        service="future-presence",
    ),
    FeatureCode(
        "FC-11",
        _("Set activity"),
        _("Set your user to a new activity."),
        (Syntax("set", _("Set"), "*23*{activity}*"),),
        (("*23*1*", _("sets the activity to “1”")),),
        _("The activity numbers are set on each activity under Organisation → Presence states."),
        url_name="customers:presence_states",
    ),
    FeatureCode(
        "FC-12",
        _("Set role"),
        _("Change the role of your user."),
        (Syntax("set", _("Set"), "*24*{role}*"),),
        (("*24*1*", _("sets the role to “1”")),),
        _("The role numbers are set on each role under Organisation → Presence states."),
        url_name="customers:presence_states",
    ),
    FeatureCode(
        "FC-13",
        _("Set role for a call"),
        _("Change the role for a single call."),
        (Syntax("use", _("Call"), "*25*{role}*{number}*"),),
        (("*25*2*88887777*", _("calls 88887777 with the role “2”")),),
        _("The role numbers are set on each role under Organisation → Presence states."),
        url_name="customers:presence_states",
    ),
    FeatureCode(
        "FC-14",
        _("Direct to voicemail"),
        _(
            "Call the voicemail of a local number directly. Can also be used as a transfer target, to send an "
            "active call straight to the voicemail of a local number."
        ),
        (Syntax("use", _("Call"), "*1*{local}*"),),
        (("*1*202*", _("calls the voicemail of local number 202 directly")),),
        _("No special permission."),
    ),
)
BY_ID = {code.id: code for code in FEATURE_CODES}


def feature_code(code_id):
    """The FeatureCode "FC-n" (KeyError for an unknown id)."""
    return BY_ID[code_id]


def parse(dialled):
    """(FeatureCode, action, {placeholder: digits}) of a dialled feature code, or None."""
    text = str(dialled or "").strip()
    for code in FEATURE_CODES:
        for syntax in code.syntaxes:
            match = syntax.regex.match(text)
            if match:
                return code, syntax.action, match.groupdict()
    return None
