"""Metrics (bot/core/metrics.py, bot/ops/metrics.py): what the processes count, and label
hygiene — no phone number, participant or id ever becomes a label, whatever Twilio answers."""

from __future__ import annotations

import dataclasses
import os
import re
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.conversation.rasa_client import RasaClient, RasaError, RasaTimeout, RasaUnavailable
from bot.conversation.worker import ConversationWorker
from bot.core import metrics
from bot.core.identity import participant_id
from bot.core.messages import BotReply, OutboundMessage
from bot.core.settings import DEFAULT_METRICS_DIR, share_metrics_directory
from bot.ops.metrics import exposition
from bot.outbound.sender import OutboxSender
from bot.queue.consumer import MailboxConsumer
from bot.runtime import Runtime
from tests.support.metrics import Scrape
from tests.support.twilio_endpoint import Fault, TwilioEndpoint
from tests.support.worker import ScriptedRasa, she_writes

DIGIT_RUN = re.compile(r"\d{7,}")


def scrape(runtime: Runtime) -> Scrape:
    return Scrape(exposition(runtime)[0].decode())


def drain(consumer: MailboxConsumer, rounds: int = 20) -> None:
    """Claim and work until nothing is due (retries are due at once: see `no_backoff`)."""
    for _ in range(rounds):
        lease = consumer.queue.claim(5)
        if lease is None:
            return
        consumer.work_on(lease)


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """A failed item is due again at once (the backoff itself is tested elsewhere)."""
    monkeypatch.setattr("bot.outbound.sender.backoff_seconds", lambda attempts: 0.0)
    monkeypatch.setattr("bot.conversation.worker.backoff_seconds", lambda attempts: 0.0)


@pytest.fixture
def sender(runtime: Runtime, twilio: TwilioEndpoint, no_backoff: None) -> OutboxSender:
    runtime.settings = dataclasses.replace(
        runtime.settings, twilio_api_url=twilio.base_url, outbox_reconcile_wait_seconds=0.0
    )
    with twilio.lock:
        twilio.faults.clear()
    return OutboxSender(runtime)


def test_a_send_failure_for_her_leaves_no_number_or_id_in_any_label(
    sender: OutboxSender, runtime: Runtime, twilio: TwilioEndpoint
) -> None:
    number = "+57300" + str(uuid.uuid4().int)[:7]
    she = participant_id(runtime.settings.participant_id_key, number)
    before = scrape(runtime)
    # Twilio's error text names her number; one "code" is shaped like a phone number.
    twilio.inject(
        Fault(400, 21211, f"The 'To' number {number} is not a valid phone number"),
        Fault(500, 3001234567, f"upstream error for {number}"),
    )
    entries = [OutboundMessage(participant=she, channel="sms", to=number, body=b) for b in "ab"]
    runtime.outbox.enqueue(she, [e.to_json() for e in entries])
    drain(sender)

    after = scrape(runtime)
    sends = "almas_sends_total"
    # The failures did happen and were counted (else this test would prove nothing).
    assert after.value(sends, result="failed", error_code="21211") == (
        before.value(sends, result="failed", error_code="21211") + 1
    )
    assert after.value(sends, result="retry", error_code="other") == (
        before.value(sends, result="retry", error_code="other") + 1
    )
    assert after.value(sends, result="sent", error_code="") > before.value(
        sends, result="sent", error_code=""
    )
    for name, labels, _ in after.samples():
        for label, value in labels.items():
            assert not DIGIT_RUN.search(value), f"{name} {label}={value!r} looks like a number"
            assert she not in value and not value.startswith("out_"), f"{name} {label}={value!r}"
    for secret in (she, number, number.lstrip("+"), *(e.id for e in entries)):
        assert secret not in after.text


def test_error_code_labels_are_twilios_five_digits_or_nothing() -> None:
    assert metrics.error_code_label(21211) == "21211"
    assert metrics.error_code_label(None) == ""
    for odd in (3001234567, 573001234567, -1, 123, "21211", True, 21211.0):
        assert metrics.error_code_label(odd) == "other"


def test_label_values_outside_their_sets_become_other() -> None:
    assert metrics.channel_label("whatsapp:+573001234567") == "other"
    assert metrics.channel_label("sms") == "sms"
    assert metrics._one_of("p_0123456789abcdef", metrics.QUEUES) == "other"


class _Rasa(BaseHTTPRequestHandler):
    """Rasa's REST channel in three moods, chosen by the sender id."""

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        sender = self.rfile.read(length).decode()
        if '"slow"' in sender:
            time.sleep(1.0)
        status, body = (500, b"boom") if '"broken"' in sender else (200, b"[]")
        try:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up (the timeout case)


@pytest.fixture
def rasa_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Rasa)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_rasa_calls_are_timed_by_outcome_ok_error_and_timeout(
    runtime: Runtime, rasa_url: str
) -> None:
    client = RasaClient(rasa_url, timeout=0.3)
    before = scrape(runtime)
    assert client.send("fine", "hola") == []
    with pytest.raises(RasaError):
        client.send("broken", "hola")
    with pytest.raises(RasaTimeout):
        client.send("slow", "hola")
    with pytest.raises(RasaUnavailable):
        RasaClient("http://127.0.0.1:9", timeout=0.3).send("anyone", "hola")
    after = scrape(runtime)
    count = "almas_rasa_request_seconds_count"
    grew = {
        outcome: after.value(count, outcome=outcome) - before.value(count, outcome=outcome)
        for outcome in ("ok", "error", "timeout")
    }
    assert grew == {"ok": 1, "error": 2, "timeout": 1}


def test_the_worker_counts_answered_turns_retries_and_dead_letters(
    runtime: Runtime, no_backoff: None
) -> None:
    runtime.settings = dataclasses.replace(runtime.settings, max_attempts=2)
    before = scrape(runtime)
    answered = ConversationWorker(runtime, rasa=ScriptedRasa([BotReply(text="¡Hola!")]))
    she_writes(runtime, "hola", "SM" + uuid.uuid4().hex, sender="+573001110001")
    drain(answered)
    failing = ConversationWorker(runtime, rasa=ScriptedRasa(RuntimeError("Rasa broke")))
    she_writes(runtime, "hola otra vez", "SM" + uuid.uuid4().hex, sender="+573001110002")
    drain(failing)
    after = scrape(runtime)

    def grew(name: str, **labels: str) -> float:
        return after.value(name, **labels) - before.value(name, **labels)

    assert grew("almas_turns_total") == 1
    assert grew("almas_retries_total", queue="inbox") == 1
    assert grew("almas_deadletters_total", queue="inbox") == 1
    assert after.value("almas_queue_deadletters", queue="inbox") == 1


def test_the_metrics_directory_has_one_default() -> None:
    assert metrics.DEFAULT_DIRECTORY == DEFAULT_METRICS_DIR


def test_the_metrics_directory_is_read_from_dotenv_and_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    wanted = tmp_path / "not" / "yet"
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"PROMETHEUS_MULTIPROC_DIR={wanted}\n")
    assert share_metrics_directory(dotenv) == wanted
    assert wanted.is_dir()
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(wanted)


def test_gunicorn_lets_go_of_a_dead_workers_live_gauges_and_keeps_its_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from webhooks import gunicorn_conf

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    live, counts = tmp_path / "gauge_livesum_424242.db", tmp_path / "counter_424242.db"
    live.write_bytes(b"")
    counts.write_bytes(b"")
    gunicorn_conf.child_exit(None, SimpleNamespace(pid=424242))
    assert not live.exists()
    assert counts.exists()
