"""Per-participant mailboxes in Redis: at-least-once, in order per participant, many workers.

Each participant has her own FIFO list (her mailbox). Participants with pending items sit in a
"ready" sorted set scored by the time they may be taken (so a retry can wait). A worker claims a
participant with a lease (a fencing token in a hash plus an expiry in the "active" sorted set),
peeks the head item, does the work, and commits: the head is popped and its results (outbox
entries) pushed in ONE Lua script, so a crash leaves either nothing done or everything done. A
worker that dies stops renewing its lease; the next claim moves her back to "ready" and another
worker takes the same head item again. Items that keep failing go to a dead-letter list.

All state changes are Lua scripts: Redis runs each atomically, so racing workers never hold the
same participant.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis

from bot.core.keys import Keys

_ENQUEUE = """
-- KEYS: mailbox, ready, wakeup, [seen]   ARGV: participant, now_ms, seen_ttl_s, item...
if KEYS[4] then
  if not redis.call('SET', KEYS[4], '1', 'NX', 'EX', ARGV[3]) then return 0 end
end
for i = 4, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end
redis.call('ZADD', KEYS[2], 'NX', ARGV[2], ARGV[1])
redis.call('LPUSH', KEYS[3], '1')
redis.call('LTRIM', KEYS[3], 0, 63)
return 1
"""

_CLAIM = """
-- KEYS: ready, active, leases   ARGV: now_ms, lease_ms, token, mailbox_prefix
local now = tonumber(ARGV[1])
-- Recover participants whose worker stopped renewing (crashed, killed, partitioned).
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 50)
for _, p in ipairs(expired) do
  redis.call('ZREM', KEYS[2], p)
  redis.call('HDEL', KEYS[3], p)
  redis.call('ZADD', KEYS[1], now, p)
end
for _ = 1, 20 do
  local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 1)
  if #due == 0 then return false end
  local p = due[1]
  redis.call('ZREM', KEYS[1], p)
  -- Someone holds her already: that worker drains her mailbox and re-queues her on release.
  if redis.call('HEXISTS', KEYS[3], p) == 0 and redis.call('LLEN', ARGV[4] .. p) > 0 then
    redis.call('HSET', KEYS[3], p, ARGV[3])
    redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), p)
    return p
  end
end
return false
"""

_RENEW = """
-- KEYS: active, leases   ARGV: participant, token, expiry_ms
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZADD', KEYS[1], 'XX', ARGV[3], ARGV[1])
return 1
"""

_RELEASE = """
-- KEYS: ready, active, leases, mailbox   ARGV: participant, token, not_before_ms
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('LLEN', KEYS[4]) > 0 then
  -- GT adds her, or keeps the later time if a retry delay and a new message meet.
  redis.call('ZADD', KEYS[1], 'GT', ARGV[3], ARGV[1])
end
return 1
"""

_COMMIT = """
-- KEYS: leases, mailbox, done, attempts, [out_mailbox, out_ready, out_wakeup]
-- ARGV: participant, token, head, done_ttl_s, item_id, now_ms, out_item...
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
if redis.call('LINDEX', KEYS[2], 0) ~= ARGV[3] then return -1 end
redis.call('LPOP', KEYS[2])
redis.call('SET', KEYS[3], '1', 'EX', ARGV[4])
redis.call('HDEL', KEYS[4], ARGV[5])
if #ARGV > 6 then
  for i = 7, #ARGV do redis.call('RPUSH', KEYS[5], ARGV[i]) end
  redis.call('ZADD', KEYS[6], 'NX', ARGV[6], ARGV[1])
  redis.call('LPUSH', KEYS[7], '1')
  redis.call('LTRIM', KEYS[7], 0, 63)
end
return 1
"""

_FAIL = """
-- KEYS: leases, mailbox, attempts, deadletters   ARGV: participant, token, head, item_id,
--        max_attempts, dead_json, dead_now
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return -1 end
if redis.call('LINDEX', KEYS[2], 0) ~= ARGV[3] then return -1 end
local n = redis.call('HINCRBY', KEYS[3], ARGV[4], 1)
if n >= tonumber(ARGV[5]) or ARGV[7] == '1' then
  redis.call('LPOP', KEYS[2])
  redis.call('HDEL', KEYS[3], ARGV[4])
  redis.call('RPUSH', KEYS[4], ARGV[6])
  return -2
