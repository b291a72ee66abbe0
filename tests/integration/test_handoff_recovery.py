"""Issue 13, item 8: after Redis restarts from an AOF that missed the last writes (or fails
over, or evicts), the handoff line in Redis agrees with SQL's history again: nobody who was
waiting for a person is forgotten."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.content.store import ContentStore
from bot.core.keys import shard_of, ticket_shard
from bot.handoff.queue import NORMAL, URGENT, Ticket
from bot.handoff.recovery import restore_line
from bot.runtime import Runtime, build_runtime
from bot.store.db import upgrade
from bot.store.handoff import handoff_events

# Redis-facing: also on a local Redis Cluster (issue 13, item 12).
pytestmark = pytest.mark.cluster_too


@pytest.fixture
def rt(runtime: Runtime, tmp_path: Path) -> Iterator[Runtime]:
    """A runtime with a database of its own: the line is rebuilt from ALL of SQL's history."""
    url = f"sqlite:///{tmp_path / 'own.db'}"
    upgrade(url)
    own = build_runtime(replace(runtime.settings, database_url=url), ContentStore())
    yield own
    own.redis.close()
    own.engine.dispose()


def lose_from_redis(rt: Runtime, ticket: Ticket) -> None:
    """What a restart from an older AOF does to a ticket: every trace of it gone."""
    shard = ticket_shard(ticket.id)
    rt.redis.delete(rt.keys.handoff_ticket(ticket.id), rt.keys.handoff_open(ticket.participant))
    rt.redis.zrem(rt.keys.handoff_queue(shard), ticket.id)
    rt.redis.zrem(rt.keys.handoff_leases(shard), ticket.id)


def test_waiting_tickets_redis_lost_are_rebuilt_in_their_place_in_line(rt: Runtime) -> None:
    ana = rt.handoff.open("p_ana", "whatsapp", "credit", "resumen", NORMAL, "whatsapp:+15550001")
    time.sleep(0.002)
    bea = rt.handoff.open("p_bea", "sms", "courses", "resumen", NORMAL, "+15550002")
    time.sleep(0.002)
    cris = rt.handoff.open("p_cris", "sms", "emergency", "resumen", URGENT, "+15550003")
    for ticket in (ana, cris):
        lose_from_redis(rt, ticket)
    assert [t.id for t in rt.handoff.waiting()] == [bea.id]  # what a case worker would see

    outcomes = restore_line(rt)

    assert outcomes == {"restored": 2, "in_place": 1}
    assert [t.id for t in rt.handoff.waiting()] == [cris.id, ana.id, bea.id]
    restored = rt.handoff.open_ticket("p_ana")
    assert restored is not None and restored.id == ana.id and restored.priority == NORMAL
    assert restored.address == ""  # her number was only in Redis...
    assert rt.handoff.readdress(ana.id, "whatsapp:+15550001", "whatsapp")  # ...her next message
    assert rt.handoff.get(ana.id).address == "whatsapp:+15550001"  # type: ignore[union-attr]
    assert restore_line(rt) == {"in_place": 3}  # nothing more to do


def test_a_ticket_that_fell_out_of_the_line_goes_back_and_a_lost_lease_expires(
    rt: Runtime,
) -> None:
    waiting = rt.handoff.open("p_dora", "sms", "credit", "resumen", NORMAL, "+15550004")
    rt.redis.zrem(rt.keys.handoff_queue(ticket_shard(waiting.id)), waiting.id)
    claimed = rt.handoff.open("p_eva", "sms", "credit", "resumen", NORMAL, "+15550005")
    taken = rt.handoff.claim("ana@almas.example.org", 60)
    assert taken is not None and taken.id == claimed.id  # dora was not in line to be taken
    rt.redis.zrem(rt.keys.handoff_leases(ticket_shard(claimed.id)), claimed.id)

    assert restore_line(rt) == {"requeued": 2}
    assert rt.handoff.expire_leases() == [claimed.id]  # her lease died with Redis's copy
    assert {t.id for t in rt.handoff.waiting()} == {waiting.id, claimed.id}


def test_a_lost_ticket_is_superseded_when_she_is_already_in_line_again(rt: Runtime) -> None:
    old = rt.handoff.open("p_fe", "sms", "credit", "resumen", NORMAL, "+15550006")
    lose_from_redis(rt, old)
    new = rt.handoff.open("p_fe", "sms", "courses", "otra vez", NORMAL, "+15550006")

    assert restore_line(rt) == {"replaced": 1, "in_place": 1}
    assert [t.id for t in rt.handoff.waiting()] == [new.id]
    history = [(e.ticket_id, e.status) for e in handoff_events(rt.sessions, "p_fe")]
    assert (old.id, "superseded") in history
    assert restore_line(rt) == {"in_place": 1}


def test_a_ticket_closed_in_redis_is_not_brought_back(rt: Runtime) -> None:
    ticket = rt.handoff.open("p_gala", "sms", "credit", "resumen", NORMAL, "+15550007")
    assert rt.handoff.claim("ana@almas.example.org", 60) is not None
    # Resolved in Redis, but the SQL row of the resolution was lost (SQL was down a moment).
    sessions, rt.handoff.sessions = rt.handoff.sessions, None
    assert rt.handoff.resolve(ticket.id, "ana@almas.example.org")
    rt.handoff.sessions = sessions
    assert restore_line(rt) == {"in_place": 1}
    assert rt.handoff.waiting() == [] and rt.handoff.open_ticket("p_gala") is None
    assert shard_of("p_gala") == ticket_shard(ticket.id)  # her ticket sits with her keys
