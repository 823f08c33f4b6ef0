"""What each scoped service stores: its fields, their input type, storage columns and defaults.

One `Service` per page under "Tjenester" (FEATURES.md SVC-*). The resolver, the forms and the
operations all read these definitions, so a field is described once. This is a plain table
(`SERVICES`), not a plugin registry.

Field kinds (how the resolver combines levels, SET-2/SET-3/SET-4):
- VALUE: the user's value, else the highest-priority group's, else the organisation's, else the
  default. Stored in nullable columns: NULL = inherit.
- FLAG: a checkbox, OR-ed over all levels. Stored as a plain boolean (no "inherit": an unticked
  box never switches off a box ticked at another level). Defaults of flags are off.
- UNION: a set (group multi-select, contact lists) united over all levels.

Permission services (SET-4): a group multi-select names in `permissions` what members of its
groups may do to the users of the scope ("intrude", "see_status", ...); services.queries answers
"may A do X to T?" from these declarations.

Inputs that need an explicit "none" that differs from "inherit" (e.g. a prompt with "(Ingen)")
are stored in two columns; `read`/`write` convert between the columns and one resolver value.
"""

from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from services import working_hours

VALUE = "value"
FLAG = "flag"
UNION = "union"

# Resolver values of the composite inputs.
NONE = "none"  # "(Ingen)" / "(Ingen meddelelse)" chosen explicitly
ORGANISATION = "organisation"  # callback conversions of the organisation


@dataclass(frozen=True)
class SystemPrompt:
    """A default that names a system prompt (organisation NULL); the resolver looks its id up."""

    name: str


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    # yesno | choice | int | phone (a number calls are sent to) | prompt | prompt_or_none |
    # group_or_org | greeting | groups | flag | working_hours | list (contacts, conversions) |
    # number_from_ranges (a number of the organisation's ranges, SVC-5) | directory_fields (a
    # multi-choice over the organisation's directory fields, USR-17)
    input: str
    default: object = None
    choices: tuple = ()
    min_value: int | None = None
    max_value: int | None = None
    prompt_kind: str | None = None
    none_label: str | None = None
    help_text: str = ""
    permissions: tuple = ()  # group multi-selects of permission services (SET-4)

    def label_for(self, scope_name):
        """The label with the scope's name filled in ("... for %(scope)s:")."""
        return self.label % {"scope": scope_name} if "%(scope)s" in str(self.label) else self.label

    @cached_property  # read for every user and field by the resolver
    def kind(self):
        if self.input == "flag":
            return FLAG
        if self.input in ("groups", "list", "directory_fields"):
            return UNION
        return VALUE

    # --- storage -----------------------------------------------------------------------
    @property
    def columns(self):
        """Attribute names (attnames) holding this field on the service model."""
        if self.input in ("groups", "list", "directory_fields"):
            return ()
        if self.input == "prompt":
            return (f"{self.name}_id",)
        if self.input == "prompt_or_none":
            return (f"{self.name}_id", f"{self.name}_none")
        if self.input == "group_or_org":
            return (f"{self.name}_group_id", f"{self.name}_organisation")
        if self.input == "greeting":
            return (self.name, f"{self.name}_prompt_id")
        return (self.name,)

    def read(self, row):
        """The value stored in `row` (a dict of column values); None = not set (inherit)."""
        if self.input == "prompt_or_none":
            return NONE if row[f"{self.name}_none"] else row[f"{self.name}_id"]
        if self.input == "group_or_org":
            return ORGANISATION if row[f"{self.name}_organisation"] else row[f"{self.name}_group_id"]
        if self.input == "greeting":
            return row[self.name] if row[self.name] is not None else row[f"{self.name}_prompt_id"]
        if self.input == "flag":
            return bool(row[self.name])
        if self.input == "prompt":
            return row[f"{self.name}_id"]
        return row[self.name]

    def write(self, value):
        """Column values that store `value` (None = inherit)."""
        if self.input == "prompt_or_none":
            return {f"{self.name}_id": None if value in (None, NONE) else value, f"{self.name}_none": value == NONE}
        if self.input == "group_or_org":
            return {
                f"{self.name}_group_id": None if value in (None, ORGANISATION) else value,
                f"{self.name}_organisation": value == ORGANISATION,
            }
        if self.input == "greeting":
            if isinstance(value, str):
                return {self.name: value, f"{self.name}_prompt_id": None}
            return {self.name: None, f"{self.name}_prompt_id": value}
        if self.input == "prompt":
            return {f"{self.name}_id": value}
        if self.input == "flag":
            return {self.name: bool(value)}
        return {self.name: value}


