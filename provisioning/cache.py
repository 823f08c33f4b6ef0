"""Shared-cache helpers of the provisioning endpoint (Redis in production).

Rendered phone files are cached per phone under a *stamp* made of random generation tokens:
one per organisation (language, time zone, ticket renewal) and one per phone (devices'
``phone_config_changed``: the phone, its keys, its users' names and SIP accounts). A change
replaces the token after commit, so every web process stops using the old entry at once. Readers
take the tokens *before* reading the database and store what they rendered under those tokens:
a render that raced with a change is stored under the old token and never served again. A token
that the cache lost is replaced by a fresh random one, which matches no stored entry.

Cached files never hold a SIP password in clear: the file is stored Fernet-encrypted and
decrypted only while the response is assembled (invariant 6).

Storage: with Django's Redis cache backend the helpers talk to the same Redis through one client
kept for the whole process (Django's backend builds a new client object for every call, which
costs more than the round trip on this hot path); values are plain strings under ``prov:`` keys.
Any other backend is used through Django's cache API.
"""

import secrets

import redis
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

BODY_TIMEOUT = 7 * 24 * 60 * 60  # an unused entry disappears after a week
RENDER_VERSION = "1"  # bump when a renderer's output changes
_SEPARATOR = "\x00"  # between stamp and payload (neither contains NUL)


def files_enabled():
    """Cache rendered files? Only in a cache every web process shares (Redis), unless the
    PROVISIONING_CACHE_FILES setting says otherwise: a process-local cache would keep serving a
    file another process has invalidated."""
    configured = getattr(settings, "PROVISIONING_CACHE_FILES", None)
    if configured is not None:
        return bool(configured)
    return not isinstance(caches["default"], (LocMemCache, DummyCache))


# -- storage -------------------------------------------------------------------------------------

_clients = {}


def _redis_client():
    """The process's Redis client for the default cache's server, or None for other backends."""
    if not isinstance(caches["default"], RedisCache):
        return None
    location = settings.CACHES["default"]["LOCATION"]
    if not isinstance(location, str):
        location = location[0]
    client = _clients.get(location)
    if client is None:
        client = _clients[location] = redis.Redis.from_url(location, decode_responses=True)
    return client


def _get_many(keys):
    client = _redis_client()
    if client is None:
        return cache.get_many(keys)
    return {key: value for key, value in zip(keys, client.mget(keys), strict=True) if value is not None}


def _add(key, value, timeout):
    client = _redis_client()
    if client is None:
        return cache.add(key, value, timeout=timeout)
    return bool(client.set(key, value, nx=True, ex=timeout))


def _get(key):
    client = _redis_client()
    return cache.get(key) if client is None else client.get(key)


def _set_many(mapping, timeout):
    client = _redis_client()
    if client is None:
        cache.set_many(mapping, timeout=timeout)
        return
    with client.pipeline(transaction=False) as pipe:
        for key, value in mapping.items():
            pipe.set(key, value, ex=timeout)
        pipe.execute()


def _incr_window(key, timeout):
    client = _redis_client()
    if client is None:
        cache.add(key, 0, timeout=timeout)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=timeout)
            return 1
    with client.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.ttl(key)
        count, ttl = pipe.execute()
    if ttl < 0:  # new counter (or one that lost its expiry): start the window now
        client.expire(key, timeout)
    return count


# -- generation tokens and cached files -----------------------------------------------------


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
    _set_many({_org_key(org_id): _token()}, timeout=None)


def bump_phones(phone_ids):
    """These phones' cached files are stale."""
    ids = list(phone_ids)
    if ids:
        _set_many({_phone_key(pk): _token() for pk in ids}, timeout=None)


def _ensure(key):
    """A token for a key the cache does not have: a fresh random one, unless a parallel request
    stored one first."""
    token = _token()
    if _add(key, token, timeout=None):
        return token
    return _get(key) or _token()


def lookup(org_id, phone_id, kind, ticket_generation, also=None):
    """(stamp, cached payload or None, results of `also`) in one round trip. Call before reading
    the database. `also(pipe)` may queue more Redis commands in the same round trip (Redis only;
    the fetch record, fetchlog.queue); their results come back as a list."""
    keys = [_org_key(org_id), _phone_key(phone_id), _body_key(phone_id, kind)]
    client = _redis_client()
    extra = []
    if client is None:
        found = cache.get_many(keys)
    else:
        with client.pipeline(transaction=False) as pipe:
            pipe.mget(keys)
            if also is not None:
                also(pipe)
            values, *extra = pipe.execute()
        found = {key: value for key, value in zip(keys, values, strict=True) if value is not None}
    org_token = found.get(keys[0]) or _ensure(keys[0])
    phone_token = found.get(keys[1]) or _ensure(keys[1])
    stamp = f"{RENDER_VERSION}.{ticket_generation}.{org_token}.{phone_token}"
    entry = found.get(keys[2])
    if entry:
        entry_stamp, _sep, payload = entry.partition(_SEPARATOR)
        if entry_stamp == stamp:
            return stamp, payload, extra
    return stamp, None, extra


def store(phone_id, kind, stamp, payload):
    _set_many({_body_key(phone_id, kind): f"{stamp}{_SEPARATOR}{payload}"}, timeout=BODY_TIMEOUT)


def count_in_window(key, seconds):
    """Increment a fixed-window counter and return its new value."""
    return _incr_window(f"prov:count:{key}", seconds)
