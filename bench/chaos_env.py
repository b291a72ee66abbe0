"""What the chaos run (bench/chaos.py) stands on: a Redis server of its own (AOF on, restartable
on the same port and directory), a PostgreSQL database of its own (created, migrated, dropped),
and the whole stack started from the Procfile (tests/support/stack.py) against both."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.store.db import upgrade
from tests.support.environment import POSTGRES_URL, SUPERVISOR_ALERT_TO, base_environment
from tests.support.stack import ROOT, Stack, free_port, wait_until

# The web twice (two gunicorn processes on two ports), the worker three times, the sender
# twice, and every other Procfile line once: name -> Procfile line.
WEBS = ("web-1", "web-2")
WORKERS = ("worker-1", "worker-2", "worker-3")
SENDERS = ("sender-1", "sender-2")
SINGLES = ("actions", "scheduler")


class RedisServer:
    """A redis-server of the run's own on a free loopback port, persisting with AOF in `directory`.

    Automatic AOF rewrites are off (`auto-aof-rewrite-percentage 0`), so the append-only log
    keeps every write of the run, from the first: the checks read from it which outbox entries
    were queued for which message (bench/chaos_checks.py). RDB snapshots are off (`save ""`).
    """

    def __init__(self, directory: Path, port: int | None = None) -> None:
        self.directory = directory
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        self.log = directory / "redis.log"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        return [
            "redis-server",
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--dir", str(self.directory),
            "--save", "",
            "--auto-aof-rewrite-percentage", "0",
            "--logfile", str(self.log),
        ]  # fmt: skip

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=5, decode_responses=True)

    def start(self, timeout: float = 20.0) -> None:
        self.process = subprocess.Popen(
            self.command(),
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        client = self.client()
        try:
            if not wait_until(lambda: self._pings(client), timeout, interval=0.05):
                raise RuntimeError(f"redis-server on port {self.port} did not start: {self.tail()}")
        finally:
            client.close()

    @staticmethod
    def _pings(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    def shutdown(self, timeout: float = 30.0) -> None:
        """SHUTDOWN (the AOF is flushed and fsynced), then wait for the process to end."""
        if self.process is None or self.process.poll() is not None:
            return
        client = self.client()
        try:
            client.shutdown()
        except redis.RedisError:
            pass
        finally:
            client.close()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def restart(self) -> float:
        """Shut down and start again on the same port and directory; returns seconds down."""
        began = time.monotonic()
        self.shutdown()
        self.start()
        return time.monotonic() - began

    def aof_files(self) -> list[Path]:
        """The append-only log's incremental files, in order (Redis 7's multi-part AOF: the
        manifest lists them; the base file holds the state at start, which was empty)."""
        aof_dir = self.directory / "appendonlydir"
        manifest = next(aof_dir.glob("*.manifest"), None)
        if manifest is None:
            return []
        files = []
        for line in manifest.read_text().splitlines():
            fields = dict(zip(line.split()[::2], line.split()[1::2], strict=False))
            if fields.get("type") == "i":
                files.append((int(fields.get("seq", 0)), aof_dir / fields["file"]))
        return [path for _, path in sorted(files)]

    def base_files(self) -> list[str]:
        manifest = next((self.directory / "appendonlydir").glob("*.manifest"), None)
        if manifest is None:
            return []
        return [line for line in manifest.read_text().splitlines() if "type b" in line]

    def tail(self, lines: int = 20) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def scratch_database(admin_url: str = POSTGRES_URL) -> Iterator[str]:
    """A PostgreSQL database of this run's own on the server of `admin_url` (whose user may
    create databases), migrated to head; dropped afterwards. Yields its URL."""
    name = "almas_chaos_" + uuid.uuid4().hex[:10]
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def stack_environment(
    redis_url: str, database_url: str, twilio_url: str, workdir: Path, **extra: str
) -> tuple[dict[str, str], dict[str, int]]:
    """Every process's environment (production mode, as deployed), and the ports."""
    ports = {"web-1": free_port(), "web-2": free_port(), "rasa": free_port()}
    ports["actions"] = free_port()
    web = f"http://127.0.0.1:{ports['web-1']}"
    metrics_dir = workdir / "metrics"
    metrics_dir.mkdir(exist_ok=True)
    env = {
        **os.environ,
        **base_environment("almaschaos", database_url),
        "REDIS_URL": redis_url,
        "TWILIO_API_URL": twilio_url,
        # Twilio signs against the public URL; both webs verify against it (a load balancer's
        # address in production). Status callbacks go to the first web.
        "PUBLIC_BASE_URL": web,
        "PORT": str(ports["web-1"]),
        "WEB_PORT": str(ports["web-1"]),
        "WEB_HOST": "127.0.0.1",
        "RASA_URL": f"http://127.0.0.1:{ports['rasa']}",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{ports['actions']}",
        "NLG_URL": f"{web}/nlg",
        "SUPERVISOR_ALERT_TO": SUPERVISOR_ALERT_TO,
        "SMS_TRANSLITERATE": "true",  # production's default
        # Metrics of this run only, in its own directory; production serves /metrics with a token.
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "METRICS_TOKEN": secrets.token_hex(16),
        "LOG_LEVEL": "INFO",
        **extra,
    }
    # Not inherited from whoever runs this: the run's own values only.
    for name in ("RASA_REDIS_URL", "REDIS_CLUSTER"):
        env.pop(name, None)
    return env, ports


