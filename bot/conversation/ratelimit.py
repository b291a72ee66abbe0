"""Per-sender rate limit: a fixed one-minute window counted in Redis at the webhook, when the
message arrives (not when a busy worker gets to it). Over the limit a message is still kept:
the worker records it and asks her once to slow down, instead of sending it to Rasa."""

from __future__ import annotations

import time

import redis

from bot.core.keys import Keys

WINDOW_SECONDS = 60


def count_message(client: redis.Redis, keys: Keys, participant: str) -> int:
    """Count one message of hers in the current minute; returns the count so far."""
    key = keys.sender_rate(participant, int(time.time()) // WINDOW_SECONDS)
    pipe = client.pipeline(transaction=True)
    pipe.incr(key)
    pipe.expire(key, WINDOW_SECONDS * 2)
    return int(pipe.execute()[0])