@dataclass(frozen=True)
class Service:
    slug: str
    title: str  # Danish menu label in the guide, English msgid
    description: str
    model_name: str
    fields: tuple
    kind: str = "settings"  # "settings" (one row per scope) or "contacts" (lists of rows)
    validate: object = None  # callable(values, inherited) -> {field: [messages]} for conditional rules
    # callable(*, row, organisation, by), run in the save's transaction after the row is saved
    # (may raise ValidationError({field: [..]}) to undo the save), e.g. to keep the number
    # registry in step with a stored number.
    after_save: object = None
    note: str = ""  # shown on the page above the form (e.g. "works only on Snom phones")
    # The levels it can be set at (SET-1); SVC-12 allowed destinations exist for the organisation
    # and groups only (SVC-12: "Per organisation and per group").
    levels: tuple = ("organisation", "group", "user")

    @property
    def has_user_level(self):
        return "user" in self.levels

    @property
    def model(self):
        from django.apps import apps

        return apps.get_model("services", self.model_name)

    @property
    def defaults(self):
        """The DEFAULTS mapping of the service: field name -> default value."""
        return {f.name: f.default for f in self.fields}

    def field(self, name):
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def __str__(self):
        return str(self.title)


YES_NO = ((True, _("Yes")), (False, _("No")))


def _effective(values, inherited, name):
    value = values.get(name)
    if value is None:
        effective = inherited.get(name)
        value = effective.value if effective is not None else None
    return value


def validate_call_queues(values, inherited):
    """SVC-6: field 5 required when 4 = Viderestil; field 9 > 0 when a status message is set."""
    errors = {}
    if _effective(values, inherited, "when_full") == "forward" and not _effective(values, inherited, "forward_number"):
        errors["forward_number"] = [_("Enter the number to forward to when the queue is full.")]
    status = _effective(values, inherited, "status_prompt")
    if status not in (None, NONE) and not _effective(values, inherited, "status_interval"):
        errors["status_interval"] = [_("Enter how often the status message is played (more than 0 seconds).")]
    return errors


def validate_voicemail(values, inherited):
    """SVC-23: field 4 required when 3 = Ja."""
    errors = {}
    if _effective(values, inherited, "personal_assistance") is True and not _effective(values, inherited, "personal_assistance_number"):
        errors["personal_assistance_number"] = [_("Enter the number the caller is transferred to after pressing 1.")]
    return errors


WORKING_HOURS = Service(
    slug="working-hours",
    title=_("Working hours"),
    description=_(
        "General working hours of users, groups or the organisation: not opening hours of hunt groups, "
        "but time spans used in call routing. Night mode is active outside working hours."
    ),
    model_name="WorkingHoursSettings",
    fields=(Field("definition", _("Working hours"), "working_hours", default=working_hours.DEFAULT),),
)

