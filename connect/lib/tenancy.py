"""The one tenancy choke-point (ARCHITECTURE.md invariant 1).

Views get the organisation from `request.organisation` (set by OrganisationMiddleware: the
signed-in user's organisation, or the organisation a support user chose to act in) and fetch
rows with `scoped` / `get_for_organisation`. Another organisation's row is a 404, never a 403.
Forms narrow their choices with `scoped` too.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404

SUPPORT_SESSION_KEY = "connect_support_organisation_id"


def scoped(source, organisation):
    """A queryset of `source` (model class, manager or queryset) narrowed to one organisation."""
    if organisation is None:
        raise Http404
    if isinstance(source, type):
        source = source._default_manager
    return source.all().for_organisation(organisation)


def get_for_organisation(source, organisation, **lookup):
    """Fetch one object of the organisation, or raise Http404."""
    return get_object_or_404(scoped(source, organisation), **lookup)
