"""Handoff queue in Redis: participants waiting for a case worker.

Priority then FIFO: waiting tickets sit in one sorted set scored priority·10^13 + enqueued ms,
so urgent comes before normal and, within a level, the first to wait is first served; ZRANK
gives her position in O(log N). A claim is one Lua script (pop the head, mark it claimed, put
it in the leases set), so racing case workers never get the same ticket. A claimed ticket holds
a lease the console renews while the case worker is active; when it expires the ticket goes
back with its original score — to the head of its level. Every transition is also appended to
the SQL history (handoff_events) for reporting. Redis keys: bot/core/keys.py.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass

import redis
from sqlalchemy.orm import Session, sessionmaker

from bot.core.keys import Keys
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
# A closed ticket loses her number at once and expires from Redis after this (SQL keeps the
# history without personal data).
CLOSED_TICKET_TTL = 30 * 24 * 3600

_OPEN = """
-- KEYS: open(participant), queue, ticket   ARGV: id, score, urgent_score, ticket_prefix,
--        priority, field, value, field, value...
local existing = redis.call('GET', KEYS[1])
if existing and redis.call('EXISTS', ARGV[4] .. existing) == 0 then
  -- A dangling pointer (the ticket was evicted or lost in a partial restore): it heals here,
  -- and she gets a ticket of her own again.
  redis.call('ZREM', KEYS[2], existing)
  existing = false
