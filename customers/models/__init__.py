"""customers models, one module per area; import from `customers.models`."""

from customers.models.connectors import CalendarConnector  # noqa: E402,F401
from customers.models.core import *  # noqa: F401,F403
from customers.models.core import (  # noqa: F401
    AuditEntry,
    GroupMembership,
    Language,
    Licence,
    Number,
    NumberKind,
    NumberRange,
    Organisation,
    OrganisationScopedQuerySet,
    Prompt,
    User,
    UserGroup,
    UserLine,
)
from customers.models.directory import DirectoryField, DirectoryFieldValue  # noqa: E402,F401
from customers.models.jobs import Job  # noqa: E402,F401
from customers.models.messaging import OutboundMessage  # noqa: E402,F401
from customers.models.numbertypes import BlockingGroup, ClassificationPrefix, NumberClassification  # noqa: E402,F401
from customers.models.presence import Activity, Availability, PresenceShortcut, Role  # noqa: E402,F401
from customers.models.prompts import PromptCall, PromptRecording  # noqa: E402,F401
from customers.models.twofactor import AuthenticatorApp  # noqa: E402,F401
from customers.models.users import DirectoryFieldProposal, ThirdPartySipAccount  # noqa: E402,F401
