"""Per-participant mailboxes on the real Redis: order, leases, recovery, dead letters."""

from __future__ import annotations

import threading
import time

import pytest

from bot.queue.mailbox import DEAD, MailboxQueue
from bot.runtime import Runtime

# Redis-facing: also on a local Redis Cluster (issue 13, item 12).
pytestmark = pytest.mark.cluster_too


def drain(queue: MailboxQueue, lease_seconds: float = 5.0) -> list[tuple[str, str]]:
    """Claim and commit everything, returning (participant, item) in processing order."""
    done = []
    while (lease := queue.claim(lease_seconds)) is not None:
        while (head := queue.peek(lease.participant)) is not None:
            assert queue.commit(lease, head, head)
            done.append((lease.participant, head))
        queue.release(lease)
    return done


def test_items_of_one_participant_come_out_in_order(runtime: Runtime) -> None:
    for i in range(5):
        runtime.inbox.enqueue("ana", [f"m{i}"])
    assert drain(runtime.inbox) == [("ana", f"m{i}") for i in range(5)]


def test_dedupe_id_accepts_an_item_once(runtime: Runtime) -> None:
    assert runtime.inbox.enqueue("ana", ["x"], dedupe_id="SM1", dedupe_seconds=60)
    assert not runtime.inbox.enqueue("ana", ["x"], dedupe_id="SM1", dedupe_seconds=60)
    assert runtime.inbox.pending("ana") == ["x"]


def test_a_held_participant_is_not_claimed_by_another_worker(runtime: Runtime) -> None:
    runtime.inbox.enqueue("ana", ["m0"])
    first = runtime.inbox.claim(5)
    assert first is not None
    runtime.inbox.enqueue("ana", ["m1"])  # arrives while the first worker works on her
    assert runtime.inbox.claim(5) is None
    head = runtime.inbox.peek("ana")
    assert head is not None
    runtime.inbox.commit(first, head, head)
    runtime.inbox.release(first)  # she still has m1: she is ready again
    second = runtime.inbox.claim(5)
    assert second is not None and second.participant == "ana"
    assert runtime.inbox.peek("ana") == "m1"


def test_expired_lease_gives_her_back_with_the_same_head(runtime: Runtime) -> None:
    runtime.inbox.enqueue("ana", ["m0", "m1"])
    dead_worker = runtime.inbox.claim(0.2)  # then "crashes": never commits nor renews
    assert dead_worker is not None
    time.sleep(0.3)
    survivor = runtime.inbox.claim(5)
    assert survivor is not None and survivor.participant == "ana"
    assert runtime.inbox.peek("ana") == "m0"
    # The dead worker's late commit is refused: its fencing token is no longer valid.
    assert not runtime.inbox.commit(dead_worker, "m0", "m0")
    assert runtime.inbox.commit(survivor, "m0", "m0")


def test_renewing_keeps_the_lease(runtime: Runtime) -> None:
    runtime.inbox.enqueue("ana", ["m0"])
    lease = runtime.inbox.claim(0.3)
    assert lease is not None
    for _ in range(4):
        time.sleep(0.15)
        assert runtime.inbox.renew(lease, 0.3)
    assert runtime.inbox.claim(5) is None


def test_commit_moves_outputs_to_the_output_queue_atomically(runtime: Runtime) -> None:
    runtime.inbox.enqueue("ana", ["question"])
    lease = runtime.inbox.claim(5)
    assert lease is not None
    assert runtime.inbox.commit(lease, "question", "SM1", ["a1", "a2"], runtime.outbox)
    assert runtime.inbox.pending("ana") == []
    assert runtime.inbox.is_done("ana", "SM1")
    assert runtime.outbox.pending("ana") == ["a1", "a2"]
    assert drain(runtime.outbox) == [("ana", "a1"), ("ana", "a2")]


def test_failures_dead_letter_after_max_attempts(runtime: Runtime) -> None:
    runtime.inbox.enqueue("ana", ["poison", "next"])
    results = []
    for _ in range(3):
        lease = runtime.inbox.claim(5)
        assert lease is not None
        results.append(runtime.inbox.fail(lease, "poison", "SMp", "boom", max_attempts=3))
        runtime.inbox.release(lease)
    assert results == [1, 2, DEAD]
    assert runtime.inbox.pending("ana") == ["next"]
    [dead] = runtime.inbox.deadletters()
    assert (dead.item, dead.reason, dead.attempts) == ("poison", "boom", 3)


def test_release_with_delay_holds_her_back_until_due(runtime: Runtime) -> None:
    runtime.inbox.enqueue("ana", ["m0"])
    lease = runtime.inbox.claim(5)
    assert lease is not None
    runtime.inbox.release(lease, delay_seconds=0.4)
    runtime.inbox.enqueue("ana", ["m1"])  # a new message does not cut the wait short
    assert runtime.inbox.claim(5) is None
    time.sleep(0.5)
    assert runtime.inbox.claim(5) is not None


def test_racing_workers_keep_each_participants_order(runtime: Runtime) -> None:
    participants = [f"p{i}" for i in range(20)]
    for n in range(10):
        for p in participants:
            runtime.inbox.enqueue(p, [f"{p}-{n}"])
    seen: dict[str, list[int]] = {p: [] for p in participants}
    lock = threading.Lock()

    def work() -> None:
        while (lease := runtime.inbox.claim(5)) is not None:
            while (head := runtime.inbox.peek(lease.participant)) is not None:
                with lock:
                    seen[lease.participant].append(int(head.split("-")[1]))
                assert runtime.inbox.commit(lease, head, head)
            runtime.inbox.release(lease)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(numbers == list(range(10)) for numbers in seen.values()), seen
