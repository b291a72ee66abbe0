"""The real stack as separate processes, started once per test session.

Every process is started from its line in the `Procfile` (run by `/bin/sh`, as honcho and
Procfile platforms do), so the suite runs exactly the commands a user's `make run` runs: Rasa
(from .venv-rasa), the rasa-sdk action server, the web app under gunicorn, two conversation
workers (the `worker` line twice), an outbox sender and the scheduler, all on the real Redis,
pointed at a local Twilio-compatible endpoint. Tests can stop and start Rasa and kill workers.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis
import requests

from bot.core.keys import Keys
from bot.publishing.repository import ContentRepository
from bot.store.engine import make_engine, make_sessionmaker

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
PROCFILE = ROOT / "Procfile"
_PROCFILE_LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+)$")


def procfile_commands(path: Path = PROCFILE) -> dict[str, str]:
    """The Procfile's process lines, name → shell command (comments and blanks skipped)."""
    commands: dict[str, str] = {}
    for line in path.read_text().splitlines():
        match = _PROCFILE_LINE.match(line.strip())
        if match and not line.lstrip().startswith("#"):
            commands[match.group(1)] = match.group(2)
    return commands


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, interval: float = 0.1) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except requests.RequestException:
            pass
        time.sleep(interval)
    return False


@dataclass
class Stack:
    env: dict[str, str]
    log_dir: Path
    web_port: int
    rasa_port: int
    actions_port: int
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def start_process(
        self, name: str, line: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.Popen:
        """Start the Procfile's `line` (default: `name`) as process `name`, in its own process
        group (stop() signals the shell and the command together). `env`: variables of this
        process only, over the stack's (a second web on another PORT)."""
        command = procfile_commands()[line or name]
        return self._start(name, ["/bin/sh", "-c", command], env)

    def name_of(self, pid: int) -> str | None:
        """The process (name) whose group holds `pid`."""
        group = os.getpgid(pid)
        return next((n for n, p in self.processes.items() if p.pid == group), None)

    def _start(
        self, name: str, command: list[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen:
        environment = {**self.env, **(env or {})}
        with open(self.log_dir / f"{name}.log", "ab") as log:  # the child keeps its own copy
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env={
                    **environment,
                    "PATH": f"{VENV_BIN}{os.pathsep}{environment.get('PATH', '')}",
                },
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[name] = process
        return process

    def start_rasa(self, timeout: float = 240.0) -> None:
        self.start_process("rasa")
        if not wait_until(self.rasa_has_model, timeout, interval=0.5):
            raise RuntimeError("Rasa did not load its model in time:\n" + self.tail("rasa"))

    def rasa_has_model(self) -> bool:
        status = requests.get(f"{self.rasa_url}/status", timeout=2).json()
        return bool(status.get("model_file") or status.get("fingerprint"))

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def start_worker(self, name: str) -> subprocess.Popen:
        return self.start_process(name, "worker")

    def start(self) -> None:
        """Every Procfile line once (the worker twice); Rasa last, waiting for its model."""
        lines = procfile_commands()
        for line in lines:
            if line == "rasa":
                continue
            if line == "worker":
                self.start_worker("worker-1")
                self.start_worker("worker-2")
            else:
                self.start_process(line)
        self.start_rasa()
        if not wait_until(self.ready, 60, interval=0.5):
            raise RuntimeError(
                "the stack is not ready: " + requests.get(f"{self.web_url}/readyz", timeout=5).text
            )

    def ready(self) -> bool:
        return requests.get(f"{self.web_url}/readyz", timeout=5).status_code == 200

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def tail(self, name: str, lines: int = 40) -> str:
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def stack_content(stack: Stack) -> ContentRepository:
    """The running stack's content in SQL, as the console changes it."""
    client = redis.Redis.from_url(stack.env["REDIS_URL"], decode_responses=True)
    sessions = make_sessionmaker(make_engine(stack.env["DATABASE_URL"]))
    return ContentRepository(sessions, client, Keys(stack.env["REDIS_PREFIX"]))