ADVANCED = Service(
    slug="advanced",
    title=_("Advanced settings"),
    description=_("Directory search, own photo, anonymous calls and transfers from desk phones."),
    model_name="AdvancedSettings",
    fields=(
        Field(
            "mobile_numbers_visible",
            _(
                "Should mobile numbers be visible in this user/group directory's search results? "
                "It does not affect the visibility of the user/group"
            ),
            "yesno",
            default=True,
        ),
        Field(
            "default_phone_number",
            _("Choose the phone number to be shown as the default phone number when searching the user directory."),
            "choice",
            default="primary",
            choices=(("primary", _("Primary")), ("secondary", _("Secondary"))),
        ),
        Field("users_may_change_photo", _("Should users be able to change their own photo?"), "yesno", default=True),
        Field(
            "anonymous_calls_allowed",
            _("Should users be allowed to make anonymous calls if the outgoing user-defined destination is specified?"),
            "yesno",
            default=False,
        ),
        Field(
            "desk_phone_transfer_pending",
            _(
                "Should transfer from a desk phone be pending by default, meaning that the call is "
                "disconnected when the transfer has started? Anonymous transfer from a desk phone is "
                "sent to the personal queue of the destination's user. The original call is removed "
                "from the phone when the transfer starts."
            ),
            "yesno",
            default=True,
        ),
    ),
)

CALL_PICKUP = Service(
    slug="call-pickup",
    title=_("Call pickup"),
    description=_("Which groups may pick up ringing, queued and parked calls."),
    model_name="CallPickupSettings",
    fields=(
        Field(
            "pickup_groups",
            _("Which groups may answer incoming calls, or calls placed in a queue, for %(scope)s:"),
            "groups",
            default=(),
            permissions=("pick_up",),
        ),
        Field(
            "parked_groups",
            _("Which groups may retrieve calls parked for %(scope)s:"),
            "groups",
            default=(),
            permissions=("retrieve_parked",),
        ),
    ),
)

CALL_QUEUES = Service(
    slug="call-queues",
    title=_("Call queues"),
    description=_("Personal queues for diverted and transferred calls."),
    model_name="CallQueueSettings",
    validate=validate_call_queues,
    fields=(
        Field("queue_size", _("How many calls can be in the queue:"), "int", default=5, min_value=0, max_value=50),
        Field(
            "callback_key",
            _("Callers can press this key to be called back automatically when the queue is empty:"),
            "choice",
            default="none",
            choices=(("none", _("(none)")), ("5", "5")),
        ),
        Field(
            "callback_conversion",
            _("Which groups' number conversion rules should be used for callback:"),
            "group_or_org",
            default=ORGANISATION,
        ),
        Field(
            "when_full",
            _("What happens to incoming calls when the queue is full:"),
            "choice",
            default="busy",
            choices=(("busy", _("Busy signal")), ("forward", _("Forward"))),
        ),
        Field("forward_number", _("If forwarded, to which number:"), "phone"),
        Field(
            "welcome_prompt",
            _("What should the caller hear when placed in the queue (welcome):"),
            "prompt_or_none",
            default=NONE,
            none_label=_("(None)"),
        ),
        Field(
            "waiting_prompt",
            _("What should the caller hear while waiting in the queue:"),
            "prompt",
            default=SystemPrompt("Ringing"),
        ),
        Field(
            "status_prompt",
            _("Status message to play:"),
            "prompt_or_none",
            default=NONE,
            none_label=_("(No message)"),
        ),
        Field(
            "status_interval",
            _("How often should a status message be played, in seconds:"),
            "int",
            min_value=0,
            max_value=86400,
        ),
    ),
)

CONTACTS = Service(
    slug="contacts",
    title=_("Contact lists"),
    description=_(
        "Contacts can exist within an organisation, a group and a user scope. Contacts are "
        "inherited, i.e. a user inherits the contacts that belong to all groups he/she is a member of."
    ),
    model_name="ExternalContact",
    kind="contacts",
    fields=(
        Field("mandatory_contacts", _("Mandatory contacts"), "list", default=()),
        Field("external_contacts", _("External contacts"), "list", default=()),
    ),
)

def _switchboard_after_save(*, row, organisation, by):
    from services.switchboard import switchboard_register

    switchboard_register(row=row, organisation=organisation, by=by)


