"""The declarative table of function-number types (ARCHITECTURE.md "Call handling"): for each
type its model, URL slug, titles, the local range its number may use (SET-6) and the sections of
its form in the guide's order, each a tuple of field names. Forms, views, operations and the
visualisation read this table; ACD and attendant groups share their common sections.

A field name is a model field of the type, or the base name of a destination (`overflow` for
`overflow_function` + `overflow_number`, see functionnumbers.models.destination_fields).
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from connect.lib import numbers as numberlib
from functionnumbers.models import (
    AutoAttendant,
    CallGroup,
    FunctionNumber,
    GroupInbox,
    HuntGroup,
    IvrMenu,
    Kind,
    RuleBasedNumber,
    VoicemailNumber,
)


@dataclass(frozen=True)
class Section:
    title: str
    fields: tuple
    help_text: str = ""


@dataclass(frozen=True)
class Layout:
    kind: str
    model: type
    slug: str  # URL segment: /function-numbers/<slug>/
    title: str  # list page title, e.g. "ACD groups"
    create_title: str  # "Opret ny ACD-gruppe"
    sections: tuple
    local_range: tuple | None = None  # (first, last): a local number must lie in it (SET-6)
    purpose: str = numberlib.FUNCTION_NUMBER  # the number registry's purpose
    list_columns: tuple = ()  # extra columns on the list page (attribute names)
    name_required: bool = True
    many_to_many: tuple = field(default=())

    @property
    def field_names(self):
        return tuple(name for section in self.sections for name in section.fields)


CALL_GROUP_RANGE = (1500, 1599)
IVR_RANGE = (1600, 1699)
RULE_BASED_RANGE = (1700, 1799)

NUMBER = Section(_("Number"), ("number",))


def _call_group_sections(attendant):
    people = _("Receptionist settings") if attendant else _("Agent settings")
    groups = ["admin_groups", "login_groups", "control_groups"]
    if attendant:
        groups.insert(2, "blocking_groups")
    sections = [
        NUMBER,
        Section(
            _("General"),
            (
                "name",
                "exclude_from_search",
                "metadata",
                "keep_derived_metadata",
                "outgoing_line_allowed",
                "outgoing_use_internal_number",
                "outgoing_line_number",
                "sms_display_name",
                "sms_sender_number",
                "code",
                "billing_id",
            ),
        ),
        Section(people, ("wrap_up_seconds", "logout_after_unanswered", "help_number")),
        Section(
            _("Call distribution"),
            (
                "parallel_agents",
                "phone_types",
                "ring_seconds",
                "presence_affects_distribution",
                "longest_idle",
            ),
        ),
        Section(_("Distribution settings"), ("distribution",)),
        Section(
            _("Overflow on incoming calls"),
            ("queue_limit", "overflow_wait_seconds", "overflow_action", "overflow"),
        ),
        Section(
            _("Handling of queued calls"),
            ("max_wait_seconds", "max_wait", "no_agents", "max_attempts"),
        ),
        Section(
            _("Voice prompts"),
            (
                "welcome_prompt",
                "queue_prompt",
                "status_prompt",
                "status_interval_seconds",
                "ringing_while_offered",
                "announce_position",
                "announce_wait",
                "alternate_status",
                "wait_announce_min_seconds",
                "wait_announce_max_seconds",
            ),
        ),
        Section(
            _("Callback settings"),
            (
                "callback_key",
                "callback_ring_seconds",
                "callback_attempts",
                "callback_valid_minutes",
                "callback_metadata",
                "callback_agent_prompt",
            ),
        ),
        Section(_("Number presentation"), ("force_group_number", "show_caller_number")),
        Section(_("User groups and group administrators"), tuple(groups)),
    ]
    if attendant:
        sections.append(
            Section(
                _("Camp-on"),
                ("camp_on_enabled", "camp_on_notify_seconds", "camp_on_notify_all_seconds"),
            )
        )
    return tuple(sections)


LAYOUTS = {
    layout.kind: layout
    for layout in (
        Layout(
            kind=Kind.ACD,
            model=CallGroup,
            slug="acd-groups",
            title=_("ACD groups"),
            create_title=_("Create new ACD group"),
            sections=_call_group_sections(attendant=False),
            local_range=CALL_GROUP_RANGE,
        ),
        Layout(
            kind=Kind.ATTENDANT,
            model=CallGroup,
            slug="attendant-groups",
            title=_("Attendant groups"),
            create_title=_("New call group"),
            sections=_call_group_sections(attendant=True),
            local_range=CALL_GROUP_RANGE,
        ),
        Layout(
            kind=Kind.HUNT,
            model=HuntGroup,
            slug="hunt-groups",
            title=_("Hunt groups"),
            create_title=_("Create new hunt group"),
            sections=(
                NUMBER,
                Section(
                    _("General"),
                    (
                        "name",
                        "billing_id",
                        "exclude_from_search",
                        "code",
                        "admin_groups",
                        "member_groups",
                        "blocking_groups",
                    ),
                ),
                Section(
                    _("Call distribution"),
                    (
                        "ring_seconds",
                        "strategy",
                        "fallback",
                        "excluding_activities",
                        "excluding_roles",
                        "phone_types",
                    ),
                ),
            ),
            local_range=CALL_GROUP_RANGE,
            list_columns=("strategy",),
        ),
        Layout(
            kind=Kind.IVR,
            model=IvrMenu,
            slug="ivr",
            title=_("IVR numbers"),
            create_title=_("Create new IVR number"),
            sections=(
                Section(
                    _("General"),
                    (
                        "name",
                        "number",
                        "admin_groups",
                        "dial_local_number",
                        "prompt",
                        "keep_derived_metadata",
                        "code",
                        "blocking_groups",
                    ),
                ),
                Section(_("Options"), ("no_input_seconds", "no_input")),
            ),
            local_range=IVR_RANGE,
        ),
        Layout(
            kind=Kind.RULE_BASED,
            model=RuleBasedNumber,
            slug="rule-based",
            title=_("Rule-based numbers"),
            create_title=_("Create new rule-based number"),
            sections=(
                Section(
                    _("General"),
                    (
                        "number",
                        "name",
                        "billing_id",
                        "metadata",
                        "keep_derived_metadata",
                        "language",
                        "prefer_as_caller",
                        "blocking_groups",
                    ),
                ),
            ),
            local_range=RULE_BASED_RANGE,
        ),
        Layout(
            kind=Kind.GROUP_INBOX,
            model=GroupInbox,
            slug="group-inboxes",
            title=_("Group inboxes"),
            create_title=_("Create new group inbox"),
            sections=(
                NUMBER,
                Section(
                    _("General"),
                    (
                        "name",
                        "exclude_from_search",
                        "inbox_code",
                        "anonymous_pin_access",
                        "pin",
                        "welcome_prompt",
                        "admin_groups",
                        "member_groups",
                    ),
                ),
                Section(_("Messages"), ("sms_groups", "email_groups")),
            ),
            list_columns=("inbox_code",),
        ),
        Layout(
            kind=Kind.AUTO_ATTENDANT,
            model=AutoAttendant,
            slug="auto-attendant",
            title=_("Auto attendant group numbers"),
            create_title=_("Create new auto attendant group number"),
            sections=(
                NUMBER,
                Section(_("General"), ("name", "exclude_from_search", "code", "admin_groups")),
            ),
        ),
        Layout(
            kind=Kind.VOICEMAIL,
            model=VoicemailNumber,
            slug="voicemail",
            title=_("Voicemail numbers"),
            create_title=_("New voicemail number"),
            sections=(Section("", ("number", "inbox_type")),),
            purpose=numberlib.VOICEMAIL,
            list_columns=("get_inbox_type_display",),
            name_required=False,
        ),
    )
}

BY_SLUG = {layout.slug: layout for layout in LAYOUTS.values()}

# Menu order under "Funktionsnumre" (the guide's order): a type's list, or a page's URL name.
MENU_ORDER = (
    Kind.ACD,
    Kind.AUTO_ATTENDANT,
    Kind.GROUP_INBOX,
    Kind.IVR,
    Kind.ATTENDANT,
    Kind.RULE_BASED,
    Kind.HUNT,
    "functionnumbers:schedule_list",
    Kind.VOICEMAIL,
)
MENU_PAGES = {"functionnumbers:schedule_list": _("Schedules")}


def layout_for(kind):
    return LAYOUTS[kind]


def model_for(kind):
    layout = LAYOUTS.get(kind)
    return layout.model if layout is not None else FunctionNumber


# The guide's labels (its questions) for the fields of the forms; fields not listed use their
# model verbose name. One label per field name, whichever type shows it.
LABELS = {
    "number": _("What is the phone number of this group:"),
    "name": _("What is the name of this group:"),
    "exclude_from_search": _("Exclude this number from contact searches:"),
    "code": _("Which code identifies this function number when feature codes are used:"),
    "admin_groups": _("Can be administered by the group administrator with profile:"),
    "blocking_groups": _("Which blocking groups apply:"),
    "billing_id": _("Add billing ID:"),
    "metadata": _("Metadata for this group"),
    "keep_derived_metadata": _("Override this with derived call metadata"),
    "outgoing_line_allowed": _("Allow this group to be used as an outgoing user line"),
    "outgoing_use_internal_number": _("Use internal number as outgoing identity"),
    "outgoing_line_number": _(
        "Number shown as line number during the user call using outgoing custom routing"
    ),
    "sms_display_name": _("Display name to use when sending SMS from this number"),
    "sms_sender_number": _("Sender number to use when sending SMS from this number"),
    "wrap_up_seconds": _("Number of seconds of rest an agent gets between calls"),
    "logout_after_unanswered": _("After how many unanswered calls should an agent be logged out"),
    "help_number": _("Which number can an agent get help on"),
    "parallel_agents": _("How many agents should be called in parallel"),
    "phone_types": _("Which phones can an agent use to answer calls"),
    "ring_seconds": _("How many seconds of ringing before the call moves on to the next agent"),
    "presence_affects_distribution": _(
        "Should the agent's presence state affect the distribution of calls"
    ),
    "longest_idle": _(
        "When agents have the same skills, should longest-idle distribution be used?"
    ),
    "distribution": _("Distribution"),
    "queue_limit": _("The number of calls that can be queued at the same time"),
    "overflow_wait_seconds": _("Overflow when the longest waiting time exceeds"),
    "overflow_action": _(
        "When a call is received and the queue is full or the maximum waiting time is exceeded, the following happens"
    ),
    "overflow": _("If forwarding is chosen, forward the call to this number"),
    "max_wait_seconds": _("Forward calls when the caller has waited longer than"),
    "max_wait": _("Where should a call that has waited too long be forwarded to"),
    "no_agents": _(
        "With no available agents (no agents logged in to the group with the state “Available”), forward calls to"
    ),
    "max_attempts": _("Maximum number of distribution attempts before the call is forwarded"),
    "welcome_prompt": _("What the caller hears when placed in the queue"),
    "queue_prompt": _("Which queue message should be played while a call waits in the queue"),
    "status_prompt": _(
        "Which queue message with status should be played while a call waits in the queue"
    ),
    "status_interval_seconds": _(
        "How often (in seconds) should the queue message with status be played?"
    ),
    "ringing_while_offered": _(
        "Should the caller hear a ringing tone when a call is offered to an agent?"
    ),
    "announce_position": _("Play queue position"),
    "announce_wait": _("Play estimated waiting time"),
    "alternate_status": _("Alternate between status message and queue position/waiting time"),
    "wait_announce_min_seconds": _("Do not play the queue waiting time if it is less than"),
    "wait_announce_max_seconds": _("Do not play the queue waiting time if it is more than"),
    "callback_key": _("Callback key"),
    "callback_ring_seconds": _("How long a callback should ring before it is queued again"),
    "callback_attempts": _("How many times to call back"),
    "callback_valid_minutes": _("How long should a callback be valid"),
    "callback_metadata": _("Metadata sent to the agent for callback"),
    "callback_agent_prompt": _("Message played to the agent for callback"),
    "force_group_number": _("Force use of the group number as forwarding number"),
    "show_caller_number": _("Show the calling party's number"),
    "login_groups": _("Which user groups can log in and answer calls"),
    "control_groups": _("Which groups can control (log agents in and out)"),
    "camp_on_enabled": _("Enable camp-on"),
    "camp_on_notify_seconds": _(
        "After how many seconds of camp-on should the receptionist get a visual notification:"
    ),
    "camp_on_notify_all_seconds": _(
        "After how many seconds of camp-on should all receptionists in the call group get a visual notification:"
    ),
    "member_groups": _("Which user groups take part in this hunt group:"),
    "strategy": _("Distribution logic:"),
    "fallback": _("Fallback number:"),
    "excluding_activities": _("Activities that exclude a user from a hunt group:"),
    "excluding_roles": _("Roles that exclude a user from a hunt group:"),
    "dial_local_number": _("Call extension:"),
    "prompt": _("Play this voice message when a call is answered:"),
    "no_input_seconds": _("No input after (seconds)"),
    "no_input": _("Destination when there is no input"),
    "language": _("Which language should voice prompts be in?"),
    "prefer_as_caller": _(
        "Prefer showing the rule-based number as calling party when the diverted number cannot be shown"
    ),
    "inbox_code": _(
        "Code that identifies this group inbox when calling the group inbox's retrieval number:"
    ),
    "anonymous_pin_access": _(
        "Allow anonymous callers to listen to messages after PIN code approval:"
    ),
    "pin": _("PIN code"),
    "sms_groups": _("Which groups will receive an SMS message:"),
    "email_groups": _("Which groups will receive an e-mail message:"),
    "inbox_type": _("Type"),
}

# Per type, labels that differ from LABELS (the guide words them per type).
TYPE_LABELS = {
    Kind.ATTENDANT: {
        "wrap_up_seconds": _("Number of seconds of rest a receptionist gets between calls"),
        "logout_after_unanswered": _(
            "After how many unanswered calls should a receptionist be logged out"
        ),
        "control_groups": _("Which groups can monitor (log participants in and out):"),
    },
    Kind.HUNT: {
        "ring_seconds": _("Call length:"),
        "phone_types": _("Which phones can be used to receive calls:"),
    },
    Kind.IVR: {
        "name": _("What is the name of this group:"),
        "number": _("Number:"),
        "keep_derived_metadata": _("Keep metadata from derived calls:"),
    },
    Kind.RULE_BASED: {
        "number": _("Number"),
        "name": _("Name"),
        "metadata": _("Info message to the recipient"),
        "keep_derived_metadata": _("Override this with the forwarded call's info message"),
    },
    Kind.VOICEMAIL: {"number": _("Number")},
}


def label_for(kind, name):
    return TYPE_LABELS.get(kind, {}).get(name) or LABELS.get(name)
