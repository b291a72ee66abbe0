"""Sustained outbound throughput through the outbox, and proof of "never twice".

Enqueues PARTICIPANTS x MESSAGES replies at once into the real outbox (Redis) and runs
SENDERS real OutboxSender processes (`almas sender`'s loop, one process each) against the
local Twilio-compatible endpoint (in this process). Prints messages/s (first enqueue to last
receipt), p50/p95 latency from enqueue to the endpoint's receipt, duplicates (must be 0) and
per-participant order violations (must be 0). Two rounds: a clean one, and one where the
endpoint keeps injecting 500s, 429s, timeouts before creation and accepted-then-late answers
(the ambiguous case the reconciliation exists for).

The transcript goes to a SQLite file by default (BENCH_DATABASE_URL for PostgreSQL).
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import multiprocessing
import os
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import redis

from bench.common import percentile
from bot.core.messages import OutboundMessage
from bot.core.settings import Settings, load_settings
from bot.outbound.sender import OutboxSender
from bot.runtime import build_runtime
from bot.store.db import upgrade
from tests.support.environment import ACCOUNT_SID, AUTH_TOKEN, base_environment, delete_prefix
from tests.support.twilio_endpoint import Fault, TwilioEndpoint

PARTICIPANTS = 100
MESSAGES = 10
SENDERS = 4
CLIENT_TIMEOUT = 1.0  # TWILIO_TIMEOUT_SECONDS of the senders
LATE = 1.5  # an accepted-then-late answer comes after the client gave up
FAULT_EVERY = 40  # one injected fault per this many send requests, in the faulty round
FAULTS = (
    Fault(500, 20500),
    Fault(429, 20429),
    Fault(503, 20503, delay=LATE),  # timeout, nothing created: must be sent again
    Fault.late_answer(LATE),  # created, answer lost: must NOT be sent again
)
DEADLINE_SECONDS = 180


def sender_process(settings: Settings, stop: multiprocessing.synchronize.Event) -> None:
    logging.basicConfig(level=logging.ERROR)  # retries are expected here, not news
    OutboxSender(build_runtime(settings)).run(stop)  # type: ignore[arg-type]


def enqueue_all(settings: Settings, run: str) -> dict[tuple[str, str], float]:
    """Every participant's messages, in her mailbox; (to, body) -> enqueue time."""
    rt = build_runtime(settings)
    enqueued: dict[tuple[str, str], float] = {}
    for p in range(PARTICIPANTS):
        to = f"+57310{run}{p:05d}"
        participant = f"p_bench_{run}_{p}"
        messages = [
            OutboundMessage(participant=participant, channel="sms", to=to, body=f"{run} {p} #{m}")
            for m in range(MESSAGES)
        ]
        now = time.time()
        rt.outbox.enqueue(participant, [m.to_json() for m in messages])
        enqueued.update({(to, m.body): now for m in messages})
    rt.redis.close()
    return enqueued


def inject_faults(twilio: TwilioEndpoint, stop: threading.Event) -> None:
    """One fault (in turn from FAULTS) for every FAULT_EVERY send requests."""
    faults = itertools.cycle(FAULTS)
    next_at = twilio.requests + FAULT_EVERY
    while not stop.wait(0.01):
        if twilio.requests >= next_at:
            twilio.inject(dataclasses.replace(next(faults)))
            next_at += FAULT_EVERY


