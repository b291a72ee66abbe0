"""GET /metrics through the Flask app: the shared state read from Redis (queue depths, dead
letters, tickets waiting), counts added up across processes, the webhook's ack timing, and
the token production asks for."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from bot.content.store import ContentStore
from bot.core import metrics
from bot.core.settings import Settings, load_settings
from bot.handoff.queue import NORMAL, URGENT
from bot.runtime import Runtime, build_runtime
from tests.support.environment import AUTH_TOKEN, base_environment
from tests.support.metrics import Scrape
from tests.support.twilio_payloads import SMS_HOLA, WHATSAPP_HOLA, sign, with_sid
from webhooks.app import create_app

TOKEN = "metrics-token-for-tests"


@pytest.fixture
def make_app(prefix: str, migrated_sqlite_url: str) -> Iterator:  # type: ignore[type-arg]
    """create_app on this test's Redis prefix, with settings changed as asked."""
    runtimes: list[Runtime] = []

    def make(**overrides: str) -> tuple[FlaskClient, Runtime]:
        settings = load_settings(environ=base_environment(prefix, migrated_sqlite_url, **overrides))
        rt = build_runtime(settings, content=ContentStore())
        runtimes.append(rt)
        return create_app(settings, rt).test_client(), rt

    yield make
    for rt in runtimes:
        rt.redis.close()
        rt.engine.dispose()


def scrape(client: FlaskClient) -> Scrape:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.data
    assert response.content_type.startswith("text/plain; version=0.0.4")
    return Scrape(response.get_data(as_text=True))


def test_the_scrape_shows_queue_depths_dead_letters_and_waiting_tickets(make_app) -> None:  # type: ignore[no-untyped-def]
    client, rt = make_app(METRICS_TOKEN=TOKEN)
    for she in ("p_one", "p_two", "p_three"):
        rt.inbox.enqueue(she, ['{"message_sid": "SM' + uuid.uuid4().hex + '"}'])
    held = rt.inbox.claim(30)  # one of them is being worked on
    assert held is not None
    rt.outbox.enqueue("p_four", ['{"id": "out_a"}', '{"id": "out_b"}'])
    dead = rt.outbox.claim(30)
    assert dead is not None
    rt.outbox.fail(dead, rt.outbox.peek(dead.participant) or "", "out_a", "gave up", 1)
    rt.handoff.open("p_one", "sms", "crisis", "needs help now", priority=URGENT)
    rt.handoff.open("p_two", "sms", "courses", "asks for a person", priority=NORMAL)
    rt.handoff.open("p_three", "whatsapp", "credit", "asks for a person", priority=NORMAL)
    time.sleep(1.1)

    seen = scrape(client)
    assert seen.value("almas_shared_state_up") == 1
    assert seen.value("almas_queue_participants", queue="inbox", state="ready") == 2
    assert seen.value("almas_queue_participants", queue="inbox", state="active") == 1
    assert seen.value("almas_queue_participants", queue="outbox", state="active") == 1
    assert seen.value("almas_queue_deadletters", queue="outbox") == 1
    assert seen.value("almas_queue_deadletters", queue="inbox") == 0
    assert seen.value("almas_handoff_waiting_tickets", priority="urgent") == 1
    assert seen.value("almas_handoff_waiting_tickets", priority="normal") == 2
    assert 1.0 <= seen.value("almas_handoff_oldest_waiting_seconds", priority="urgent") < 60
    # Two of them still wait for a worker, since before the 1.1 s sleep.
    assert 1.0 <= seen.value("almas_queue_oldest_waiting_seconds", queue="inbox") < 60


def test_the_scrape_says_when_redis_does_not_answer_and_still_serves_the_counts(
    make_app,  # type: ignore[no-untyped-def]
) -> None:
    client, _ = make_app(METRICS_TOKEN=TOKEN, REDIS_URL="redis://127.0.0.1:9/0")
    seen = scrape(client)
    assert seen.value("almas_shared_state_up") == 0
    assert "almas_turns_total" in seen.text
    assert "almas_queue_participants" not in seen.text


def test_a_scrape_adds_up_the_counts_of_every_process(make_app) -> None:  # type: ignore[no-untyped-def]
    client, _ = make_app(METRICS_TOKEN=TOKEN)
    before = scrape(client)
    other_process = (
        "from bot.core import metrics\n"
        "for _ in range(5): metrics.turn_answered()\n"
        "metrics.send_result(metrics.SENT)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", other_process], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    metrics.turn_answered()
    metrics.turn_answered()
    after = scrape(client)
    assert after.value("almas_turns_total") == before.value("almas_turns_total") + 7
    assert after.value("almas_sends_total", result="sent", error_code="") == (
        before.value("almas_sends_total", result="sent", error_code="") + 1
    )


def test_a_process_starts_when_its_metrics_directory_does_not_exist_yet(tmp_path: Path) -> None:
    missing = tmp_path / "metrics" / "not" / "made"
    done = subprocess.run(
        [sys.executable, "-c", "from bot.core import metrics; metrics.turn_answered()"],
        env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(missing)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert [p.name.split("_")[0] for p in missing.iterdir()] == ["counter"]


def post_signed(client: FlaskClient, settings: Settings, form: dict[str, str]):  # type: ignore[no-untyped-def]
    url = settings.public_base_url + "/twilio/messages"
    headers = {"X-Twilio-Signature": sign(url, form, AUTH_TOKEN)}
    return client.post("/twilio/messages", data=form, headers=headers)


def test_the_webhook_ack_is_timed_by_channel_and_outcome(make_app) -> None:  # type: ignore[no-untyped-def]
    client, rt = make_app(METRICS_TOKEN=TOKEN)
    count = "almas_webhook_ack_seconds_count"
    before = scrape(client)
    whatsapp = with_sid(WHATSAPP_HOLA, "SM" + uuid.uuid4().hex)
    assert post_signed(client, rt.settings, whatsapp).status_code == 200
    unsigned = with_sid(SMS_HOLA, "SM" + uuid.uuid4().hex)
    assert client.post("/twilio/messages", data=unsigned).status_code == 403
    after = scrape(client)
    for channel, outcome in (("whatsapp", "accepted"), ("sms", "rejected")):
        labels = {"channel": channel, "outcome": outcome}
        assert after.value(count, **labels) == before.value(count, **labels) + 1


def test_production_without_a_metrics_token_has_no_metrics(make_app) -> None:  # type: ignore[no-untyped-def]
    client, _ = make_app()
    assert client.get("/metrics").status_code == 404


def test_production_asks_for_the_metrics_token(make_app) -> None:  # type: ignore[no-untyped-def]
    client, _ = make_app(METRICS_TOKEN=TOKEN)
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")
    right = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert right.status_code == 200
    assert b"almas_turns_total" in right.data


def test_development_serves_metrics_without_a_token(make_app) -> None:  # type: ignore[no-untyped-def]
    client, _ = make_app(ALMAS_ENV="development")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert b"almas_queue_participants" in response.data


def test_a_scraper_asking_for_openmetrics_gets_openmetrics(make_app) -> None:  # type: ignore[no-untyped-def]
    client, _ = make_app(METRICS_TOKEN=TOKEN)
    response = client.get(
        "/metrics",
        headers={
            "Authorization": f"Bearer {TOKEN}",
            "Accept": "application/openmetrics-text; version=1.0.0",
        },
    )
    assert response.status_code == 200
    assert response.content_type.startswith("application/openmetrics-text")
    assert response.data.rstrip().endswith(b"# EOF")
