"""Handoff queue in Redis: participants waiting for a case worker.

Priority then FIFO: waiting tickets sit in sorted sets scored priority·10^13 + enqueued ms,
so urgent comes before normal and, within a level, the first to wait is first served. There is
one such set per shard (each next to its participants' keys, one hash slot: Redis Cluster);
the line is their merge: a claim takes the lowest head of all, her position counts the lower
scores in every shard. A claim is one Lua script (pop the head, mark it claimed, put
it in the leases set), so racing case workers never get the same ticket. A claimed ticket holds
a lease the console renews while the case worker is active; when it expires the ticket goes
back with its original score — to the head of its level. Every transition is also appended to
the SQL history (handoff_events) for reporting. Redis keys: bot/core/keys.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis
from sqlalchemy.orm import Session, sessionmaker

from bot.core.keys import Keys, all_shards, new_ticket_id, shard_of, ticket_shard
from bot.store.handoff import record_handoff_events

URGENT = "urgent"
NORMAL = "normal"
PRIORITY_RANK = {URGENT: 0, NORMAL: 1}
SCORE_BASE = 10**13  # larger than any epoch in ms for centuries

WAITING = "waiting"
CLAIMED = "claimed"
EXPIRED = "expired"  # a lease ran out: logged, and the ticket is waiting again
RESOLVED = "resolved"
ABANDONED = "abandoned"
TRANSFERRED = "transferred"
# Rebuilt from SQL after Redis lost it, but she had opened another ticket meanwhile.
SUPERSEDED = "superseded"
CLOSING = {RESOLVED, ABANDONED, SUPERSEDED}
# restore(): what it did.
RESTORED, REQUEUED, IN_PLACE, REPLACED = "restored", "requeued", "in_place", "replaced"
# A closed ticket loses her number at once and expires from Redis after this (SQL keeps the
# history without personal data).
CLOSED_TICKET_TTL = 30 * 24 * 3600

_OPEN = """
-- KEYS: open(participant), queue, ticket(new), ticket(existing or new)
-- ARGV: id, score, urgent_score, existing_id ('' if none was read), priority, field, value...
-- The client read her pointer first (its ticket key is KEYS[4]); if it changed since, retry.
local existing = redis.call('GET', KEYS[1])
if (existing or '') ~= ARGV[4] then return {-1, ''} end
if existing and redis.call('EXISTS', KEYS[4]) == 0 then
  -- A dangling pointer (the ticket was evicted or lost in a partial restore): it heals here,
  -- and she gets a ticket of her own again.
  redis.call('ZREM', KEYS[2], existing)
  existing = false
end
if existing then
  -- An urgent request upgrades her waiting ticket, keeping when she started waiting.
  if ARGV[5] == 'urgent' and redis.call('HGET', KEYS[4], 'priority') ~= 'urgent' then
    local enqueued = tonumber(redis.call('HGET', KEYS[4], 'enqueued_ms'))
    local score = tonumber(ARGV[3]) + enqueued
    redis.call('HSET', KEYS[4], 'priority', 'urgent', 'score', score)
    if redis.call('ZSCORE', KEYS[2], existing) then
      redis.call('ZADD', KEYS[2], score, existing)
    end
    return {2, existing}
  end
  return {0, existing}
