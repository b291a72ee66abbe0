"""Is Redis set up to keep what the queues hold? The queues are the only copy of a message
accepted with 200 until it is answered: production needs persistence (AOF, fsync every second
or always) and no eviction. Checked by /readyz in production (webhooks/health.py).

What `appendfsync everysec` can still lose: up to about one second of writes if the Redis host
itself crashes (a Redis process crash loses nothing: the OS still has the data). Twilio does
not resend a message it got 200 for, so such a message is lost — `always` closes that window
at a cost in write latency.
"""

from __future__ import annotations

import redis

SETTINGS = ("appendonly", "appendfsync", "maxmemory-policy")


def durability_problems(client: redis.Redis) -> list[str]:
    """What is wrong, each naming the setting to change; [] when durable. Raises when the
    configuration cannot be read (CONFIG disabled, as on some managed services)."""
    config: dict[str, str] = {}
    for name in SETTINGS:
        config.update({_text(k): _text(v) for k, v in client.config_get(name).items()})
    problems = []
    if config.get("appendonly") != "yes":
        problems.append(
            f"appendonly is {config.get('appendonly')!r}: set `appendonly yes` (a restart would "
            "lose every accepted message not yet answered)"
        )
    if config.get("appendfsync") not in ("everysec", "always"):
        problems.append(
            f"appendfsync is {config.get('appendfsync')!r}: set `appendfsync everysec` (or always)"
        )
    if config.get("maxmemory-policy") != "noeviction":
        problems.append(
            f"maxmemory-policy is {config.get('maxmemory-policy')!r}: set "
            "`maxmemory-policy noeviction` (eviction would silently drop queued messages)"
        )
    return problems


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value
