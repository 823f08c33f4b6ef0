"""connect.lib.cache.RedisCache: Django's Redis cache with one Redis client per pool."""

import uuid

import pytest
import redis
from django.core.cache import caches

from tests.provisioning.conftest import REDIS_TEST_URL


@pytest.fixture
def shared_cache(settings):
    try:
        redis.Redis.from_url(REDIS_TEST_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_TEST_URL}")
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "connect.lib.cache.RedisCache",
            "LOCATION": REDIS_TEST_URL,
            "KEY_PREFIX": prefix,
        }
    }
    cache = caches["default"]
    yield cache
    client = redis.Redis.from_url(REDIS_TEST_URL)
    keys = client.keys(f"{prefix}:*")
    if keys:
        client.delete(*keys)


def test_one_redis_client_serves_every_operation(shared_cache):
    client = shared_cache._cache.get_client("a")
    assert (
        shared_cache._cache.get_client("b", write=True) is client
    )  # one server: one pool, one client
    assert shared_cache.add("n", 0, timeout=60) and shared_cache.incr("n") == 1
    assert shared_cache.get("n") == 1 and shared_cache.get("missing") is None
    shared_cache.set("d", {"x": [1, 2]}, timeout=60)
    assert shared_cache.get("d") == {"x": [1, 2]}


def test_clearing_a_prefixed_cache_keeps_other_keys_in_the_same_database(shared_cache):
    """A parallel test run (or another cache) sharing the Redis database keeps its keys."""
    client = redis.Redis.from_url(REDIS_TEST_URL)
    other = f"other-{uuid.uuid4().hex[:12]}:1:counter"
    client.set(other, 5, ex=60)
    try:
        shared_cache.set("mine", 1, timeout=60)
        shared_cache.clear()
        assert shared_cache.get("mine") is None
        assert client.get(other) == b"5"
    finally:
        client.delete(other)
