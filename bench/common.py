"""Shared helpers for the benchmarks: environments, signed requests, percentiles, pacing."""

from __future__ import annotations

import os
import signal
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from bot.store.db import upgrade
from tests.support.environment import base_environment
from tests.support.stack import Stack, free_port

ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"n={len(ms)} p50={percentile(ms, 50):.1f} ms p95={percentile(ms, 95):.1f} ms "
        f"p99={percentile(ms, 99):.1f} ms mean={statistics.fmean(ms):.1f} ms"
    )


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    # Once: `make` passes a SIGTERM on to its child as well, and a second SystemExit raised
    # inside the `finally` that stops the servers would leave them running.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise SystemExit(128 + signum)


def bench_stack(**extra_env: str) -> Stack:
    """A Stack object (nothing started yet) with its own Redis prefix and SQLite file.

    Its processes run in sessions of their own, so a SIGTERM to the benchmark (a test stopping
    `make bench`) would leave them running: it becomes SystemExit, and the benchmark's
    `finally` stops them."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    workdir = Path(tempfile.mkdtemp(prefix="almas-bench-"))
    database_url = f"sqlite:///{workdir / 'bench.db'}"
    upgrade(database_url)
    web_port, rasa_port, actions_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        **base_environment("almasbench" + uuid.uuid4().hex[:8], database_url),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
        "PORT": str(web_port),
        "WEB_HOST": "127.0.0.1",
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{actions_port}",
        "NLG_URL": f"http://127.0.0.1:{web_port}/nlg",
        "LOG_LEVEL": "WARNING",
        **extra_env,
    }
    (workdir / "logs").mkdir()
    return Stack(
        env=env,
        log_dir=workdir / "logs",
        web_port=web_port,
        rasa_port=rasa_port,
        actions_port=actions_port,
    )


def paced(rate: float, count: int, clients: int, task: Callable[[int], None]) -> float:
    """Run task(i) for i < count, started at `rate` per second (open loop) by `clients`
    threads. Returns the wall time taken."""
    start = time.perf_counter() + 0.05
    next_index = iter(range(count))
    lock = threading.Lock()

    def client() -> None:
        while True:
            with lock:
                i = next(next_index, None)
            if i is None:
                return
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            task(i)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def accepted_notice(stack: Stack, addresses: list[str]) -> None:
    """These participants accepted the privacy notice before (the benchmarks measure the
    answering path, not the first-contact notice). Recorded the way the consent gate records
    it (SQL and the gates' Redis copy, bot/store/contact.py), as for a woman who accepted it in
    an earlier conversation."""
    from bot.content.store import ContentStore
    from bot.core.addresses import channel_of
    from bot.core.identity import participant_id
    from bot.core.settings import content_dir, load_settings
    from bot.runtime import build_runtime
    from bot.store import contact

    rt = build_runtime(load_settings(environ=stack.env), content=ContentStore(content_dir()))
    version = rt.content.snapshot().privacy.notice_version  # type: ignore[union-attr]
    key = stack.env["PARTICIPANT_ID_KEY"]
    for address in addresses:
        contact.record_consent(rt, participant_id(key, address), channel_of(address), version)
    rt.engine.dispose()
    rt.redis.close()