SWITCHBOARD = Service(
    slug="switchboard",
    title=_("Switchboard number"),
    description=_(
        "A company's main number. It can be used in call routing (for incoming rules and as the "
        "number presented on outgoing calls), as overflow in ACD groups and more."
    ),
    model_name="SwitchboardSettings",
    after_save=_switchboard_after_save,
    fields=(
        Field(
            "switchboard_number",
            _("Switchboard number"),
            "number_from_ranges",
            help_text=_(
                "A free number of the organisation's number ranges, or the number of one of the "
                "organisation's function numbers (e.g. the main IVR)."
            ),
        ),
    ),
)

NUMBER_CONVERSIONS = Service(
    slug="number-conversions",
    title=_("Number conversions"),
    description=_(
        "List of numbers that are converted to other numbers, e.g. a local number to a full phone "
        "number (765 -> +4588887765). A prefix is replaced by something else. The conversions of "
        "the organisation, of all the user's groups and of the user apply together; the most "
        "specific rule wins."
    ),
    model_name="NumberConversion",
    kind="conversions",
    fields=(Field("conversions", _("Number conversions"), "list", default=()),),
)

CALL_TRANSFER = Service(
    slug="call-transfer",
    title=_("Call transfer"),
    description=_("How long a diversion or transfer tries to ring the phone it is diverted to."),
    model_name="CallTransferSettings",
    fields=(
        Field(
            "ring_seconds",
            _("How many seconds should it ring before the transfer is given up:"),
            "int",
            default=20,
            min_value=5,
            max_value=300,
        ),
    ),
)

MUSIC_ON_HOLD = Service(
    slug="music-on-hold",
    title=_("Music on hold"),
    description=_("Choose what a caller hears when put on hold. Applies only to calls on hold, not to music in ACD groups etc."),
    model_name="MusicOnHoldSettings",
    fields=(
        Field(
            "music",
            pgettext_lazy("service field", "Music on hold"),
            "prompt",
            default=SystemPrompt("ventemusikSamlet"),
            prompt_kind="music",
        ),
    ),
)

VOICEMAIL = Service(
    slug="voicemail",
    title=_("Voicemail settings"),
    description=_("Configuration of the answering machine."),
    model_name="VoicemailSettings",
    validate=validate_voicemail,
    fields=(
        Field("play_activity", _("Play activity information as part of the greeting?"), "yesno", default=True),
        Field(
            "announce_last_end",
            _(
                "When playing the end time, should the end time of the last event be played if there "
                "are several consecutive future presence events with status busy?"
            ),
            "yesno",
            default=True,
        ),
        Field(
            "personal_assistance",
            _("Should the option “For personal assistance, press 1” be part of the greeting?"),
            "yesno",
            default=False,
        ),
        Field(
            "personal_assistance_number",
            _("If yes, which number should the call be redirected to (e.g. +4655512345)?"),
            "phone",
        ),
        Field(
            "bypass_option",
            _("Should a “Bypass voicemail, press 2” be given as part of the greeting?"),
            "yesno",
            default=False,
        ),
        Field("notify_sms", _("Notify about new messages by SMS?"), "yesno", default=False),
        Field(
            "notify_email",
            _("Notify about new messages by e-mail?"),
            "choice",
            default="yes",
            choices=(("no", _("No")), ("yes", _("Yes")), ("attach", _("Yes, attach voicemail"))),
        ),
        Field("download_to_mobile", _("Download messages to mobile phone"), "yesno", default=False),
        Field("hide_portal_link", _("Hide link to user portal in notifications?"), "yesno", default=False),
        Field(
            "personal_greeting_allowed",
            _("Should users be able to use their own personal greeting?"),
            "yesno",
            default=True,
        ),
        Field(
            "default_greeting",
            _("Which greeting should be played if users do not have their own recorded greeting?"),
            "greeting",
            default="name",
            choices=(("name", _("Standard with name")), ("number", _("Standard with number"))),
        ),
        Field(
            "may_disable_voicemail",
            _("Should users be allowed to deactivate incoming voicemails?"),
            "yesno",
            default=False,
        ),
        Field(
            "callers_may_leave_messages",
            _("Should incoming calls be allowed to leave voicemails?"),
            "yesno",
            default=True,
        ),
        Field(
            "retention_days",
            _("How many days should old messages be kept before they are deleted automatically?"),
            "int",
            default=30,
            min_value=1,
            max_value=3650,
        ),
        Field(
            "max_inbox_mb",
            _("What is the maximum size of the inbox (in megabytes)?"),
            "int",
            default=100,
            min_value=1,
            max_value=1000,
        ),
    ),
)



