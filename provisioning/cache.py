"""Rendered phone files, kept in the database so a phone's fetch costs one query.

A phone's own file (``<MAC>.xml``, ``<MAC>.cfg``) is rendered from several tables (the phone, its
keys, the users they show, SIP accounts, the organisation). The rendered file is stored in
provisioning.RenderedFile under a *stamp*: the renderer's version and settings, the ticket's
generation and config_version, and the phone's config_version. The endpoint's one lookup
statement (queries.lookup) reads the stored file beside the ticket and the phone, and serves it
only while its stamp is still the current one.

Why this is never stale: everything that changes what a phone receives raises a version in the
same transaction as the change (devices.signals.notify_config_changed raises the phone's,
receivers.organisation_saved the ticket's; a renewal raises the ticket's generation). A render
reads the versions first and the data after, so a render that raced with a change is stored
under the version before it, which no longer matches from the moment the change commits. Every
web process sees the same database, so there is nothing to invalidate per process.

Stored files never hold a SIP password in clear: the body is compressed, then encrypted
with a key derived from FIELD_ENCRYPTION_KEY (crypto.encrypt_bytes) (invariant 6). A file that no longer decrypts (the key was replaced)
is simply rendered again.
"""

import hashlib
import logging
import zlib

from django.core.cache import cache
from django.db import IntegrityError, transaction

from connect.lib import crypto
from connect.lib.hotsettings import setting

logger = logging.getLogger(__name__)

RENDER_VERSION = "4"  # bump when a renderer's output (or the stored form) changes


def files_enabled():
    """Store rendered files? On unless PROVISIONING_CACHE_FILES is off."""
    return bool(setting("PROVISIONING_CACHE_FILES", True))


_render_keys = {}


def _render_key():
    """RENDER_VERSION and the settings every file shows (host names, NTP): a deployment that
    changes them gets new stamps without anyone touching the database."""
    parts = (
        RENDER_VERSION,
        setting("PROVISIONING_BASE_URL"),
        setting("SIP_REGISTRAR"),
        setting("SIP_PROXY"),
        setting("NTP_SERVER"),
    )
    key = _render_keys.get(parts)
    if key is None:
        key = _render_keys[parts] = hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:12]
    return key


def stamp(ticket_generation, ticket_version, phone_version):
    """The stamp a phone's file rendered from the current state carries."""
    return f"{_render_key()}.{ticket_generation}.{ticket_version}.{phone_version}"


def cached_body(stored_stamp, stored_body, current_stamp):
    """The stored file if it is current and readable, else None. `stored_body` is the body as
    stored (text) or as provisioning.memory keeps it (bytes: see `sealed`)."""
    if not stored_body or stored_stamp != current_stamp:
        return None
    try:
        if isinstance(stored_body, bytes):
            return crypto.unseal(stored_body).decode("utf-8")
        return _opened(stored_body).decode("utf-8")
    except (ValueError, zlib.error):  # another encryption key, or a damaged row: render again
        return None


def _opened(stored_body):
    """The bytes of a body as stored (encrypted, compressed); ValueError or zlib.error."""
    return zlib.decompress(crypto.decrypt_bytes(stored_body))


def sealed(stored_body):
    """A stored body in the form provisioning.memory keeps: still encrypted, but neither
    compressed nor base64-encoded, so that reading it costs AES-GCM alone (a tenth of what
    base64 and zlib cost, for about twice the bytes). "" when it cannot be read (the file is
    then rendered again, as for a damaged row)."""
    if not stored_body:
        return ""
    try:
        return crypto.seal(_opened(stored_body))
    except (ValueError, zlib.error):
        return ""


def store(phone_id, family, file_stamp, body):
    """Keep a rendered file (replacing the phone's previous one of that family)."""
    store_many([(phone_id, family, file_stamp, body)])


def store_many(rows):
    """Keep many rendered files at once: rows of (phone_id, family, stamp, body)."""
    from provisioning.models import RenderedFile

    objects = [
        RenderedFile(phone_id=phone_id, family=family, stamp=file_stamp,
                     body=crypto.encrypt_bytes(zlib.compress(body.encode("utf-8"), 6)))
        for phone_id, family, file_stamp, body in rows
    ]

    def upsert(batch):
        with transaction.atomic():
            RenderedFile.objects.bulk_create(
                batch, update_conflicts=True, unique_fields=["phone", "family"], update_fields=["stamp", "body", "rendered_at"]
            )

    if not objects:
        return
    try:
        upsert(objects)
    except IntegrityError:  # a phone was deleted meanwhile: keep the others one by one
        for row in objects:
            try:
                upsert([row])
            except IntegrityError:
                pass


def _count_key(key):
    return f"prov:count:{key}"


def count_read(key):
    """The current value of a count_in_window counter (0 when none): one cache read."""
    return cache.get(_count_key(key)) or 0


def count_in_window(key, seconds):
    """Increment a fixed-window counter in the shared cache and return its new value."""
    key = _count_key(key)
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=seconds)
        return 1
