"""Asking a phone to fetch its configuration again ("Gem og genindlæs", DEV-4).

The transport and the backends (PLATFORM_BACKEND: sip, http, console, locmem) are the shared
platform seam in connect/lib/platform.py; this module builds the request for a phone.
"""

import logging

from django.conf import settings

from connect.lib.platform import (  # noqa: F401 - the seam's names, as devices code and tests use them
    CheckSync,
    Result,
    build_notify,
    get_backend,
    outbox,
    parse_response,
)

log = logging.getLogger("connect.devices.platform")


def check_sync_request_for(phone):
    """The CheckSync for a phone, or None if the phone has never fetched (no address known)."""
    if not phone.last_ip:
        return None
    user = phone.mac
    if phone.user_id and not phone.free_seating:
        from devices.models import SipAccount

        user = SipAccount.objects.filter(user_id=phone.user_id).values_list("username", flat=True).first() or user
    return CheckSync(host=str(phone.last_ip), port=int(getattr(settings, "PLATFORM_SIP_PORT", 5060)), user=user, mac=phone.mac)


def send_check_sync(phone):
    """Ask the phone to fetch its configuration again. Returns a Result (never raises on network errors)."""
    request = check_sync_request_for(phone)
    if request is None:
        return Result(ok=False, detail="never seen")
    result = get_backend().check_sync(request)
    log.info("check-sync %s -> %s %s", phone.mac, result.status, result.detail)
    return result
