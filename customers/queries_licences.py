"""Licence usage (ORG-4, Licensbrug): how many users hold each licence type of the organisation,
against its quota, and the per-user rows of the report. Every user of the organisation counts.
Two grouped queries whatever the number of users; the user rows are streamed in chunks."""

from dataclasses import dataclass

from django.db.models import Count

from customers.models import Licence, User


@dataclass(frozen=True)
class LicenceUsage:
    licence: Licence
    in_use: int

    @property
    def name(self):
        return self.licence.name

    @property
    def quota(self):
        return self.licence.quota

    @property
    def over_quota(self):
        return self.quota is not None and self.in_use > self.quota


def licence_usage(organisation):
    """One LicenceUsage per licence type of the organisation: user licences, then mobile ones."""
    users = User.objects.for_organisation(organisation).order_by()
    counts = dict(users.filter(licence__isnull=False).values_list("licence").annotate(n=Count("pk")))
    counts.update(users.filter(mobile_licence__isnull=False).values_list("mobile_licence").annotate(n=Count("pk")))
    licences = Licence.objects.for_organisation(organisation).order_by("kind", "name")
    kind_order = {Licence.Kind.USER: 0, Licence.Kind.MOBILE: 1}
    rows = [LicenceUsage(licence, counts.get(licence.pk, 0)) for licence in licences]
    return sorted(rows, key=lambda row: (kind_order.get(row.licence.kind, 9), row.name.lower()))


def licence_user_rows(organisation, chunk_size=2000):
    """(username, name, licence, mobile client licence) per user, by username, streamed."""
    users = (
        User.objects.for_organisation(organisation)
        .order_by("username")
        .values_list("username", "first_name", "last_name", "licence__name", "mobile_licence__name")
    )
    for username, first, last, licence, mobile in users.iterator(chunk_size=chunk_size):
        yield username, " ".join(p for p in (first, last) if p), licence or "", mobile or ""