def _permission_service(slug, title, description, model_name, field_name, label, permission):
    """A permission service (SET-4) with one group multi-select."""
    return Service(
        slug=slug,
        title=title,
        description=description,
        model_name=model_name,
        fields=(Field(field_name, label, "groups", default=(), permissions=(permission,)),),
    )


FUTURE_PRESENCE = Service(
    slug="future-presence",
    title=_("Future presence authorization"),
    description=_("Access to see, add and edit users' future presences (status changes planned in the future)."),
    model_name="FuturePresenceSettings",
    fields=(
        Field(
            "view_groups",
            _("Which groups can see information about future presence:"),
            "groups",
            default=(),
            permissions=("see_future_presence",),
        ),
        # Edit rights include see rights (FEATURES.md SVC-4, our decision).
        Field(
            "edit_groups",
            _("Which groups can add/edit information about future presence:"),
            "groups",
            default=(),
            permissions=("edit_future_presence", "see_future_presence"),
        ),
    ),
)

CALL_INTRUSION = _permission_service(
    "call-intrusion",
    _("Call intrusion"),
    _("Which groups may perform call intrusion on the users at the chosen level."),
    "CallIntrusionSettings",
    "intrusion_groups",
    _("Which groups may perform call intrusion on %(scope)s:"),
    "intrude",
)

CALL_MONITORING = _permission_service(
    "call-monitoring",
    _("Call monitoring"),
    _("Rights to see other users' status. Choose the groups that may see the status of the users in the chosen scope."),
    "CallMonitoringSettings",
    "status_groups",
    _("Which groups may see the status of the users in %(scope)s:"),
    "see_status",
)

DIRECTORY_SEARCH = _permission_service(
    "directory-search",
    _("Directory information"),
    _("Rights to search other users' directory fields from the softphone."),
    "DirectorySearchSettings",
    "search_groups",
    _("Which groups may search the directory fields of %(scope)s:"),
    "search_directory",
)

SMS_AUTHORIZATION = Service(
    slug="sms-authorization",
    title=_("SMS authorization"),
    description=_("Give a scope the right to send SMS messages from the softphone."),
    model_name="SmsAuthorizationSettings",
    fields=(Field("sms_allowed", _("Allow sending SMS from the softphone"), "flag", default=False),),
)

DIVERSION_BYPASS = _permission_service(
    "diversion-bypass",
    _("Diversion bypass"),
    _("Lets a user call another user directly although that user has diverted the number."),
    "DiversionBypassSettings",
    "bypass_groups",
    _("Which groups may call %(scope)s bypassing diversion:"),
    "bypass_diversion",
)

EXTEND_WORKING_HOURS = _permission_service(
    "extend-working-hours",
    _("Extend working hours"),
    _("Rights to extend the working hours of the scope the user is in."),
    "ExtendWorkingHoursSettings",
    "extend_groups",
    _("Which groups may extend the working hours of %(scope)s:"),
    "extend_working_hours",
)

EDIT_DIRECTORY_FIELDS = Service(
    slug="edit-directory-fields",
    title=_("Edit directory fields"),
    description=_(
        "Which directory fields users may edit themselves. If an organisation has many users, some fields "
        "may hold keywords the organisation does not want users to remove or edit. Users' edits go to moderation."
    ),
    model_name="DirectoryEditSettings",
    fields=(
        Field(
            "editable_fields",
            _("Which directory fields may the users in %(scope)s edit:"),
            "directory_fields",
            default=(),
        ),
    ),
)