end
local fields = {}
for i = 6, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[3], unpack(fields))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('SET', KEYS[1], ARGV[1])
return {1, ARGV[1]}
"""

_EXPIRE = """
-- KEYS: queue, leases, ticket...   ARGV: now_ms, id...  (the ids the client read as due)
local expired = {}
for i = 2, #ARGV do
  local id = ARGV[i]
  local tk = KEYS[i + 1]
  local until_ms = redis.call('ZSCORE', KEYS[2], id)
  if until_ms and tonumber(until_ms) <= tonumber(ARGV[1]) then
    -- Checked before anything changes: a script that fails halfway keeps its first writes.
    local score = redis.call('HGET', tk, 'score')
    redis.call('ZREM', KEYS[2], id)
    if score and redis.call('HGET', tk, 'status') == 'claimed' then
      redis.call('ZADD', KEYS[1], score, id)
      redis.call('HSET', tk, 'status', 'waiting', 'claimed_by', '', 'lease_until', '0')
      expired[#expired + 1] = id
    end
  end
end
return expired
"""

_CLAIM = """
-- KEYS: queue, leases, ticket...   ARGV: now_ms, lease_ms, case_worker, id...
-- The ids are the head of the line as the client read it. Only the true head is taken; a
-- waiting id whose ticket is gone (evicted, partly restored) is dropped, not claimed.
-- Returns the id, '' when nobody waits, or '?' when the line changed (read it again).
for i = 4, #ARGV do
  local head = redis.call('ZRANGE', KEYS[1], 0, 0)
  if #head == 0 then return '' end
  if head[1] ~= ARGV[i] then return '?' end
  redis.call('ZREM', KEYS[1], ARGV[i])
  local tk = KEYS[i - 1]
  if redis.call('EXISTS', tk) == 1 then
    local until_ms = tonumber(ARGV[1]) + tonumber(ARGV[2])
    redis.call('HSET', tk, 'status', 'claimed', 'claimed_by', ARGV[3],
               'lease_until', until_ms, 'claimed_ms', ARGV[1])
    redis.call('ZADD', KEYS[2], until_ms, ARGV[i])
    return ARGV[i]
  end
end
return '?'
"""

_RENEW = """
-- KEYS: ticket, leases   ARGV: id, case_worker, until_ms
if redis.call('HGET', KEYS[1], 'status') ~= 'claimed' then return 0 end
if redis.call('HGET', KEYS[1], 'claimed_by') ~= ARGV[2] then return 0 end
redis.call('ZADD', KEYS[2], 'XX', ARGV[3], ARGV[1])
redis.call('HSET', KEYS[1], 'lease_until', ARGV[3])
return 1
"""

_RESOLVE = """
-- KEYS: ticket, leases, open(participant)   ARGV: id, case_worker, now_ms, ttl_seconds
if redis.call('HGET', KEYS[1], 'status') ~= 'claimed' then return 0 end
if redis.call('HGET', KEYS[1], 'claimed_by') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'status', 'resolved', 'closed_ms', ARGV[3])
-- Minimised once closed: her number goes, the rest expires (the history stays in SQL).
redis.call('HDEL', KEYS[1], 'address')
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
return 1
"""

_TRANSFER = """
-- KEYS: ticket   ARGV: from_worker, to_worker
if redis.call('HGET', KEYS[1], 'status') ~= 'claimed' then return 0 end
if redis.call('HGET', KEYS[1], 'claimed_by') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'claimed_by', ARGV[2])
return 1
"""

_ABANDON = """
-- KEYS: open(participant), queue, leases, ticket   ARGV: id (as the client read it), now_ms,
-- ttl_seconds. Returns the id, '' if she has none, '?' if her pointer changed (read again).
local id = redis.call('GET', KEYS[1])
if not id then return '' end
if id ~= ARGV[1] then return '?' end
redis.call('ZREM', KEYS[2], id)
redis.call('ZREM', KEYS[3], id)
if redis.call('EXISTS', KEYS[4]) == 1 then
  redis.call('HSET', KEYS[4], 'status', 'abandoned', 'closed_ms', ARGV[2])
  redis.call('HDEL', KEYS[4], 'address')
  redis.call('EXPIRE', KEYS[4], ARGV[3])