end
return n
"""

_MOVE_HEAD = """
-- KEYS: leases, mailbox, to_mailbox, ready   ARGV: participant, token, head, to, not_before_ms
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
if redis.call('LINDEX', KEYS[2], 0) ~= ARGV[3] then return -1 end
redis.call('LPOP', KEYS[2])
redis.call('RPUSH', KEYS[3], ARGV[3])
-- LT: an earlier time already there stays (whoever takes it then just re-checks).
redis.call('ZADD', KEYS[4], 'LT', ARGV[5], ARGV[4])
return 1
"""

DEAD = -2
# Lease tokens start with who holds them, so an operator (or a test) can tell which process
# is working on a participant.
HOLDER = f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Lease:
    participant: str
    token: str


@dataclass(frozen=True)
class DeadLetter:
    queue: str
    participant: str
    item: str
    reason: str
    attempts: int
    dead_at: float


class MailboxQueue:
    """One named queue of per-participant mailboxes ("inbox" or "outbox")."""

    def __init__(self, client: redis.Redis, keys: Keys, name: str) -> None:
        self.redis = client
        self.keys = keys
        self.name = name
        self._enqueue = client.register_script(_ENQUEUE)
        self._claim = client.register_script(_CLAIM)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)
        self._commit = client.register_script(_COMMIT)
        self._fail = client.register_script(_FAIL)
        self._move_head = client.register_script(_MOVE_HEAD)

    # -- producers ---------------------------------------------------------------------------
    def enqueue(
        self,
        participant: str,
        items: Sequence[str],
        dedupe_id: str | None = None,
        dedupe_seconds: int = 0,
    ) -> bool:
        """Append items to her mailbox. With `dedupe_id`, False if that id was seen already."""
        keys = [
            self.keys.mailbox(self.name, participant),
            self.keys.ready(self.name),
            self.keys.wakeup(self.name),
        ]
        if dedupe_id is not None:
            keys.append(self.keys.seen_message(dedupe_id))
        args = [participant, _now_ms(), max(1, dedupe_seconds), *items]
        return bool(self._enqueue(keys=keys, args=args))

    # -- consumers ---------------------------------------------------------------------------
    def wait_for_work(self, timeout: float) -> None:
        """Block until new work is announced or `timeout` passes (retries become due by time)."""
        self.redis.brpop([self.keys.wakeup(self.name)], timeout=max(timeout, 0.01))

    def claim(self, lease_seconds: float) -> Lease | None:
        token = f"{HOLDER}:{uuid.uuid4().hex}"
        participant = self._claim(
            keys=[
                self.keys.ready(self.name),
                self.keys.active(self.name),
                self.keys.lease_tokens(self.name),
            ],
            args=[_now_ms(), int(lease_seconds * 1000), token, self.keys.mailbox(self.name, "")],
        )
        if participant is None:
            return None
        return Lease(participant=_text(participant), token=token)

    def renew(self, lease: Lease, lease_seconds: float) -> bool:
        return bool(
            self._renew(
                keys=[self.keys.active(self.name), self.keys.lease_tokens(self.name)],
                args=[lease.participant, lease.token, _now_ms() + int(lease_seconds * 1000)],
            )
        )

    def peek(self, participant: str) -> str | None:
        head = self.redis.lindex(self.keys.mailbox(self.name, participant), 0)
        return None if head is None else _text(head)

    def is_done(self, item_id: str) -> bool:
        return bool(self.redis.exists(self.keys.done(self.name, item_id)))

    def commit(
        self,
        lease: Lease,
        head: str,
        item_id: str,
        outputs: Sequence[str] = (),
        output_queue: MailboxQueue | None = None,
        done_seconds: int = 7 * 24 * 3600,
    ) -> bool:
        """Pop the head and push its outputs to `output_queue`, atomically. False: lease lost."""
        keys = [
            self.keys.lease_tokens(self.name),
            self.keys.mailbox(self.name, lease.participant),
            self.keys.done(self.name, item_id),
            self.keys.attempts(self.name),
        ]
        if outputs:
            if output_queue is None:
                raise ValueError("outputs need an output_queue")
            keys += [
                output_queue.keys.mailbox(output_queue.name, lease.participant),
                output_queue.keys.ready(output_queue.name),
                output_queue.keys.wakeup(output_queue.name),
            ]
        args = [lease.participant, lease.token, head, done_seconds, item_id, _now_ms(), *outputs]
        return self._commit(keys=keys, args=args) == 1

    def fail(
        self,
        lease: Lease,
        head: str,
        item_id: str,
        reason: str,
        max_attempts: int,
        dead_now: bool = False,
    ) -> int:
        """Record a failed attempt. Returns the attempt count, DEAD if it was dead-lettered
        (`max_attempts` reached, or `dead_now`), -1 if the lease was lost."""
        attempts_key = self.keys.attempts(self.name)
        previous = int(self.redis.hget(attempts_key, item_id) or 0)
        dead = json.dumps(
            {
                "queue": self.name,
                "participant": lease.participant,
                "item": head,
                "reason": reason[:2000],
                "attempts": previous + 1,
                "dead_at": time.time(),
            },
            ensure_ascii=False,
        )
        return int(
            self._fail(
                keys=[
                    self.keys.lease_tokens(self.name),
                    self.keys.mailbox(self.name, lease.participant),
                    attempts_key,
                    self.keys.deadletters(self.name),
                ],
                args=[
                    lease.participant,
                    lease.token,
                    head,
                    item_id,
                    max_attempts,
                    dead,
                    "1" if dead_now else "0",
                ],
            )
        )

    def move_head(self, lease: Lease, head: str, to: str, delay_seconds: float = 0.0) -> bool:
        """Move her head item, as is, to the end of mailbox `to` of this queue, due after
        `delay_seconds`, atomically (attempts kept, not marked done). False: lease lost or
        the head changed."""
        moved = self._move_head(
            keys=[
                self.keys.lease_tokens(self.name),
                self.keys.mailbox(self.name, lease.participant),
                self.keys.mailbox(self.name, to),
                self.keys.ready(self.name),
            ],
            args=[
                lease.participant,
                lease.token,
                head,
                to,
                _now_ms() + int(delay_seconds * 1000),
            ],
        )
        return moved == 1

    def release(self, lease: Lease, delay_seconds: float = 0.0) -> bool:
        """Give her back; if items remain she is ready again (after `delay_seconds`)."""
        return bool(
            self._release(
                keys=[
                    self.keys.ready(self.name),
                    self.keys.active(self.name),
                    self.keys.lease_tokens(self.name),
                    self.keys.mailbox(self.name, lease.participant),
                ],
                args=[lease.participant, lease.token, _now_ms() + int(delay_seconds * 1000)],
            )
        )

    # -- inspection --------------------------------------------------------------------------
    def deadletters(self) -> list[DeadLetter]:
        raw = self.redis.lrange(self.keys.deadletters(self.name), 0, -1)
        return [DeadLetter(**json.loads(r)) for r in raw]

    def stats(self) -> dict[str, Any]:
        pipe = self.redis.pipeline(transaction=False)
        pipe.zcard(self.keys.ready(self.name))
        pipe.zcard(self.keys.active(self.name))
        pipe.llen(self.keys.deadletters(self.name))
        ready, active, dead = pipe.execute()
        return {"ready": ready, "active": active, "deadletters": dead}

    def holder_pid(self, participant: str) -> int | None:
        """The process id of the worker holding her, if any."""
        token = self.redis.hget(self.keys.lease_tokens(self.name), participant)
        return int(_text(token).split(":")[1]) if token else None

    def pending(self, participant: str) -> list[str]:
        return [
            _text(r) for r in self.redis.lrange(self.keys.mailbox(self.name, participant), 0, -1)
        ]


def _now_ms() -> int:
    return int(time.time() * 1000)


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value
