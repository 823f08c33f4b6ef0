"""Shared-cache helpers of the provisioning endpoint (Django's default cache: Redis in production).

Rendered phone files are cached per phone under a *stamp* made of random generation tokens:
one per organisation (language, time zone, ticket renewal) and one per phone (devices'
``phone_config_changed``: the phone, its keys, its users' names and SIP accounts). A change
replaces the token after commit, so every web process stops using the old entry at once. Readers
take the tokens *before* reading the database and store what they rendered under those tokens:
a render that raced with a change is stored under the old token and never served again. A token
that the cache lost is replaced by a fresh random one, which matches no stored entry.

Cached files never hold a SIP password in clear: secrets stay Fernet-encrypted in the cached
parts and are decrypted only while the response is assembled (invariant 6).
"""

import secrets

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache

BODY_TIMEOUT = 24 * 60 * 60  # an unused entry disappears after a day
RENDER_VERSION = "1"  # bump when a renderer's output changes


def files_enabled():
    """Cache rendered files? Only in a cache every web process shares (Redis), unless the
    PROVISIONING_CACHE_FILES setting says otherwise: a process-local cache would keep serving a
    file another process has invalidated."""
    configured = getattr(settings, "PROVISIONING_CACHE_FILES", None)
    if configured is not None:
        return bool(configured)
    return not isinstance(caches["default"], (LocMemCache, DummyCache))


def _org_key(org_id):
    return f"prov:g:o:{org_id}"


def _phone_key(phone_id):
    return f"prov:g:p:{phone_id}"


def _body_key(phone_id, kind):
    return f"prov:b:{phone_id}:{kind}"


def _token():
    return secrets.token_hex(8)


def bump_organisation(org_id):
    """Every cached file of the organisation is stale (ticket renewed, language/time zone changed)."""
    cache.set(_org_key(org_id), _token(), timeout=None)


def bump_phones(phone_ids):
    """These phones' cached files are stale."""
    ids = list(phone_ids)
    if ids:
        cache.set_many({_phone_key(pk): _token() for pk in ids}, timeout=None)


def lookup(org_id, phone_id, kind, ticket_generation):
    """(stamp, cached entry or None). Call before reading the database for a render."""
    keys = [_org_key(org_id), _phone_key(phone_id), _body_key(phone_id, kind)]
    found = cache.get_many(keys)
    org_token = found.get(keys[0]) or _ensure(keys[0])
    phone_token = found.get(keys[1]) or _ensure(keys[1])
    stamp = f"{RENDER_VERSION}.{ticket_generation}.{org_token}.{phone_token}"
    entry = found.get(keys[2])
    if entry is not None and entry[0] == stamp:
        return stamp, entry[1]
    return stamp, None


def store(phone_id, kind, stamp, payload):
    cache.set(_body_key(phone_id, kind), (stamp, payload), timeout=BODY_TIMEOUT)


def _ensure(key):
    cache.add(key, _token(), timeout=None)
    return cache.get(key) or _token()


def first_in_window(key, seconds):
    """True once per `seconds` for `key` (e.g. to throttle writes of the same fetch record)."""
    return cache.add(f"prov:once:{key}", 1, timeout=seconds)


def count_in_window(key, seconds):
    """Increment a fixed-window counter and return its new value."""
    full = f"prov:count:{key}"
    cache.add(full, 0, timeout=seconds)
    try:
        return cache.incr(full)
    except ValueError:  # expired between add and incr
        cache.add(full, 1, timeout=seconds)
        return 1
