"""The README's first command, run as a user runs it: `make run` starts every Procfile
process, they stay up, a signed message is answered, the console login it prints works, and
Ctrl-C stops everything within 10 s leaving no process behind. `make bench` starts and prints
its first figure.

Each runs from a temporary copy of the environment: own Redis prefix, own SQLite file, free
ports, development mode as `make run` sets it.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests

from bot.core.settings import DEVELOPMENT_DEFAULTS
from tests.support.environment import REDIS_URL, delete_prefix
from tests.support.stack import ROOT, free_port, procfile_commands, wait_until
from tests.support.twilio_payloads import WHATSAPP_HOLA, sign

pytestmark = pytest.mark.stack

ALIVE_SECONDS = 60
STOP_SECONDS = 10


def user_environment(tmp_path: Path, prefix: str) -> dict[str, str]:
    """A copy of this environment as a user's shell would have it for `make run`: nothing of
    the test session's make (MAKEFLAGS) and its own Redis prefix, database and ports."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    for name in list(env):
        if name.startswith(("TWILIO_", "ALMAS_", "RASA_", "ACTION_SERVER", "NLG_", "PUBLIC_")):
            del env[name]
    env.update(
        REDIS_URL=REDIS_URL,
        REDIS_PREFIX=prefix,
        DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}",
        RASA_URL=f"http://127.0.0.1:{free_port()}",
        ACTION_SERVER_URL=f"http://127.0.0.1:{free_port()}",
    )
    return env


@dataclass
class Started:
    process: subprocess.Popen
    output: Path

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.text().splitlines()[-lines:])


