"""Per-participant mailboxes in Redis: at-least-once, in order per participant, many workers.

Each participant has her own FIFO list (her mailbox). Participants with pending items sit in a
"ready" sorted set scored by the time they may be taken (so a retry can wait). A worker claims a
participant with a lease (a fencing token in a hash plus an expiry in the "active" sorted set),
peeks the head item, does the work, and commits: the head is popped and its results (outbox
entries) pushed in ONE Lua script, so a crash leaves either nothing done or everything done. A
worker that dies stops renewing its lease; the next claim moves her back to "ready" and another
worker takes the same head item again. Items that keep failing go to a dead-letter list.

All state changes are Lua scripts: Redis runs each atomically, so racing workers never hold the
same participant. Participants are spread over shards (bot/core/keys.py): each shard has its own
ready/active/leases sets in its hash slot, together with its participants' mailboxes, so every
script touches one slot (Redis Cluster) and gets every key it touches in KEYS. A claim tries the
shard a wake-up named first, then every other shard, so nothing waits on a hint.
"""

from __future__ import annotations

import json
import os
import random
import socket
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis

from bot.core.keys import SHARDS, Keys, all_shards, shard_of

# How many of a shard's first "ready" participants one claim considers (one script call).
_CANDIDATES = 8

# Every time in these scripts is Redis's own clock (TIME), never a client's: a process whose
# clock runs ahead must not take over a live lease, nor one whose clock lags keep an expired one.
_ENQUEUE = """
-- KEYS: mailbox, ready, [seen]   ARGV: participant, unused, seen_ttl_s, item...
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if KEYS[3] then
  if not redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[3]) then return 0 end
end
for i = 4, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end
redis.call('ZADD', KEYS[2], 'NX', now, ARGV[1])
return 1
"""

_RECOVER = """
-- KEYS: ready, active, leases
-- Participants whose worker stopped renewing (crashed, killed, partitioned) are ready again.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 50)
for _, p in ipairs(expired) do
  redis.call('ZREM', KEYS[2], p)
  redis.call('HDEL', KEYS[3], p)
  redis.call('ZADD', KEYS[1], now, p)
end
return #expired
"""

_CLAIM = """
-- KEYS: ready, active, leases, mailbox...   ARGV: lease_ms, token, participant...
-- The candidates (ARGV[3..], their mailboxes KEYS[4..]) are the first of "ready" as the
-- client read them; each is checked again here. Returns the one taken, or false.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 3, #ARGV do
  local p = ARGV[i]
  local due = redis.call('ZSCORE', KEYS[1], p)
  if due and tonumber(due) <= now then
    redis.call('ZREM', KEYS[1], p)
    -- Someone holds her already: that worker drains her mailbox and re-queues her on release.
    if redis.call('HEXISTS', KEYS[3], p) == 0 and redis.call('LLEN', KEYS[i + 1]) > 0 then
      redis.call('HSET', KEYS[3], p, ARGV[2])
      redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), p)
      return p
    end
  end
end
return false
"""

_RENEW = """
-- KEYS: active, leases   ARGV: participant, token, lease_ms
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[3]), ARGV[1])
return 1
"""

_RELEASE = """
-- KEYS: ready, active, leases, mailbox   ARGV: participant, token, delay_ms
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('LLEN', KEYS[4]) > 0 then
  -- GT adds her, or keeps the later time if a retry delay and a new message meet.
  redis.call('ZADD', KEYS[1], 'GT', now + tonumber(ARGV[3]), ARGV[1])
end
return 1
"""

_COMMIT = """
-- KEYS: leases, mailbox, done, attempts, [out_mailbox, out_ready]
-- ARGV: participant, token, head, done_ttl_s, item_id, unused, out_item...
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
if redis.call('LINDEX', KEYS[2], 0) ~= ARGV[3] then return -1 end
redis.call('LPOP', KEYS[2])
redis.call('SET', KEYS[3], '1', 'EX', ARGV[4])
redis.call('HDEL', KEYS[4], ARGV[5])
if #ARGV > 6 then
  for i = 7, #ARGV do redis.call('RPUSH', KEYS[5], ARGV[i]) end
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('ZADD', KEYS[6], 'NX', now, ARGV[1])
end
return 1
"""

_FAIL = """
-- KEYS: leases, mailbox, attempts, deadletters, [out_mailbox, out_ready]
-- ARGV: participant, token, head, item_id, max_attempts, dead_json, dead_now, out_item...
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return -1 end
if redis.call('LINDEX', KEYS[2], 0) ~= ARGV[3] then return -1 end
local n = redis.call('HINCRBY', KEYS[3], ARGV[4], 1)
if n >= tonumber(ARGV[5]) or ARGV[7] == '1' then
  redis.call('LPOP', KEYS[2])
  redis.call('HDEL', KEYS[3], ARGV[4])
  redis.call('RPUSH', KEYS[4], ARGV[6])
  -- What she is told instead (an apology), in the same step: never silence.
  if #ARGV > 7 then
    for i = 8, #ARGV do redis.call('RPUSH', KEYS[5], ARGV[i]) end
    local t = redis.call('TIME')
    redis.call('ZADD', KEYS[6], 'NX', tonumber(t[1]) * 1000, ARGV[1])
  end
  return -2
end
return n
"""