def build_stack(env: dict[str, str], ports: dict[str, int], log_dir: Path) -> Stack:
    log_dir.mkdir(parents=True, exist_ok=True)
    return Stack(
        env=env,
        log_dir=log_dir,
        web_port=ports["web-1"],
        rasa_port=ports["rasa"],
        actions_port=ports["actions"],
    )


def start_stack(stack: Stack, ports: dict[str, int], rasa_timeout: float = 300.0) -> None:
    """Every process from its Procfile line: two webs, three workers, two senders, the action
    server, the scheduler, then Rasa (waiting for its model) and both webs ready."""
    for name in WEBS:
        stack.start_process(name, "web", env={"PORT": str(ports[name])})
    for name in WORKERS:
        stack.start_worker(name)
    for name in SENDERS:
        stack.start_process(name, "sender")
    for name in SINGLES:
        stack.start_process(name)
    stack.start_rasa(timeout=rasa_timeout)
    for name in WEBS:
        url = f"http://127.0.0.1:{ports[name]}/readyz"
        if not wait_until(lambda u=url: requests.get(u, timeout=5).status_code == 200, 90, 0.5):
            raise RuntimeError(f"{name} is not ready: " + requests.get(url, timeout=5).text)


# What the processes run: a file changed while the run goes on (others at work in the same
# tree) means that processes started after it (restarts) run other code than the rest.
CODE = ("bot", "webhooks", "flows", "content", "nlu", "Procfile", "models")


def code_snapshot() -> dict[str, float]:
    """Modification time of every file the stack runs (Python, YAML, the Procfile, models)."""
    snapshot: dict[str, float] = {}
    for name in CODE:
        root = ROOT / name
        paths = [root] if root.is_file() else root.rglob("*")
        for path in paths:
            if path.is_file() and "__pycache__" not in path.parts:
                snapshot[str(path.relative_to(ROOT))] = path.stat().st_mtime
    return snapshot


def code_changes(before: dict[str, float]) -> list[str]:
    after = code_snapshot()
    return sorted(
        path for path in before.keys() | after.keys() if before.get(path) != after.get(path)
    )


def rasa_endpoints_file(ports: dict[str, int]) -> Path:
    """What `almas rasa run` writes for its port (removed when the run ends)."""
    return ROOT / "var" / f"rasa-endpoints-{ports['rasa']}.yml"


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
