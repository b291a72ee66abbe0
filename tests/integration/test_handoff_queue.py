"""The handoff queue on the real Redis: priorities, FIFO, one claimer per ticket under races,
leases that return a ticket to the head of its level, her place in line, SQL history."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from bot.core.connections import connect_redis
from bot.core.keys import new_ticket_id, ticket_shard
from bot.handoff.queue import NORMAL, URGENT, HandoffQueue, Ticket
from bot.runtime import Runtime
from bot.store.handoff import handoff_events

# Redis-facing: also on a local Redis Cluster (issue 13, item 12).
pytestmark = pytest.mark.cluster_too


@pytest.fixture
def queue(runtime: Runtime) -> HandoffQueue:
    return HandoffQueue(runtime.redis, runtime.keys, runtime.sessions)


def ticket_history(runtime: Runtime, ticket: Ticket) -> list[str]:
    events = handoff_events(runtime.sessions, ticket.participant)
    return [e.status for e in events if e.ticket_id == ticket.id]


def open_ticket(queue: HandoffQueue, who: str, priority: str = NORMAL):  # type: ignore[no-untyped-def]
    ticket = queue.open(who, "whatsapp", "courses", f"{who} pregunta por cursos", priority)
    time.sleep(0.002)  # distinct enqueue times
    return ticket


def test_urgent_before_normal_and_first_come_first_served_within_a_level(
    queue: HandoffQueue,
) -> None:

    for who, priority in [("ana", NORMAL), ("bea", NORMAL), ("cris", URGENT), ("dora", URGENT)]:
        open_ticket(queue, who, priority)
    order = [queue.claim("cw1", 60).participant for _ in range(4)]  # type: ignore[union-attr]
    assert order == ["cris", "dora", "ana", "bea"]
    assert queue.claim("cw1", 60) is None


def test_her_position_in_line(queue: HandoffQueue) -> None:
    tickets = [open_ticket(queue, who) for who in ("ana", "bea", "cris")]
    assert [queue.position(t.id) for t in tickets] == [1, 2, 3]
    urgent = open_ticket(queue, "dora", URGENT)
    assert queue.position(urgent.id) == 1 and queue.position(tickets[2].id) == 4
    queue.claim("cw1", 60)
    assert queue.position(urgent.id) is None and queue.position(tickets[0].id) == 1


def test_one_open_ticket_per_participant_and_urgent_moves_it_up(queue: HandoffQueue) -> None:
    first = open_ticket(queue, "ana")
    open_ticket(queue, "bea")
    again = open_ticket(queue, "ana")
    assert again.id == first.id and len(queue.waiting()) == 2
    upgraded = open_ticket(queue, "ana", URGENT)
    assert upgraded.id == first.id and upgraded.priority == URGENT
    assert queue.position(first.id) == 1


def test_1000_claims_raced_by_20_threads_claim_every_ticket_exactly_once(
    queue: HandoffQueue,
) -> None:
    for i in range(1000):
        queue.open(f"p{i}", "sms", "credit", "quiere un crédito", URGENT if i % 7 == 0 else NORMAL)
    claimed: list[str] = []
    lock = threading.Lock()

    def case_worker(n: int) -> None:
        while (ticket := queue.claim(f"cw{n}", 60)) is not None:
            with lock:
                claimed.append(ticket.id)

    threads = [threading.Thread(target=case_worker, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts = Counter(claimed)
    assert len(counts) == 1000 and set(counts.values()) == {1}


def test_an_expired_lease_puts_the_ticket_back_at_the_head_of_its_level(
    queue: HandoffQueue, runtime: Runtime
) -> None:
    first = open_ticket(queue, "ana")
    claimed = queue.claim("cw-away", 0.2)  # the case worker walks away without renewing
    assert claimed is not None and claimed.id == first.id
    open_ticket(queue, "bea")
    time.sleep(0.3)
    again = queue.claim("cw2", 60)
    assert again is not None and again.id == first.id  # ana waited longest: she is first again
    assert queue.renew(first.id, "cw-away", 60) is False
    assert ticket_history(runtime, first) == [
        "waiting",
        "claimed",
        "expired",
        "claimed",
    ]


def test_renewing_keeps_the_ticket(queue: HandoffQueue) -> None:
    ticket = open_ticket(queue, "ana")
    queue.claim("cw1", 0.3)
    for _ in range(3):
        time.sleep(0.15)
        assert queue.renew(ticket.id, "cw1", 0.3)
    assert queue.claim("cw2", 60) is None


def test_only_the_claimer_resolves_and_resolving_closes_her_ticket(
    queue: HandoffQueue, runtime: Runtime
) -> None:
    ticket = open_ticket(queue, "ana")
    queue.claim("cw1", 60)
    assert not queue.resolve(ticket.id, "cw2")
    assert queue.resolve(ticket.id, "cw1")
    assert queue.open_ticket("ana") is None
    assert queue.get(ticket.id).status == "resolved"  # type: ignore[union-attr]
    assert ticket_history(runtime, ticket) == ["waiting", "claimed", "resolved"]


def test_leaving_the_line_abandons_the_ticket(queue: HandoffQueue, runtime: Runtime) -> None:
    ticket = open_ticket(queue, "ana")
    left = queue.abandon("ana")
    assert left is not None and left.status == "abandoned"
    assert queue.position(ticket.id) is None and queue.claim("cw1", 60) is None
    assert queue.abandon("ana") is None
    assert ticket_history(runtime, ticket) == ["waiting", "abandoned"]


def test_state_survives_a_new_connection(queue: HandoffQueue, runtime: Runtime) -> None:
    """Everything is in Redis and SQL: a restarted process sees the same line."""
    ticket = open_ticket(queue, "ana")
    fresh = HandoffQueue(connect_redis(runtime.settings), runtime.keys, runtime.sessions)
    assert fresh.position(ticket.id) == 1
    assert fresh.claim("cw1", 60).id == ticket.id  # type: ignore[union-attr]


def test_a_waiting_id_whose_ticket_is_gone_is_dropped_and_the_next_is_claimed(
    queue: HandoffQueue, runtime: Runtime
) -> None:
    """Issue 13, defect 5: claim raised KeyError on a ticket hash that was evicted."""
    evicted = new_ticket_id("p_gone")
    runtime.redis.zadd(runtime.keys.handoff_queue(ticket_shard(evicted)), {evicted: 0})
    real = queue.open("p_real", "sms", "credit", "pregunta")
    claimed = queue.claim("ana@almas.example.org", 60)
    assert claimed is not None and claimed.id == real.id
    assert runtime.redis.zscore(runtime.keys.handoff_queue(ticket_shard(evicted)), evicted) is None
    assert not runtime.redis.exists(runtime.keys.handoff_ticket(evicted))


def test_an_expired_lease_whose_ticket_is_gone_is_dropped_whole(
    queue: HandoffQueue, runtime: Runtime
) -> None:
    """_EXPIRE failed halfway on a ticket whose hash is gone but for what a claim wrote into it
    (the lease removed, the error raised, every other expired ticket left claimed)."""
    evicted = new_ticket_id("p_claimed")  # in the same shard as her ticket
    leases = runtime.keys.handoff_leases(ticket_shard(evicted))
    runtime.redis.zadd(leases, {evicted: 1})
    runtime.redis.hset(runtime.keys.handoff_ticket(evicted), mapping={"status": "claimed"})
    ticket = queue.open("p_claimed", "sms", "credit", "pregunta")
    assert queue.claim("ana@almas.example.org", 0.01) is not None
    time.sleep(0.05)
    assert queue.expire_leases() == [ticket.id]
    assert runtime.redis.zscore(leases, evicted) is None
    assert [t.id for t in queue.waiting()] == [ticket.id]
