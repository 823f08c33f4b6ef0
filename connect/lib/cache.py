"""Django's Redis cache backend, with one Redis client object per connection pool.

Django's RedisCacheClient builds a new ``redis.Redis`` for every cache operation, and redis-py
fills a table of about 170 response callbacks in each one: a third of the CPU a GET costs. The
phones' path reads the refusal throttle's counter on every request (provisioning.security), so
settings.CACHES uses this backend when REDIS_URL is set. A ``redis.Redis`` is safe to share
between threads (each command takes a connection from the pool) and after a fork (the pool
notices the new process and opens new connections).
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    """django.core.cache.backends.redis.RedisCache, sharing its Redis clients (see above)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient

    def clear(self):
        """Delete this cache's keys. With a KEY_PREFIX only the keys under it (SCAN and DEL), so
        whatever else lives in the same Redis database (another cache, a parallel test run, a
        broker sharing it) keeps its keys; without a prefix Django's FLUSHDB."""
        if not self.key_prefix:
            return super().clear()
        client = self._cache.get_client(write=True)
        escaped = "".join(f"\\{ch}" if ch in "*?[]\\" else ch for ch in self.key_prefix)
        batch = []
        for key in client.scan_iter(match=f"{escaped}:*", count=1000):
            batch.append(key)
            if len(batch) == 1000:
                client.delete(*batch)
                batch = []
        if batch:
            client.delete(*batch)
        return True