def start_make(target: str, env: dict[str, str], tmp_path: Path, *args: str) -> Started:
    output = tmp_path / f"make-{target}.log"
    with open(output, "wb") as log:
        process = subprocess.Popen(
            ["make", target, *args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, like a terminal's foreground job
        )
    return Started(process, output)


def descendants(pid: int) -> set[int]:
    """Every process below `pid` now (through /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def redis_prefix(redis_client: redis.Redis) -> Iterator[str]:
    prefix = "almasfront" + uuid.uuid4().hex[:8]
    yield prefix
    delete_prefix(redis_client, prefix)


def test_make_run_starts_every_procfile_process_answers_and_stops_on_ctrl_c(
    tmp_path: Path, redis_prefix: str
) -> None:
    port = free_port()
    env = user_environment(tmp_path, redis_prefix)
    run = start_make("run", env, tmp_path, f"PORT={port}")
    base = f"http://127.0.0.1:{port}"
    started_at = time.monotonic()
    pids: set[int] = set()
    try:
        assert wait_until(
            lambda: requests.get(f"{base}/readyz", timeout=2).status_code == 200, 300, 1
        ), "never ready:\n" + run.tail()
        text = run.text()
        # It says where the simulator is, and how to log in to the console, next to each other.
        assert f"Simulator: {base}/simulator/" in text
        login = re.search(r"Console: +(\S+) +user (\S+) +password (\S+)", text)
        assert login is not None, run.tail()

        # One signed message, as Twilio sends it, answered through the real path.
        number = "+15550" + str(uuid.uuid4().int)[:6]
        form = {**WHATSAPP_HOLA, "From": f"whatsapp:{number}", "WaId": number[1:],
                "MessageSid": "SM" + uuid.uuid4().hex}  # fmt: skip
        url = f"{base}/twilio/messages"
        signature = sign(url, form, DEVELOPMENT_DEFAULTS["TWILIO_AUTH_TOKEN"])
        posted = requests.post(url, data=form, headers={"X-Twilio-Signature": signature},
                               timeout=10)  # fmt: skip
        assert posted.status_code == 200, posted.text

        def replies() -> list[dict]:
            got = requests.get(f"{base}/simulator/messages",
                               params={"address": f"whatsapp:{number}"}, timeout=5)  # fmt: skip
            return got.json()["messages"]

        assert wait_until(lambda: len(replies()) >= 1, 120, 0.5), "no reply:\n" + run.tail()

        # And as a newcomer would: from the simulator page, as an SMS participant.
        sms_number = "+15550" + str(uuid.uuid4().int)[:6]
        page_message = {"channel": "sms", "number": sms_number, "text": "hola"}
        sent = requests.post(f"{base}/simulator/send", json=page_message, timeout=10)
        assert sent.status_code == 200 and sent.json()["webhook_status"] == 200

        def simulator_replies() -> list[dict]:
            got = requests.get(f"{base}/simulator/messages", params={"address": sms_number},
                               timeout=5)  # fmt: skip
            return got.json()["messages"]

        assert wait_until(lambda: len(simulator_replies()) >= 1, 120, 0.5), run.tail()
        assert "ACEPTO" in " ".join(m["body"] for m in simulator_replies())  # the notice, Spanish

        # The printed login opens the console.
        console = requests.Session()
        page = console.get(login.group(1) + "login", timeout=5)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf is not None
        entered = console.post(
            login.group(1) + "login",
            data={"csrf": csrf.group(1), "email": login.group(2), "password": login.group(3)},
            timeout=10,
        )
        assert entered.status_code == 200 and "/console/login" not in entered.url

        # Every Procfile line started, and none has stopped a minute later.
        time.sleep(max(0.0, ALIVE_SECONDS - (time.monotonic() - started_at)))
        assert run.process.poll() is None, "make run ended:\n" + run.tail()
        text = run.text()
        for name in procfile_commands():
            assert re.search(rf"^\S* ?system\s+\| {name}\.1 started", text, re.MULTILINE), (
                f"{name} never started:\n" + run.tail()
            )
        assert not re.search(r"\| \S+\.1 stopped", text), "a process stopped:\n" + run.tail()
        pids = descendants(run.process.pid)
        assert len(pids) >= len(procfile_commands())
    finally:
        # Ctrl-C: SIGINT to the foreground process group (make and honcho).
        pids |= descendants(run.process.pid)
        os.killpg(run.process.pid, signal.SIGINT)
        stop_began = time.monotonic()
        try:
            run.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            pass
        while any(alive(p) for p in pids) and time.monotonic() - stop_began < STOP_SECONDS:
            time.sleep(0.1)
        left = sorted(p for p in pids if alive(p))
        stopped_in = time.monotonic() - stop_began
        for pid in left:  # never leave a stray Rasa behind, even when the test fails
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    assert left == [], f"still running {stopped_in:.1f} s after Ctrl-C: {left}\n" + run.tail()
    assert run.process.returncode is not None


def bench_web_servers() -> set[int]:
    """The gunicorn processes the webhook benchmark starts (2 workers x 8 threads)."""
    found = set()
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(part.endswith(b"gunicorn") for part in cmdline) and b"8" in cmdline:
            found.add(int(proc.name))
    return found


def test_make_bench_starts_and_prints_its_first_figure(tmp_path: Path, redis_prefix: str) -> None:
    """…and stopped, leaves nothing behind (its gunicorn used to outlive it)."""
    env = user_environment(tmp_path, redis_prefix)
    before = bench_web_servers()
    bench = start_make("bench", env, tmp_path)
    try:
        assert wait_until(
            lambda: bench.process.poll() is None and re.search(r"p95=[\d.]+ ms", bench.text()),
            180,
            0.5,
        ), "no figure:\n" + bench.tail()
    finally:
        os.killpg(bench.process.pid, signal.SIGTERM)
        try:  # the benchmark stops its server (up to 20 s each, bench/common.py) first
            bench.process.wait(timeout=45)
        except subprocess.TimeoutExpired:
            os.killpg(bench.process.pid, signal.SIGKILL)
    assert "ModuleNotFoundError" not in bench.text()
    assert wait_until(lambda: bench_web_servers() <= before, 30, 0.2), (
        f"the benchmark's web server outlived it: {bench_web_servers() - before}"
    )
