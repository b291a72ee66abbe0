"""The chaos run's process faults, on a schedule while the load runs.

- kill a worker / kill a sender: SIGKILL to a random one's process group, then start the same
  Procfile line again a second later (what honcho or a platform's process runner does);
- pause a sender: SIGSTOP for longer than the lease (WORKER_LEASE_SECONDS, which the outbox
  uses too) and SIGCONT — preferably one holding a participant at that moment, so another
  sender takes her over while the paused one still believes she is his;
- restart Redis: SHUTDOWN (the AOF is flushed: nothing is lost) and start it again on the same
  port and directory;
- stop Rasa for a while (30 s) and start it again (then wait for its model).

Each fault starts at its planned time in its own thread (a long fault never delays the next
one's start); each records when it began and ended, relative to the start of the load.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from bench.chaos_env import SENDERS, WORKERS, RedisServer
from bot.queue.mailbox import MailboxQueue
from tests.support.stack import Stack, wait_until

KILL_WORKER = "kill worker"
KILL_SENDER = "kill sender"
PAUSE_SENDER = "pause sender"
RESTART_REDIS = "restart redis"
STOP_RASA = "stop rasa"

# (fraction of the load's duration, fault). The full run does each at least once, the kills
# and the Redis restart twice; the quick run once each.
FULL_PLAN = (
    (0.08, KILL_WORKER),
    (0.16, KILL_SENDER),
    (0.24, PAUSE_SENDER),
    (0.40, RESTART_REDIS),
    (0.50, STOP_RASA),
    (0.70, KILL_WORKER),
    (0.78, KILL_SENDER),
    (0.88, RESTART_REDIS),
)
QUICK_PLAN = (
    (0.10, KILL_WORKER),
    (0.20, KILL_SENDER),
    (0.30, PAUSE_SENDER),
    (0.55, RESTART_REDIS),
    (0.70, STOP_RASA),
)
RESTART_AFTER = 1.0  # seconds between a kill and the runner starting the process again
RASA_EXIT_TIMEOUT = 60.0  # then its process group is killed


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


@dataclass
class Injected:
    kind: str
    planned: float  # seconds after the load began
    began: float = 0.0
    ended: float = 0.0
    detail: str = ""
    error: str = ""


class Injector:
    def __init__(
        self,
        stack: Stack,
        redis_server: RedisServer,
        outbox: MailboxQueue,
        participants: list[str],
        lease_seconds: float,
        rasa_down_seconds: float,
        rng: random.Random,
        started: Callable[[], None],
    ) -> None:
        self.stack = stack
        self.redis_server = redis_server
        self.outbox = outbox
        self.participants = participants
        self.pause_seconds = lease_seconds + 10.0
        self.rasa_down_seconds = rasa_down_seconds
        self.rng = rng
        self.on_start = started  # called after every process start (the stray-process check)
        self.lock = threading.Lock()
        self.paused: set[str] = set()
        self.injected: list[Injected] = []
        self.threads: list[threading.Thread] = []
        self.origin = 0.0

    def schedule(self, plan: tuple[tuple[float, str], ...], origin: float, duration: float) -> None:
        self.origin = origin
        for fraction, kind in plan:
            fault = Injected(kind, planned=fraction * duration)
            self.injected.append(fault)
            thread = threading.Thread(target=self._run, args=(fault,), name=kind, daemon=True)
            self.threads.append(thread)
            thread.start()

    def wait(self, timeout: float = 600.0) -> None:
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def now(self) -> float:
        return time.time() - self.origin

    def _run(self, fault: Injected) -> None:
        delay = self.origin + fault.planned - time.time()
        if delay > 0:
            time.sleep(delay)
        fault.began = self.now()
        action = {
            KILL_WORKER: self.kill_worker,
            KILL_SENDER: self.kill_sender,
            PAUSE_SENDER: self.pause_sender,
            RESTART_REDIS: self.restart_redis,
            STOP_RASA: self.stop_rasa,
        }[fault.kind]
        try:
            fault.detail = action()
        except Exception as exc:  # reported with the figures; the run goes on
            fault.error = f"{type(exc).__name__}: {exc}"
        fault.ended = self.now()

    # -- the faults --------------------------------------------------------------------------
    def _kill(self, names: tuple[str, ...], line: str) -> str:
        with self.lock:
            name = self.rng.choice([n for n in names if n not in self.paused])
            pid = self.stack.processes[name].pid
            self.stack.stop(name, sig=signal.SIGKILL)
        time.sleep(RESTART_AFTER)
        with self.lock:
            self.stack.start_process(name, line)
            self.on_start()
        return f"SIGKILL {name} (pid {pid}); started again after {RESTART_AFTER:g} s"

    def kill_worker(self) -> str:
        return self._kill(WORKERS, "worker")

    def kill_sender(self) -> str:
        return self._kill(SENDERS, "sender")

    def _sender_holding_someone(self, timeout: float = 15.0) -> str | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for participant in self.participants:
                holder = self.outbox.holder_pid(participant)
                if holder is None:
                    continue
                try:
                    name = self.stack.name_of(holder)
                except OSError:
                    continue
                if name in SENDERS:
                    return name
            time.sleep(0.05)
        return None

    def pause_sender(self) -> str:
        holding = self._sender_holding_someone()
        with self.lock:
            name = holding or self.rng.choice(SENDERS)
            process = self.stack.processes[name]
            os.killpg(process.pid, signal.SIGSTOP)
            self.paused.add(name)
        how = "while holding a participant" if holding else "(none held anyone)"
        time.sleep(self.pause_seconds)
        self.resume(name)
        return f"SIGSTOP {name} {how} for {self.pause_seconds:g} s, then SIGCONT"

    def resume(self, name: str) -> None:
        with self.lock:
            process = self.stack.processes.get(name)
            if name in self.paused and process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGCONT)
            self.paused.discard(name)

    def resume_all(self) -> None:
        for name in list(self.paused):
            self.resume(name)

    def restart_redis(self) -> str:
        down = self.redis_server.restart()
        return f"SHUTDOWN and start again on port {self.redis_server.port}: {down:.1f} s down"

    def stop_rasa(self) -> str:
        """SIGTERM (as a platform stops a process); Rasa finishes what it is doing first, so the
        time down is counted from when its last process is gone."""
        with self.lock:
            group = self.stack.processes["rasa"].pid
            self.stack.stop("rasa")
        stopping = time.monotonic()
        if not wait_until(lambda: not group_alive(group), RASA_EXIT_TIMEOUT, interval=0.2):
            os.killpg(group, signal.SIGKILL)
        exited = time.monotonic() - stopping
        time.sleep(self.rasa_down_seconds)
        began = time.monotonic()
        with self.lock:
            self.stack.start_process("rasa")
            self.on_start()
        loaded = self.stack_wait_for_rasa()
        return (
            f"SIGTERM, gone {exited:.0f} s later; down {self.rasa_down_seconds:g} s, started "
            f"again; model loaded {time.monotonic() - began:.0f} s later"
            + ("" if loaded else " (NOT loaded)")
        )

    def stack_wait_for_rasa(self, timeout: float = 300.0) -> bool:
        return wait_until(self._rasa_loaded, timeout, interval=0.5)

    def _rasa_loaded(self) -> bool:
        try:
            return self.stack.rasa_has_model()
        except (requests.RequestException, ValueError):  # not listening yet
            return False
