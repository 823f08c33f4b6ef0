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


def test_copied_user_gets_user_level_number_conversions_but_not_the_switchboard_number(org_a, admin_a, member_a):
    from customers.operations.numbers import numberrange_create
    from services.operations_conversions import conversion_create
    from services.queries import user_conversions

    conversion_create(scope=Scope(org_a, user=member_a), prefix="7", digits=2, rewrite="+45111122", by=admin_a)
    numberrange_create(organisation=org_a, first="+4588887700", last="+4588887799", by=admin_a)
    operations.service_settings_save(
        service="switchboard", scope=Scope(org_a, user=member_a), data={"switchboard_number": "+4588887700"}, by=admin_a
    )

    copy = user_copy(source=member_a, username="copy@a.example", first_name="Copy", last_name="User", by=admin_a)

    [rule] = user_conversions(copy)
    assert (rule.prefix, rule.rewrite, rule.source.level) == ("7", "+45111122", "user")
    # A number is given once: the copy inherits the switchboard number instead of taking it.
    assert resolve_user("switchboard", copy)["switchboard_number"].value is None
    assert resolve_user("switchboard", member_a)["switchboard_number"].value == "+4588887700"
