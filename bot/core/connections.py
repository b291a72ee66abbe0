"""The Redis client a process opens from its settings: one node or a Redis Cluster
(REDIS_CLUSTER); the engine uses the same commands on both."""

from __future__ import annotations

import redis

from bot.core.settings import Settings

RedisClient = redis.Redis | redis.RedisCluster


def connect_redis(settings: Settings) -> RedisClient:
    if settings.redis_cluster:
        return redis.RedisCluster.from_url(settings.redis_url, decode_responses=True)
    return redis.Redis.from_url(settings.redis_url, decode_responses=True)
