"""Render phones' files ahead of their fetches (like wazo-provd does).

After a deployment with a RENDER_VERSION bump or an organisation-wide change, the first fetch of
every phone would render it from the database (a few queries each). `warm()` does that work in
bulk, a chunk of phones at a time, so a boot storm finds every file current. Files that are
still current are left alone, so it is cheap to run at any time (after every deployment, say);
it follows the same stamp protocol as the endpoint (versions read before the data).
"""

from django.db.models import Prefetch

from devices.models import FunctionKey, Phone
from devices.queries import phone_config_data
from provisioning import cache as prov_cache
from provisioning import queries
from provisioning.models import RenderedFile, Ticket
from provisioning.renderers import BY_CATALOG_RENDERER, RingTones, Site

CHUNK = 500


def _phones(pks):
    # The same reads as devices.queries.phone_for_provisioning, for many phones at once.
    keys = Prefetch(
        "keys",
        queryset=FunctionKey.objects.select_related("target_user__sip_account")
        .prefetch_related("target_user__lines__number")
        .order_by("position"),
    )
    return Phone.objects.select_related("organisation", "user__sip_account").prefetch_related(keys).filter(pk__in=pks)


def _warm(ticket, rows, chunk):
    org = ticket.organisation
    site = Site(organisation_name=org.name, language=org.default_language, time_zone=org.time_zone,
                ticket=ticket.ticket)
    done = 0
    for start in range(0, len(rows), chunk):
        stamps = {}
        for pk, model_code, version in rows[start:start + chunk]:
            phone_model = Phone(model=model_code).phone_model
            renderer = BY_CATALOG_RENDERER.get(phone_model.renderer) if phone_model else None
            if renderer is not None:
                stamps[pk] = (renderer, prov_cache.stamp(ticket.generation, ticket.config_version, version))
        current = RenderedFile.objects.filter(phone_id__in=list(stamps)).values_list("phone_id", "family", "stamp")
        for pk, family, stored in current:
            if pk in stamps and stamps[pk][0].family == family and stamps[pk][1] == stored:
                del stamps[pk]  # still current: nothing to do
        rendered = []
        phones = list(_phones(list(stamps)))
        # SVC-17 for the whole chunk at once (a constant number of queries).
        ring_tones = queries.ring_tones_for_phones([p for p in phones if stamps[p.pk][0].uses_ring_tones])
        for phone in phones:
            renderer, stamp = stamps[phone.pk]
            body = renderer.render_phone(site, phone_config_data(phone), ring_tones.get(phone.pk, RingTones()))
            rendered.append((phone.pk, renderer.family, stamp, body))
        prov_cache.store_many(rendered)
        done += len(rendered)
    return done


def warm(organisation=None, chunk=CHUNK):
    """Render and store every phone's file that is not current (of one organisation, or all).
    Returns how many were rendered."""
    if not prov_cache.files_enabled():
        return 0
    tickets = Ticket.objects.select_related("organisation")
    if organisation is not None:
        tickets = tickets.filter(organisation=organisation)
    done = 0
    for ticket in tickets:
        # Versions first, data second (in _warm): a change racing with this leaves a stale stamp.
        rows = list(
            Phone.objects.filter(organisation=ticket.organisation).order_by("pk").values_list("pk", "model", "config_version")
        )
        done += _warm(ticket, rows, chunk)
    return done


def warm_phones(phone_ids, chunk=CHUNK):
    """Render and store these phones' files that are not current. Returns how many."""
    if not prov_cache.files_enabled():
        return 0
    by_org = {}
    phones = Phone.objects.filter(pk__in=list(phone_ids)).values_list("pk", "organisation_id", "model", "config_version")
    for pk, org_id, model_code, version in phones:
        by_org.setdefault(org_id, []).append((pk, model_code, version))
    done = 0
    for ticket in Ticket.objects.select_related("organisation").filter(organisation_id__in=list(by_org)):
        done += _warm(ticket, by_org[ticket.organisation_id], chunk)
    return done
