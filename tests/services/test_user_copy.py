"""USR-15: a user created from another user gets the same user-level service settings."""

from customers.operations import user_copy
from services import operations
from services.resolver import resolve_user
from services.scopes import Scope


def test_copied_user_gets_user_level_settings_and_groups(org_a, admin_a, member_a, groups_a):
    operations.service_settings_save(service="call-queues", scope=Scope(org_a, user=member_a), data={"queue_size": 12}, by=admin_a)
    operations.service_settings_save(
        service="call-pickup", scope=Scope(org_a, user=member_a), data={"pickup_groups": [groups_a["Administration"].pk]}, by=admin_a
    )

    copy = user_copy(source=member_a, username="copy@a.example", first_name="Copy", last_name="User", by=admin_a)

    queues = resolve_user("call-queues", copy)
    assert queues["queue_size"].value == 12
    assert queues["queue_size"].source.level == "user"
    pickup = resolve_user("call-pickup", copy)
    assert groups_a["Administration"].pk in {getattr(g, "pk", g) for g in pickup["pickup_groups"].value}
    # The source keeps its own settings.
    assert resolve_user("call-queues", member_a)["queue_size"].value == 12