end
redis.call('DEL', KEYS[1])
return id
"""

_RESTORE = """
-- KEYS: ticket, queue, leases, open(participant), ticket(her pointer's, or this one)
-- ARGV: id, score, pointer_id ('' if none was read), field, value...
-- 0: in place; 1: rebuilt whole; 2: put back in line; 3: she has another open ticket;
-- -1: her pointer moved since the client read it (read again).
local pointer = redis.call('GET', KEYS[4])
if (pointer or '') ~= ARGV[3] then return -1 end
local status = redis.call('HGET', KEYS[1], 'status')
if status then
  if redis.call('ZSCORE', KEYS[2], ARGV[1]) or redis.call('ZSCORE', KEYS[3], ARGV[1]) then
    return 0
  end
  if status == 'waiting' then
    redis.call('ZADD', KEYS[2], redis.call('HGET', KEYS[1], 'score') or ARGV[2], ARGV[1])
    return 2
  end
  if status == 'claimed' then
    -- Its lease is lost with the rest: expired at once, so the line gets it back.
    redis.call('ZADD', KEYS[3], 0, ARGV[1])
    return 2
  end
  return 0  -- closed in Redis (resolved, abandoned): the later word
end
if pointer and pointer ~= ARGV[1] and redis.call('EXISTS', KEYS[5]) == 1 then return 3 end
local fields = {}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('SET', KEYS[4], ARGV[1])
return 1
"""

_READDRESS = """
-- KEYS: ticket   ARGV: address, channel
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if (redis.call('HGET', KEYS[1], 'address') or '') ~= '' then return 0 end
redis.call('HSET', KEYS[1], 'address', ARGV[1], 'channel', ARGV[2])
return 1
"""

# Optimistic scripts (read, then check in the script) retry this often when the line moved.
_ROUNDS = 20


@dataclass(frozen=True)
class Ticket:
    id: str
    participant: str
    channel: str
    topic: str
    summary: str
    priority: str
    status: str
    enqueued_ms: int
    claimed_by: str = ""
    lease_until: int = 0
    address: str = ""  # where replies go; only here, in Redis, while the ticket lives

    @property
    def waiting_seconds(self) -> float:
        return max(0.0, time.time() - self.enqueued_ms / 1000)


class HandoffQueue:
    def __init__(
        self, client: redis.Redis, keys: Keys, sessions: sessionmaker[Session] | None = None
    ) -> None:
        self.redis = client
        self.keys = keys
        self.sessions = sessions
        self._open = client.register_script(_OPEN)
        self._expire = client.register_script(_EXPIRE)
        self._claim = client.register_script(_CLAIM)
        self._renew = client.register_script(_RENEW)
        self._resolve = client.register_script(_RESOLVE)
        self._abandon = client.register_script(_ABANDON)
        self._transfer = client.register_script(_TRANSFER)
        self._restore = client.register_script(_RESTORE)
        self._readdress = client.register_script(_READDRESS)

    # -- participants ------------------------------------------------------------------------
    def open(
        self,
        participant: str,
        channel: str,
        topic: str,
        summary: str,
        priority: str = NORMAL,
        address: str = "",
    ) -> Ticket:
        """Put her in line (or return her open ticket; an urgent request moves it up)."""
        if priority not in PRIORITY_RANK:
            raise ValueError(f"priority must be one of {sorted(PRIORITY_RANK)}")
        now = _now_ms()
        ticket_id = new_ticket_id(participant)
        score = PRIORITY_RANK[priority] * SCORE_BASE + now
        fields = {
            "id": ticket_id,
            "participant": participant,
            "channel": channel,
            "topic": topic,
            "summary": summary,
            "priority": priority,
            "status": WAITING,
            "enqueued_ms": now,
            "score": score,
            "claimed_by": "",
            "lease_until": 0,
            "address": address,
        }
        open_key = self.keys.handoff_open(participant)
        for _ in range(_ROUNDS):
            read = _text(self.redis.get(open_key))
            outcome, existing = self._open(
                keys=[
                    open_key,
                    self.keys.handoff_queue(shard_of(participant)),
                    self.keys.handoff_ticket(ticket_id),
                    self.keys.handoff_ticket(read or ticket_id),
                ],
                args=[
                    ticket_id,
                    score,
                    PRIORITY_RANK[URGENT] * SCORE_BASE,
                    read,
                    priority,
                    *[x for pair in fields.items() for x in pair],
                ],
            )
            if int(outcome) != -1:
                break
        else:
            raise RuntimeError("her ticket pointer kept changing while opening a ticket")
        ticket = self.get(_text(existing))
        if ticket is None:  # deleted between the script and this read (erasure): say so
            raise LookupError(f"ticket {_text(existing)} vanished while opening it")
        if int(outcome) == 1:
            self._history(ticket, WAITING)
        elif int(outcome) == 2:
            self._history(ticket, WAITING)  # re-queued as urgent
        return ticket

    def position(self, ticket_id: str) -> int | None:
        """Her place in line (1 = next), or None when she is not waiting."""
        score = self.redis.zscore(self.keys.handoff_queue(ticket_shard(ticket_id)), ticket_id)
        if score is None:
            return None
        pipe = self.redis.pipeline(transaction=False)
        for shard in all_shards():
            pipe.zcount(self.keys.handoff_queue(shard), "-inf", f"({score!r}")
        return sum(pipe.execute()) + 1

    def abandon(self, participant: str) -> Ticket | None:
        """She left the line ("menu", "salir"): close her ticket as abandoned."""
        shard = shard_of(participant)
        open_key = self.keys.handoff_open(participant)
        ticket_id = "?"
        for _ in range(_ROUNDS):
            read = _text(self.redis.get(open_key))
            if not read:
                return None
            ticket_id = _text(
                self._abandon(
                    keys=[
                        open_key,
                        self.keys.handoff_queue(shard),
                        self.keys.handoff_leases(shard),
                        self.keys.handoff_ticket(read),
                    ],
                    args=[read, _now_ms(), CLOSED_TICKET_TTL],
                )
            )
            if ticket_id != "?":
                break
        if ticket_id in ("", "?"):
            return None
        ticket = self.get(ticket_id)
        if ticket is not None:
            self._history(ticket, ABANDONED)
        return ticket

    def open_ticket(self, participant: str) -> Ticket | None:
        ticket_id = self.redis.get(self.keys.handoff_open(participant))
        return self.get(_text(ticket_id)) if ticket_id else None

    # -- case workers ------------------------------------------------------------------------
    def expire_leases(self) -> list[str]:
        """Give back tickets whose case worker stopped renewing (to the head of their level)."""
        now = _now_ms()
        expired: list[str] = []
        for shard in all_shards():
            leases = self.keys.handoff_leases(shard)
            due = [_text(t) for t in self.redis.zrangebyscore(leases, "-inf", now, 0, 100)]
            if not due:
                continue
            expired += [
                _text(t)
                for t in self._expire(
                    keys=[
                        self.keys.handoff_queue(shard),
                        leases,
                        *[self.keys.handoff_ticket(i) for i in due],
                    ],
                    args=[now, *due],
                )
            ]
        for ticket_id in expired:
            ticket = self.get(ticket_id)
            if ticket is not None:
                self._history(ticket, EXPIRED)
        return expired

    def claim(self, case_worker: str, lease_seconds: float) -> Ticket | None:
        """The next ticket by priority (the first of every shard's line), for this case worker
        alone; None when nobody waits."""
        self.expire_leases()
        for _ in range(_ROUNDS):
            heads = self._heads()
            if not heads:
                return None
            _, shard = min(heads)
            queue = self.keys.handoff_queue(shard)
            ids = [_text(i) for i in self.redis.zrange(queue, 0, 9)]
            if not ids:
                continue
            ticket_id = _text(
                self._claim(
                    keys=[
                        queue,
                        self.keys.handoff_leases(shard),
                        *[self.keys.handoff_ticket(i) for i in ids],
                    ],
                    args=[_now_ms(), int(lease_seconds * 1000), case_worker, *ids],
                )
            )
            if ticket_id in ("", "?"):
                continue  # that shard emptied or moved: look at every head again
            ticket = self.get(ticket_id)
            if ticket is not None:
                self._history(ticket, CLAIMED, case_worker)
            return ticket
        return None

    def _heads(self) -> list[tuple[float, int]]:
        """(score, shard) of the first waiting ticket of each shard that has one."""
        pipe = self.redis.pipeline(transaction=False)
        for shard in all_shards():
            pipe.zrange(self.keys.handoff_queue(shard), 0, 0, withscores=True)
        firsts = zip(all_shards(), pipe.execute(), strict=True)
        return [(first[0][1], shard) for shard, first in firsts if first]

    def renew(self, ticket_id: str, case_worker: str, lease_seconds: float) -> bool:
        return bool(
            self._renew(
                keys=[
                    self.keys.handoff_ticket(ticket_id),
                    self.keys.handoff_leases(ticket_shard(ticket_id)),
                ],
                args=[ticket_id, case_worker, _now_ms() + int(lease_seconds * 1000)],
            )
        )

    def resolve(self, ticket_id: str, case_worker: str) -> bool:
        ticket = self.get(ticket_id)
        if ticket is None:
            return False
        done = bool(
            self._resolve(
                keys=[
                    self.keys.handoff_ticket(ticket_id),
                    self.keys.handoff_leases(ticket_shard(ticket_id)),
                    self.keys.handoff_open(ticket.participant),
                ],
                args=[ticket_id, case_worker, _now_ms(), CLOSED_TICKET_TTL],
            )
        )
        if done:
            self._history(ticket, RESOLVED, case_worker)
        return done

    def transfer(self, ticket_id: str, from_worker: str, to_worker: str) -> bool:
        """Hand a claimed ticket to another case worker (only its holder can)."""
        done = bool(
            self._transfer(
                keys=[self.keys.handoff_ticket(ticket_id)], args=[from_worker, to_worker]
            )
        )
        ticket = self.get(ticket_id) if done else None
        if ticket is not None:
            self._history(ticket, TRANSFERRED, to_worker)
        return done

    def claimed(self) -> list[Ticket]:
        return self._tickets_in(self.keys.handoff_leases)

    def erase(self, participant: str, ticket_ids: set[str]) -> int:
        """Her right to erasure: her open ticket leaves the line and every ticket of hers (and
        its reminders and attachments) is deleted. Returns how many keys were removed."""
        open_id = self.redis.get(self.keys.handoff_open(participant))
        ids = set(ticket_ids) | ({_text(open_id)} if open_id else set())
        pipe = self.redis.pipeline(transaction=False)
        for ticket_id in ids:
            pipe.zrem(self.keys.handoff_queue(ticket_shard(ticket_id)), ticket_id)
            pipe.zrem(self.keys.handoff_leases(ticket_shard(ticket_id)), ticket_id)
        pipe.execute()
        keys = [self.keys.handoff_ticket(i) for i in ids]
        keys += [self.keys.handoff_nudged(i) for i in ids]
        keys += [self.keys.handoff_attachments(i) for i in ids]
        # Her own keys (open pointer, reminders, rating) go with every per-participant key
        # (Keys.participant_keys, bot/privacy/erasure.py).
        return int(self.redis.delete(*keys)) if keys else 0

    def attach(self, ticket_id: str, media: list[dict[str, str]]) -> None:
        """Media she sent (url, content_type) onto her ticket, for the case worker to open.
        Kept as long as a closed ticket is (CLOSED_TICKET_TTL) and erased with it."""
        if not media:
            return
        key = self.keys.handoff_attachments(ticket_id)
        pipe = self.redis.pipeline(transaction=True)
        pipe.rpush(key, *[json.dumps({**m, "at_ms": _now_ms()}) for m in media])
        pipe.expire(key, CLOSED_TICKET_TTL)
        pipe.execute()

    def attachments(self, ticket_id: str) -> list[dict[str, str]]:
        raw = self.redis.lrange(self.keys.handoff_attachments(ticket_id), 0, -1)
        return [json.loads(_text(item)) for item in raw]

    # -- recovery (bot/handoff/recovery.py) --------------------------------------------------
    def restore(
        self, ticket_id: str, participant: str, priority: str, joined_ms: int, channel: str
    ) -> str:
        """Make Redis agree with SQL about an open ticket: rebuild it if it is gone (without
        her number: SQL never had it; her next message gives it back), put it back in line if
        it fell out. RESTORED, REQUEUED, IN_PLACE or REPLACED (she has another open ticket)."""
        rank = PRIORITY_RANK.get(priority, PRIORITY_RANK[NORMAL])
        score = rank * SCORE_BASE + joined_ms
        fields = {
            "id": ticket_id,
            "participant": participant,
            "channel": channel,
            "topic": "restored",
            "summary": "",
            "priority": priority if priority in PRIORITY_RANK else NORMAL,
            "status": WAITING,
            "enqueued_ms": joined_ms,
            "score": score,
            "claimed_by": "",
            "lease_until": 0,
            "address": "",
        }
        open_key = self.keys.handoff_open(participant)
        shard = ticket_shard(ticket_id)
        for _ in range(_ROUNDS):
            read = _text(self.redis.get(open_key))
            outcome = int(
                self._restore(
                    keys=[
                        self.keys.handoff_ticket(ticket_id),
                        self.keys.handoff_queue(shard),
                        self.keys.handoff_leases(shard),
                        open_key,
                        self.keys.handoff_ticket(read or ticket_id),
                    ],
                    args=[ticket_id, score, read, *[x for kv in fields.items() for x in kv]],
                )
            )
            if outcome != -1:
                return {0: IN_PLACE, 1: RESTORED, 2: REQUEUED, 3: REPLACED}[outcome]
        raise RuntimeError("her ticket pointer kept changing while restoring a ticket")

    def readdress(self, ticket_id: str, address: str, channel: str) -> bool:
        """Give a rebuilt ticket her address back (from her next message)."""
        keys = [self.keys.handoff_ticket(ticket_id)]
        return bool(self._readdress(keys=keys, args=[address, channel]))

    def record(self, ticket: Ticket, status: str) -> None:
        """A transition decided outside the scripts (SUPERSEDED), into the history."""
        self._history(ticket, status)

    # -- reading -----------------------------------------------------------------------------
    def get(self, ticket_id: str) -> Ticket | None:
        data = self.redis.hgetall(self.keys.handoff_ticket(ticket_id))
        if not data:
            return None
        data = {_text(k): _text(v) for k, v in data.items()}
        return Ticket(
            id=data["id"],
            participant=data["participant"],
            channel=data["channel"],
            topic=data["topic"],
            summary=data["summary"],
            priority=data["priority"],
            status=data["status"],
            enqueued_ms=int(data["enqueued_ms"]),
            claimed_by=data.get("claimed_by", ""),
            lease_until=int(float(data.get("lease_until") or 0)),
            address=data.get("address", ""),
        )

    def waiting(self) -> list[Ticket]:
        """Everyone in line, in the order they will be served (every shard's line merged)."""
        return self._tickets_in(self.keys.handoff_queue)

    def _tickets_in(self, key_of_shard: Callable[[int], str]) -> list[Ticket]:
        pipe = self.redis.pipeline(transaction=False)
        for shard in all_shards():
            pipe.zrange(key_of_shard(shard), 0, -1, withscores=True)
        scored = sorted(
            (score, _text(i)) for members in pipe.execute() for i, score in members
        )
        return [t for t in (self.get(i) for _, i in scored) if t is not None]

    def _history(self, ticket: Ticket, status: str, case_worker: str | None = None) -> None:
        if self.sessions is None:
            return
        record_handoff_events(
            self.sessions,
            [
                {
                    "ticket_id": ticket.id,
                    "participant_id": ticket.participant,
                    "status": status,
                    "priority": ticket.priority,
                    "case_worker": case_worker,
                }
            ],
        )


def _now_ms() -> int:
    return int(time.time() * 1000)


def _text(value: str | bytes | None) -> str:
    if value is None:
        return ""
    return value.decode() if isinstance(value, bytes) else str(value)