# SVC-17: "Standard" leaves the phone's own choice; Ringer1-Ringer10 are the Snom ringers.
RING_TONE_CHOICES = (("standard", _("Standard")),) + tuple((f"ringer{n}", f"Ringer{n}") for n in range(1, 11))


def _ring_tone(name, label):
    return Field(name, label, "choice", default="standard", choices=RING_TONE_CHOICES)


RING_TONES = Service(
    slug="ring-tones",
    title=_("Ring tones"),
    description=_(
        "Ring tones for ordinary calls and for ring groups (ACD, attendant, etc.). "
        "For ordinary calls, calls from internal and external sources can be told apart."
    ),
    note=_("Note that this function only works on Snom phones."),
    model_name="RingToneSettings",
    fields=(
        _ring_tone("internal", _("Internal calls")),
        _ring_tone("external", _("External calls")),
        _ring_tone("acd", _("ACD groups")),
        _ring_tone("attendant", _("Attendant ring groups")),
        _ring_tone("ring_group", _("Ring groups")),
    ),
)


ROUTING_DESTINATIONS = Service(
    slug="routing-destinations",
    title=_("Allowed destinations"),
    description=_(
        "Which destinations may be chosen in call routing rules. The boxes ticked for the organisation "
        "and for a user's groups add up. Until the organisation's list is saved, every destination is allowed."
    ),
    model_name="AllowedDestinationSettings",
    levels=("organisation", "group"),
    fields=tuple(
        Field(name, label, "flag", default=False)
        for name, label in (
            ("desk_phone", pgettext_lazy("destination", "desk phone")),
            ("softphone", pgettext_lazy("destination", "softphone")),
            ("mobile", pgettext_lazy("destination", "mobile phone")),
            ("mobile_voip", pgettext_lazy("destination", "mobile VoIP")),
            ("third_party_sip", pgettext_lazy("destination", "third-party SIP phone")),
            ("voicemail", pgettext_lazy("destination", "voicemail")),
            ("personal_queue", pgettext_lazy("destination", "personal queue")),
            ("other_number", pgettext_lazy("destination", "other number")),
            ("switchboard", pgettext_lazy("destination", "switchboard number")),
        )
    ),
)

# Menu order follows the guide's "Tjenester" list (the SVC numbering).
MENU_ORDER = (
    WORKING_HOURS,
    ADVANCED,
    CALL_PICKUP,
    FUTURE_PRESENCE,
    SWITCHBOARD,
    CALL_QUEUES,
    CONTACTS,
    NUMBER_CONVERSIONS,
    CALL_TRANSFER,
    CALL_INTRUSION,
    ROUTING_DESTINATIONS,
    CALL_MONITORING,
    DIRECTORY_SEARCH,
    EDIT_DIRECTORY_FIELDS,
    RING_TONES,
    SMS_AUTHORIZATION,
    DIVERSION_BYPASS,
    EXTEND_WORKING_HOURS,
    MUSIC_ON_HOLD,
    VOICEMAIL,
)
SERVICES = {s.slug: s for s in MENU_ORDER}



def _permissions(services):
    """permission -> ((service, field), ...) whose groups grant it (SET-4)."""
    found = {}
    for service in services:
        for f in service.fields:
            for permission in f.permissions:
                found.setdefault(permission, []).append((service, f))
    return {k: tuple(v) for k, v in found.items()}


# What members of a group may do to the users of a scope ("intrude", "see_status", ...).
PERMISSIONS = _permissions(MENU_ORDER)


def get_service(service):
    """A Service from a slug or a Service; unknown slugs raise LookupError."""
    if isinstance(service, Service):
        return service
    try:
        return SERVICES[service]
    except KeyError:
        raise LookupError(service) from None


def run_validation(service, values, inherited):
    """Conditional validation of a service; raises ValidationError({field: [..]})."""
    if service.validate is None:
        return
    errors = service.validate(values, inherited)
    if errors:
        raise ValidationError(errors)