_MOVE_HEAD = """
-- KEYS: leases, mailbox, to_mailbox, ready   ARGV: participant, token, head, to, delay_ms
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
if redis.call('LINDEX', KEYS[2], 0) ~= ARGV[3] then return -1 end
redis.call('LPOP', KEYS[2])
redis.call('RPUSH', KEYS[3], ARGV[3])
-- LT: an earlier time already there stays (whoever takes it then just re-checks).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[4], 'LT', now + tonumber(ARGV[5]), ARGV[4])
return 1
"""

_MARK_ATTEMPT = """
-- KEYS: leases, mailbox, marker   ARGV: participant, token, head, value, ttl_s
-- Only while she is still ours and this item is still her head: then note the attempt
-- (kept from the first one). 0: not ours any more; 1: noted before; 2: noted now.
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
if redis.call('LINDEX', KEYS[2], 0) ~= ARGV[3] then return 0 end
if redis.call('SET', KEYS[3], ARGV[4], 'NX', 'EX', ARGV[5]) then return 2 end
return 1
"""

_DROP_DEADLETTERS = """
-- KEYS: deadletters   ARGV: dead_before (epoch s; 0: any), participant ('': anyone)
-- Removes the matching dead letters; returns them (for a replay) as JSON strings.
local removed = {}
for _, raw in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  local item = cjson.decode(raw)
  local old = tonumber(ARGV[1]) == 0 or tonumber(item['dead_at']) < tonumber(ARGV[1])
  local hers = ARGV[2] == '' or item['participant'] == ARGV[2]
  if old and hers then
    redis.call('LREM', KEYS[1], 1, raw)
    removed[#removed + 1] = raw
  end
end
return removed
"""