end
if existing then
  local tk = ARGV[4] .. existing
  -- An urgent request upgrades her waiting ticket, keeping when she started waiting.
  if ARGV[5] == 'urgent' and redis.call('HGET', tk, 'priority') ~= 'urgent' then
    local enqueued = tonumber(redis.call('HGET', tk, 'enqueued_ms'))
    local score = tonumber(ARGV[3]) + enqueued
    redis.call('HSET', tk, 'priority', 'urgent', 'score', score)
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
-- KEYS: queue, leases   ARGV: now_ms, ticket_prefix
local expired = {}
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, 100)
for _, id in ipairs(due) do
  local tk = ARGV[2] .. id
  -- Checked before anything changes: a script that fails halfway keeps its first writes.
  local score = redis.call('HGET', tk, 'score')
  redis.call('ZREM', KEYS[2], id)
  if score and redis.call('HGET', tk, 'status') == 'claimed' then
    redis.call('ZADD', KEYS[1], score, id)
    redis.call('HSET', tk, 'status', 'waiting', 'claimed_by', '', 'lease_until', '0')
    expired[#expired + 1] = id
  end
end
return expired
"""

_CLAIM = """
-- KEYS: queue, leases   ARGV: now_ms, lease_ms, case_worker, ticket_prefix
local id = nil
-- A waiting id whose ticket is gone (evicted, partly restored) is dropped, not claimed.
for _ = 1, 100 do
  local popped = redis.call('ZPOPMIN', KEYS[1])
  if #popped == 0 then return '' end
  if redis.call('EXISTS', ARGV[4] .. popped[1]) == 1 then
    id = popped[1]
    break
  end
end
if not id then return '' end
local until_ms = tonumber(ARGV[1]) + tonumber(ARGV[2])
redis.call('HSET', ARGV[4] .. id, 'status', 'claimed', 'claimed_by', ARGV[3],
           'lease_until', until_ms, 'claimed_ms', ARGV[1])
redis.call('ZADD', KEYS[2], until_ms, id)
return id
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
-- KEYS: open(participant), queue, leases   ARGV: ticket_prefix, now_ms, ttl_seconds
local id = redis.call('GET', KEYS[1])
if not id then return '' end
redis.call('ZREM', KEYS[2], id)
redis.call('ZREM', KEYS[3], id)
redis.call('HSET', ARGV[1] .. id, 'status', 'abandoned', 'closed_ms', ARGV[2])
redis.call('HDEL', ARGV[1] .. id, 'address')
redis.call('EXPIRE', ARGV[1] .. id, ARGV[3])
redis.call('DEL', KEYS[1])
return id
"""


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
        ticket_id = "t_" + uuid.uuid4().hex[:16]
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
        outcome, existing = self._open(
            keys=[
                self.keys.handoff_open(participant),
                self.keys.handoff_queue(),
                self.keys.handoff_ticket(ticket_id),
            ],
            args=[
                ticket_id,
                score,
                PRIORITY_RANK[URGENT] * SCORE_BASE,
                self.keys.handoff_ticket_prefix(),
                priority,
                *[x for pair in fields.items() for x in pair],
            ],
        )
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
        rank = self.redis.zrank(self.keys.handoff_queue(), ticket_id)
        return None if rank is None else int(rank) + 1

    def abandon(self, participant: str) -> Ticket | None:
        """She left the line ("menu", "salir"): close her ticket as abandoned."""
        ticket_id = _text(
            self._abandon(
                keys=[
                    self.keys.handoff_open(participant),
                    self.keys.handoff_queue(),
                    self.keys.handoff_leases(),
                ],
                args=[self.keys.handoff_ticket_prefix(), _now_ms(), CLOSED_TICKET_TTL],
            )
        )
        if not ticket_id:
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
        expired = [
            _text(t)
            for t in self._expire(
                keys=[self.keys.handoff_queue(), self.keys.handoff_leases()],
                args=[_now_ms(), self.keys.handoff_ticket_prefix()],
            )
        ]
        for ticket_id in expired:
            ticket = self.get(ticket_id)
            if ticket is not None:
                self._history(ticket, EXPIRED)
        return expired

    def claim(self, case_worker: str, lease_seconds: float) -> Ticket | None:
        """The next ticket by priority, for this case worker alone; None when nobody waits."""
        self.expire_leases()
        ticket_id = _text(
            self._claim(
                keys=[self.keys.handoff_queue(), self.keys.handoff_leases()],
                args=[
                    _now_ms(),
                    int(lease_seconds * 1000),
                    case_worker,
                    self.keys.handoff_ticket_prefix(),
                ],
            )
        )
        if not ticket_id:
            return None
        ticket = self.get(ticket_id)
        if ticket is not None:
            self._history(ticket, CLAIMED, case_worker)
        return ticket

    def renew(self, ticket_id: str, case_worker: str, lease_seconds: float) -> bool:
        return bool(
            self._renew(
                keys=[self.keys.handoff_ticket(ticket_id), self.keys.handoff_leases()],
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
                    self.keys.handoff_leases(),
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
        ids = self.redis.zrange(self.keys.handoff_leases(), 0, -1)
        return [t for t in (self.get(_text(i)) for i in ids) if t is not None]

    def erase(self, participant: str, ticket_ids: set[str]) -> int:
        """Her right to erasure: her open ticket leaves the line and every ticket of hers (and
        its reminders and attachments) is deleted. Returns how many keys were removed."""
        open_id = self.redis.get(self.keys.handoff_open(participant))
        ids = set(ticket_ids) | ({_text(open_id)} if open_id else set())
        pipe = self.redis.pipeline()
        for ticket_id in ids:
            pipe.zrem(self.keys.handoff_queue(), ticket_id)
            pipe.zrem(self.keys.handoff_leases(), ticket_id)
        keys = [self.keys.handoff_ticket(i) for i in ids]
        keys += [self.keys.handoff_nudged(i) for i in ids]
        keys += [self.keys.handoff_attachments(i) for i in ids]
        # Her own keys (open pointer, reminders, rating) go with every per-participant key
        # (Keys.participant_keys, bot/privacy/erasure.py).
        if keys:
            pipe.delete(*keys)
        return int(pipe.execute()[-1]) if keys else 0

    def attach(self, ticket_id: str, media: list[dict[str, str]]) -> None:
        """Media she sent (url, content_type) onto her ticket, for the case worker to open.
        Kept as long as a closed ticket is (CLOSED_TICKET_TTL) and erased with it."""
        if not media:
            return
        key = self.keys.handoff_attachments(ticket_id)
        pipe = self.redis.pipeline()
        pipe.rpush(key, *[json.dumps({**m, "at_ms": _now_ms()}) for m in media])
        pipe.expire(key, CLOSED_TICKET_TTL)
        pipe.execute()

    def attachments(self, ticket_id: str) -> list[dict[str, str]]:
        raw = self.redis.lrange(self.keys.handoff_attachments(ticket_id), 0, -1)
        return [json.loads(_text(item)) for item in raw]

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
        ids = self.redis.zrange(self.keys.handoff_queue(), 0, -1)
        return [t for t in (self.get(_text(i)) for i in ids) if t is not None]

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
