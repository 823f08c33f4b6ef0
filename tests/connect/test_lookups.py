"""`field__any=values` (connect.lib.lookups) finds exactly what `field__in=values` finds: one
array parameter on PostgreSQL instead of a placeholder per value."""

import pytest

from customers.models import Number, User
from customers.operations.numbers import number_register
from tests.factories import UserFactory


@pytest.mark.django_db
def test_any_finds_what_in_finds(org_a, admin_a):
    users = [UserFactory(organisation=org_a, username=f"u{i}@a.example") for i in range(3)]
    number_register(
        organisation=org_a,
        raw="+4588887701",
        purpose=Number.Purpose.MOBILE,
        user=users[0],
        by=admin_a,
        require_range=False,
    )
    cases = [
        (User, "username", ["u0@a.example", "U1@a.example", "u2@a.example", "x" * 300]),
        (User, "pk", [users[0].pk, users[2].pk, 10**9]),
        (Number, "user_id", [u.pk for u in users]),
        (Number, "user", users[:1]),
        (User, "username", ["u0@a.example", None]),
        (User, "pk", []),
    ]
    for model, name, values in cases:
        expected = sorted(
            model.objects.filter(**{f"{name}__in": values}).values_list("pk", flat=True)
        )
        found = sorted(
            model.objects.filter(**{f"{name}__any": values}).values_list("pk", flat=True)
        )
        assert found == expected, (model, name, values)
    assert User.objects.filter(username__any=["u0@a.example", "u2@a.example"]).count() == 2
    assert not User.objects.filter(pk__any=[]).exists()