DEAD = -2
LOST = 0  # mark_attempt: the lease (or the head) is not ours any more
NOTED_BEFORE = 1  # mark_attempt: an earlier attempt left its marker
NOTED_NOW = 2
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
        self._hint: int | None = None  # the shard the last wake-up named
        self._enqueue = client.register_script(_ENQUEUE)
        self._claim = client.register_script(_CLAIM)
        self._recover = client.register_script(_RECOVER)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)
        self._commit = client.register_script(_COMMIT)
        self._fail = client.register_script(_FAIL)
        self._move_head = client.register_script(_MOVE_HEAD)
        self._mark_attempt = client.register_script(_MARK_ATTEMPT)
        self._drop_deadletters = client.register_script(_DROP_DEADLETTERS)

    # -- producers ---------------------------------------------------------------------------
    def enqueue(
        self,
        participant: str,
        items: Sequence[str],
        dedupe_id: str | None = None,
        dedupe_seconds: int = 0,
    ) -> bool:
        """Append items to her mailbox. With `dedupe_id`, False if that id was seen already."""
        shard = shard_of(participant)
        keys = [self.keys.mailbox(self.name, participant), self.keys.ready(self.name, shard)]
        if dedupe_id is not None:
            keys.append(self.keys.seen_message(participant, dedupe_id))
        args = [participant, 0, max(1, dedupe_seconds), *items]
        added = bool(self._enqueue(keys=keys, args=args))
        if added:
            self.wake(shard)
        return added

    def wake(self, shard: int) -> None:
        """Tell a blocked worker that this shard has work (a hint: claims look everywhere)."""
        wakeup = self.keys.wakeup(self.name)
        pipe = self.redis.pipeline(transaction=False)
        pipe.lpush(wakeup, str(shard))
        pipe.ltrim(wakeup, 0, 63)
        pipe.execute()

    # -- consumers ---------------------------------------------------------------------------
    def wait_for_work(self, timeout: float) -> None:
        """Block until new work is announced or `timeout` passes (retries become due by time)."""
        woken = self.redis.brpop([self.keys.wakeup(self.name)], timeout=max(timeout, 0.01))
        if woken:
            try:
                self._hint = int(_text(woken[1])) % SHARDS
            except ValueError:
                self._hint = None

    def claim(self, lease_seconds: float) -> Lease | None:
        """Take a participant with due work, from the shard a wake-up named first, then from
        every other shard (in turn, from a random one, so no shard starves)."""
        hint, self._hint = self._hint, None
        start = random.randrange(SHARDS)
        order = [(start + i) % SHARDS for i in range(SHARDS)]
        if hint is not None:
            order.remove(hint)
            order.insert(0, hint)
        for shard in order:
            lease = self.claim_in(shard, lease_seconds)
            if lease is not None:
                return lease
        return None

    def claim_in(self, shard: int, lease_seconds: float) -> Lease | None:
        ready = self.keys.ready(self.name, shard)
        active = self.keys.active(self.name, shard)
        tokens = self.keys.lease_tokens(self.name, shard)
        self._recover(keys=[ready, active, tokens])
        token = f"{HOLDER}:{uuid.uuid4().hex}"
        # A few rounds: candidates read here may be taken or emptied before the script runs.
        for _ in range(5):
            candidates = [_text(p) for p in self.redis.zrange(ready, 0, _CANDIDATES - 1)]
            if not candidates:
                return None
            mailboxes = [self.keys.mailbox(self.name, p) for p in candidates]
            participant = self._claim(
                keys=[ready, active, tokens, *mailboxes],
                args=[int(lease_seconds * 1000), token, *candidates],
            )
            if participant is not None:
                return Lease(participant=_text(participant), token=token)
            # None was due, or each was held/empty (and left "ready"): is any still due?
            first = self.redis.zrange(ready, 0, 0, withscores=True)
            if not first or first[0][1] > _redis_ms(self.redis):
                return None
        return None

    def renew(self, lease: Lease, lease_seconds: float) -> bool:
        shard = shard_of(lease.participant)
        return bool(
            self._renew(
                keys=[
                    self.keys.active(self.name, shard),
                    self.keys.lease_tokens(self.name, shard),
                ],
                args=[lease.participant, lease.token, int(lease_seconds * 1000)],
            )
        )

    def peek(self, participant: str) -> str | None:
        head = self.redis.lindex(self.keys.mailbox(self.name, participant), 0)
        return None if head is None else _text(head)

    def is_done(self, participant: str, item_id: str) -> bool:
        return bool(self.redis.exists(self.keys.done(self.name, participant, item_id)))

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
        shard = shard_of(lease.participant)
        keys = [
            self.keys.lease_tokens(self.name, shard),
            self.keys.mailbox(self.name, lease.participant),
            self.keys.done(self.name, lease.participant, item_id),
            self.keys.attempts(self.name, shard),
        ]
        if outputs:
            keys += _output_keys(output_queue, lease.participant)
        args = [lease.participant, lease.token, head, done_seconds, item_id, 0, *outputs]
        committed = self._commit(keys=keys, args=args) == 1
        if committed and outputs and output_queue is not None:
            output_queue.wake(shard)
        return committed

    def mark_attempt(
        self, lease: Lease, head: str, marker_key: str, value: str, ttl_seconds: int
    ) -> int:
        """Before an action that must not be repeated (a send): check, atomically, that she is
        still ours and `head` still her head, and leave a marker of the attempt (a key of
        hers: her slot). LOST (do not act), NOTED_BEFORE or NOTED_NOW."""
        return int(
            self._mark_attempt(
                keys=[
                    self.keys.lease_tokens(self.name, shard_of(lease.participant)),
                    self.keys.mailbox(self.name, lease.participant),
                    marker_key,
                ],
                args=[lease.participant, lease.token, head, value, ttl_seconds],
            )
        )

    def fail(
        self,
        lease: Lease,
        head: str,
        item_id: str,
        reason: str,
        max_attempts: int,
        dead_now: bool = False,
        dead_outputs: Sequence[str] = (),
        output_queue: MailboxQueue | None = None,
    ) -> int:
        """Record a failed attempt. Returns the attempt count, DEAD if it was dead-lettered
        (`max_attempts` reached, or `dead_now`), -1 if the lease was lost. `dead_outputs` go
        to `output_queue` in the same step as the dead-lettering, and only then."""
        shard = shard_of(lease.participant)
        attempts_key = self.keys.attempts(self.name, shard)
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
        keys = [
            self.keys.lease_tokens(self.name, shard),
            self.keys.mailbox(self.name, lease.participant),
            attempts_key,
            self.keys.deadletters(self.name, shard),
        ]
        if dead_outputs:
            keys += _output_keys(output_queue, lease.participant)
        args = [
            lease.participant, lease.token, head, item_id, max_attempts, dead,
            "1" if dead_now else "0", *dead_outputs,
        ]  # fmt: skip
        outcome = int(self._fail(keys=keys, args=args))
        if outcome == DEAD and dead_outputs and output_queue is not None:
            output_queue.wake(shard)
        return outcome

    def move_head(self, lease: Lease, head: str, to: str, delay_seconds: float = 0.0) -> bool:
        """Move her head item, as is, to the end of mailbox `to` of this queue (one of hers:
        her shard), due after `delay_seconds`, atomically (attempts kept, not marked done).
        False: lease lost or the head changed."""
        shard = shard_of(lease.participant)
        if shard_of(to) != shard:
            raise ValueError("a head moves only between mailboxes of the same participant")
        moved = self._move_head(
            keys=[
                self.keys.lease_tokens(self.name, shard),
                self.keys.mailbox(self.name, lease.participant),
                self.keys.mailbox(self.name, to),
                self.keys.ready(self.name, shard),
            ],
            args=[lease.participant, lease.token, head, to, int(delay_seconds * 1000)],
        )
        return moved == 1

    def release(self, lease: Lease, delay_seconds: float = 0.0) -> bool:
        """Give her back; if items remain she is ready again (after `delay_seconds`)."""
        shard = shard_of(lease.participant)
        return bool(
            self._release(
                keys=[
                    self.keys.ready(self.name, shard),
                    self.keys.active(self.name, shard),
                    self.keys.lease_tokens(self.name, shard),
                    self.keys.mailbox(self.name, lease.participant),
                ],
                args=[lease.participant, lease.token, int(delay_seconds * 1000)],
            )
        )

    # -- inspection --------------------------------------------------------------------------
    def deadletters(self) -> list[DeadLetter]:
        pipe = self.redis.pipeline(transaction=False)
        for shard in all_shards():
            pipe.lrange(self.keys.deadletters(self.name, shard), 0, -1)
        raw = [item for items in pipe.execute() for item in items]
        letters = [DeadLetter(**json.loads(r)) for r in raw]
        return sorted(letters, key=lambda d: d.dead_at)

    def drop_deadletters(
        self, dead_before: float = 0.0, participant: str = ""
    ) -> list[DeadLetter]:
        """Remove dead letters (older than `dead_before`, epoch s; of `participant`), atomically
        per shard; returns what was removed. The retention purge and erasure use it."""
        shards = [shard_of(participant)] if participant else list(all_shards())
        removed: list[DeadLetter] = []
        for shard in shards:
            raw = self._drop_deadletters(
                keys=[self.keys.deadletters(self.name, shard)], args=[dead_before, participant]
            )
            removed += [DeadLetter(**json.loads(r)) for r in raw or []]
        return removed

    def replay(self, dead: DeadLetter) -> None:
        """Put a dead letter back at the end of her mailbox, its attempts forgotten."""
        attempts = self.keys.attempts(self.name, shard_of(dead.participant))
        self.redis.hdel(attempts, _item_id(dead.item))
        self.enqueue(dead.participant, [dead.item])

    def stats(self) -> dict[str, Any]:
        pipe = self.redis.pipeline(transaction=False)
        for shard in all_shards():
            pipe.zcard(self.keys.ready(self.name, shard))
            pipe.zcard(self.keys.active(self.name, shard))
            pipe.llen(self.keys.deadletters(self.name, shard))
        counts = pipe.execute()
        return {
            "ready": sum(counts[0::3]),
            "active": sum(counts[1::3]),
            "deadletters": sum(counts[2::3]),
        }

    def oldest_wait_seconds(self) -> float:
        """How long the participant due the longest has waited for a worker (0: nobody):
        her score is when she became due (her first message, or the end of a retry delay)."""
        now_ms = _redis_ms(self.redis)
        pipe = self.redis.pipeline(transaction=False)
        for shard in all_shards():
            pipe.zrangebyscore(self.keys.ready(self.name, shard), "-inf", now_ms, 0, 1, True)
        firsts = [first[0][1] for first in pipe.execute() if first]
        return max(0.0, (now_ms - min(firsts)) / 1000) if firsts else 0.0

    def holder_pid(self, participant: str) -> int | None:
        """The process id of the worker holding her, if any."""
        tokens = self.keys.lease_tokens(self.name, shard_of(participant))
        token = self.redis.hget(tokens, participant)
        return int(_text(token).split(":")[1]) if token else None

    def pending(self, participant: str) -> list[str]:
        return [
            _text(r) for r in self.redis.lrange(self.keys.mailbox(self.name, participant), 0, -1)
        ]


def _redis_ms(client: Any) -> int:
    seconds, micros = client.time()
    return int(seconds) * 1000 + int(micros) // 1000


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _item_id(item: str) -> str:
    """The id an item is counted by (an inbox item's message_sid, an outbox entry's id)."""
    try:
        data = json.loads(item)
    except ValueError:
        return ""
    return str(data.get("message_sid") or data.get("id") or "")


def _output_keys(output_queue: MailboxQueue | None, participant: str) -> list[str]:
    """Her mailbox and her shard's ready set in the queue her outputs go to."""
    if output_queue is None:
        raise ValueError("outputs need an output_queue")
    return [
        output_queue.keys.mailbox(output_queue.name, participant),
        output_queue.keys.ready(output_queue.name, shard_of(participant)),
    ]
