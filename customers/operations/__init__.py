"""customers write operations (keyword-only `<entity>_<verb>`), one module per area.

Import them from here: `from customers.operations import usergroup_create`.
Modules: organisations, connectors, licences, presence, numbertypes, groups, numbers, users, imports,
welcome, twofactor (each owned by its area).
"""

from customers.operations.connectors import (  # noqa: E402,F401
    connector_create,
    connector_delete,
    connector_test,
    connector_update,
)
from customers.operations.groups import (  # noqa: E402,F401
    usergroup_create,
    usergroup_delete,
    usergroup_move,
    usergroup_set_order,
    usergroup_update,
)
from customers.operations.numbers import (  # noqa: E402,F401
    number_check_available,
    number_register,
    number_release,
    numberrange_create,
    numberrange_delete,
    numberrange_update,
)
from customers.operations.numbertypes import (  # noqa: E402,F401
    blockinggroup_create,
    blockinggroup_delete,
    blockinggroup_update,
    classification_create,
    classification_delete,
    classification_update,
)
from customers.operations.organisations import (  # noqa: E402,F401
    apply_template,
    organisation_create,
    organisation_created,
    validate_linked_organisations,
)
from customers.operations.presence import (  # noqa: E402,F401
    activity_create,
    activity_delete,
    activity_update,
    organisation_languages_set,
    role_create,
    role_delete,
    role_update,
    shortcut_create,
    shortcut_delete,
    shortcut_update,
)
from customers.operations.prompts import (  # noqa: E402,F401
    prompt_call_report,
    prompt_call_simulate,
    prompt_call_start,
    prompt_create,
    prompt_delete,
    prompt_recording_import,
    prompt_recordings_delete,
    prompt_update,
)
from customers.operations.twofactor import (  # noqa: E402,F401
    organisation_set_require_2fa,
    recovery_codes_regenerate,
    totp_device_confirm,
    totp_device_start,
    two_factor_disable,
    two_factor_reset,
    two_factor_verify,
)
from customers.operations.users import (  # noqa: E402,F401
    user_copy,
    user_create,
    user_delete,
    user_set_groups,
    user_set_lines,
    user_set_mobile,
    user_set_password,
    user_set_third_party_sip,
    user_update,
    users_add_to_groups,
    users_delete,
    users_remove_from_groups,
    users_update,
)
from customers.operations.welcome import (  # noqa: E402,F401
    client_first_use,
    message_send,
    welcome_send,
)