def one_round(
    settings: Settings, twilio: TwilioEndpoint, run: str, faulty: bool
) -> dict[str, float]:
    with twilio.lock:
        twilio.sent.clear()
        twilio.faults.clear()
        twilio.requests = 0
    stop = multiprocessing.Event()
    senders = [
        multiprocessing.Process(target=sender_process, args=(settings, stop))
        for _ in range(SENDERS)
    ]
    for process in senders:
        process.start()
    time.sleep(1.0)  # let them connect before the clock starts
    stop_faults = threading.Event()
    injector = threading.Thread(target=inject_faults, args=(twilio, stop_faults))
    if faulty:
        injector.start()
    started = time.time()
    enqueued = enqueue_all(settings, run)
    total = len(enqueued)
    deadline = started + DEADLINE_SECONDS
    while time.time() < deadline:
        with twilio.lock:
            received = len({(s.to, s.body) for s in twilio.sent})
        if received >= total:
            break
        time.sleep(0.05)
    stop_faults.set()
    if faulty:
        injector.join()
    time.sleep(LATE + 0.5)  # a duplicate caused by a late answer would arrive by now
    stop.set()
    for process in senders:
        process.join(timeout=10)
    with twilio.lock:
        sent = list(twilio.sent)
        requests = twilio.requests
    return measure(enqueued, sent, started, requests)


def measure(
    enqueued: dict[tuple[str, str], float], sent: list, started: float, requests: int
) -> dict[str, float]:
    counts = Counter((s.to, s.body) for s in sent)
    first_at: dict[tuple[str, str], float] = {}
    for s in sent:
        first_at.setdefault((s.to, s.body), s.at)
    latencies = [first_at[k] - t for k, t in enqueued.items() if k in first_at]
    by_her: dict[str, list[int]] = {}
    for s in sorted(sent, key=lambda s: s.at):
        by_her.setdefault(s.to, []).append(int(s.body.rsplit("#", 1)[1]))
    out_of_order = sum(1 for order in by_her.values() if order != sorted(order))
    last = max(first_at.values(), default=started)
    return {
        "messages": len(enqueued),
        "delivered": len(first_at),
        "duplicates": sum(n - 1 for n in counts.values() if n > 1),
        "out_of_order": out_of_order,
        "rate": len(first_at) / max(last - started, 1e-9),
        "p50_ms": percentile(latencies, 50) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
        "requests": requests,
    }


def settings_for(twilio: TwilioEndpoint, prefix: str) -> Settings:
    database_url = os.environ.get("BENCH_DATABASE_URL")
    if not database_url:
        workdir = Path(tempfile.mkdtemp(prefix="almas-bench-outbox-"))
        database_url = f"sqlite:///{workdir / 'bench.db'}"
    upgrade(database_url)
    env = base_environment(
        prefix,
        database_url,
        TWILIO_API_URL=twilio.base_url,
        TWILIO_TIMEOUT_SECONDS=str(CLIENT_TIMEOUT),
        OUTBOX_RECONCILE_WAIT_SECONDS="0",  # the local endpoint's list is consistent at once
        OUTBOX_MAX_ATTEMPTS="50",
        LOG_LEVEL="WARNING",
    )
    return load_settings(environ=env)


def main() -> int:
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    twilio = TwilioEndpoint(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN).start()
    prefix = "almasbench" + uuid.uuid4().hex[:8]
    settings = settings_for(twilio, prefix)
    client = redis.Redis.from_url(settings.redis_url)
    failed = False
    try:
        print(
            f"outbox: {PARTICIPANTS} participants x {MESSAGES} messages, {SENDERS} sender "
            f"processes, local endpoint, {settings.database_url.split(':')[0]} transcript"
        )
        for run, faulty in (("1", False), ("2", True)):
            r = one_round(settings, twilio, run, faulty)
            label = "with faults" if faulty else "clean      "
            print(
                f"  {label}: {r['delivered']:.0f}/{r['messages']:.0f} delivered, "
                f"{r['rate']:.0f} msg/s, enqueue->receipt p50 {r['p50_ms']:.0f} ms "
                f"p95 {r['p95_ms']:.0f} ms, duplicates {r['duplicates']:.0f}, "
                f"out of order {r['out_of_order']:.0f}, send requests {r['requests']:.0f}"
            )
            bad = r["duplicates"] or r["out_of_order"] or r["delivered"] < r["messages"]
            failed = failed or bool(bad)
    finally:
        twilio.stop()
        delete_prefix(client, prefix)
    print("duplicates must be 0: " + ("NOT met" if failed else "met"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
