"""The outbox against the local Twilio-compatible endpoint: retries, order, permanent failures,
and never twice: an attempt that timed out after Twilio accepted it is found, not resent."""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.channels.twilio.send import TwilioGateway
from bot.core.keys import shard_of
from bot.core.messages import OutboundMessage
from bot.core.settings import load_settings
from bot.outbound.delivery import uncertain_since
from bot.outbound.sender import STOP, OutboxSender
from bot.queue.backoff import backoff_seconds
from bot.runtime import Runtime
from bot.store.transcript import outbound_message, transcript
from tests.support.environment import AUTH_TOKEN, base_environment
from tests.support.twilio_endpoint import Fault, TwilioEndpoint
from tests.support.twilio_payloads import sign
from tests.support.worker import make_due
from webhooks.app import create_app

# Redis-facing: also on a local Redis Cluster (issue 13, item 12).
pytestmark = pytest.mark.cluster_too

SHE = "p_outbox"
CLIENT_TIMEOUT = 0.5  # seconds: the sender gives up on Twilio's answer after this
LATE = 1.5  # seconds: a "late answer" comes after the client gave up


@pytest.fixture
def number() -> str:
    """A number of this test's own: the local Twilio endpoint lives for the whole session."""
    return "+57300" + str(uuid.uuid4().int)[:7]


@pytest.fixture
def sender(runtime: Runtime, twilio: TwilioEndpoint) -> Iterator[OutboxSender]:
    settings = dataclasses.replace(
        runtime.settings,
        twilio_api_url=twilio.base_url,
        twilio_timeout_seconds=CLIENT_TIMEOUT,
        outbox_reconcile_wait_seconds=0.0,  # the local endpoint's list is consistent at once
    )
    runtime.settings = settings
    with twilio.lock:
        twilio.faults.clear()
    yield OutboxSender(runtime)


def queue(runtime: Runtime, to: str, *bodies: str, channel: str = "sms") -> list[OutboundMessage]:
    messages = [OutboundMessage(participant=SHE, channel=channel, to=to, body=b) for b in bodies]
    runtime.outbox.enqueue(SHE, [m.to_json() for m in messages])
    return messages


def run_until_idle(sender: OutboxSender, rounds: int = 50) -> None:
    """Drive the sender by hand (no sleeping loop): claim what is due, send, repeat."""
    for _ in range(rounds):
        lease = sender.rt.outbox.claim(5)
        if lease is None:
            return
        sender.work_on(lease)


def expire_lease(runtime: Runtime, participant: str) -> None:
    """As if her sender had stopped renewing its lease long ago."""
    runtime.redis.zadd(runtime.keys.active("outbox", shard_of(participant)), {participant: 0})


def retry_now(runtime: Runtime) -> None:
    """Make delayed retries due at once (the backoff itself is tested elsewhere)."""
    make_due(runtime, "outbox")


def test_replies_go_out_in_order_from_the_channels_sender(
    sender: OutboxSender, runtime: Runtime, twilio: TwilioEndpoint, number: str
) -> None:
    queue(runtime, number, "uno", "dos", "tres")
    run_until_idle(sender)
    sent = twilio.to(number)
    assert [s.body for s in sent] == ["uno", "dos", "tres"]
    assert {s.from_ for s in sent} == {runtime.settings.twilio_sms_from}


def test_whatsapp_goes_from_the_whatsapp_sender(
    sender: OutboxSender, runtime: Runtime, twilio: TwilioEndpoint, number: str
) -> None:
    queue(runtime, "whatsapp:" + number, "hola", channel="whatsapp")
    run_until_idle(sender)
    [sent] = twilio.to("whatsapp:" + number)
    assert sent.from_ == runtime.settings.twilio_whatsapp_from


def test_messaging_service_is_used_for_sms_when_configured(
    sender: OutboxSender, runtime: Runtime, twilio: TwilioEndpoint, number: str
) -> None:
    sender.settings = dataclasses.replace(
        runtime.settings, twilio_messaging_service_sid="MG" + "3" * 32
    )
    sender.gateway.settings = sender.settings
    queue(runtime, number, "hola")
    run_until_idle(sender)
    [sent] = twilio.to(number)
    assert (sent.from_, sent.messaging_service_sid) == ("", "MG" + "3" * 32)


@pytest.mark.parametrize(
    "fault",
    [Fault(500, 20500), Fault(503, 20503), Fault(429, 20429), Fault(400, 63018)],
    ids=["500", "503", "429", "63018 whatsapp rate limit"],
)
def test_retryable_failures_are_retried_and_sent_exactly_once_in_order(
    sender: OutboxSender, runtime: Runtime, twilio: TwilioEndpoint, fault: Fault, number: str
) -> None:
    twilio.inject(fault, fault)
    queue(runtime, number, "primero", "segundo")
    for _ in range(5):
        run_until_idle(sender)
        retry_now(runtime)
    assert [s.body for s in twilio.to(number)] == ["primero", "segundo"]


def test_network_error_is_retried(
    sender: OutboxSender, runtime: Runtime, twilio: TwilioEndpoint, number: str
) -> None:
    sender.gateway.client.api.base_url = "http://127.0.0.1:9"  # nothing listens there
    queue(runtime, number, "hola")
    run_until_idle(sender)
    assert runtime.outbox.pending(SHE) != []
    sender.gateway.client.api.base_url = twilio.base_url
    retry_now(runtime)
    run_until_idle(sender)
    assert [s.body for s in twilio.to(number)] == ["hola"]


def test_permanent_failure_is_recorded_with_twilios_code_and_the_next_goes_on(
    sender: OutboxSender, runtime: Runtime, twilio: TwilioEndpoint, number: str
) -> None:
    twilio.inject(Fault(400, 21211, "Invalid 'To' Phone Number"))
    first, _ = queue(runtime, number, "no llega", "sí llega")
    run_until_idle(sender)
    assert [s.body for s in twilio.to(number)] == ["sí llega"]
    rows = {m.outbox_id: m for m in transcript(runtime.sessions, SHE)}
    assert (rows[first.id].status, rows[first.id].error_code) == ("failed", 21211)


def test_retries_are_bounded_and_end_in_the_dead_letters(
    sender: OutboxSender, runtime: Runtime, twilio: TwilioEndpoint, number: str
) -> None:
    sender.settings = dataclasses.replace(sender.settings, outbox_max_attempts=3)
    twilio.inject(*[Fault(500, 20500)] * 3)
    [message] = queue(runtime, number, "hola")
    for _ in range(4):
        run_until_idle(sender)
        retry_now(runtime)
    assert twilio.to(number) == []
    [dead] = runtime.outbox.deadletters()
    assert message.id in dead.item and "500" in dead.reason
    row = {m.outbox_id: m for m in transcript(runtime.sessions, SHE)}[message.id]
    assert (row.status, row.error_code) == ("failed", 20500)


def test_sender_loop_stops_on_request(sender: OutboxSender) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=sender.run, args=(stop,))
    thread.start()
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()


def test_a_template_goes_as_content_sid_not_as_body(
    sender: OutboxSender, runtime: Runtime, twilio: TwilioEndpoint, number: str
) -> None:
    message = OutboundMessage(
        participant=SHE, channel="whatsapp", to="whatsapp:" + number, body="(plantilla)",
        content_sid="HX" + "1" * 32,
    )  # fmt: skip
    runtime.outbox.enqueue(SHE, [message.to_json()])
    run_until_idle(sender)
    [sent] = twilio.to("whatsapp:" + number)
    assert (sent.content_sid, sent.body) == ("HX" + "1" * 32, "")


# -- never twice: ambiguous failures are reconciled ------------------------------------------
def drain_with_retries(sender: OutboxSender, runtime: Runtime, rounds: int = 12) -> None:
    for _ in range(rounds):
        run_until_idle(sender)
        retry_now(runtime)


def test_backoff_is_exponential_with_jitter() -> None:
    draws = [backoff_seconds(4) for _ in range(200)]
    assert all(0.5 <= d <= 8.0 for d in draws)
    assert len({round(d, 3) for d in draws}) > 100  # spread out, not one fixed delay
    assert max(backoff_seconds(30) for _ in range(50)) <= 60.0  # capped


def test_every_send_asks_for_status_callbacks_with_its_outbox_id(
    sender: OutboxSender, runtime: Runtime, twilio: TwilioEndpoint, number: str
) -> None:
    [message] = queue(runtime, number, "hola")
    run_until_idle(sender)
    [sent] = twilio.to(number)
    expected = f"{runtime.settings.public_base_url}/twilio/status?outbox_id={message.id}"
    assert sent.status_callback == expected


def test_accepted_then_timed_out_is_found_at_twilio_and_not_sent_again(
    sender: OutboxSender, runtime: Runtime, twilio: TwilioEndpoint, number: str
) -> None:
    twilio.inject(Fault.late_answer(LATE))
    first, _ = queue(runtime, number, "primero", "segundo")
    run_until_idle(sender)
    assert uncertain_since(runtime, first) is not None  # no answer: maybe sent, maybe not
    assert runtime.outbox.pending(SHE) != []
    lists_before = twilio.list_requests
    drain_with_retries(sender, runtime)
    sent = twilio.to(number)
    assert [s.body for s in sent] == ["primero", "segundo"]  # the endpoint got it ONCE
    assert twilio.list_requests > lists_before  # it looked in Twilio's list
    row = outbound_message(runtime.sessions, first.id)
    assert row.twilio_sid == sent[0].sid  # committed with the SID Twilio gave it
    assert uncertain_since(runtime, first) is None


def test_timeout_before_twilio_created_it_sends_it_again_once(
    sender: OutboxSender, runtime: Runtime, twilio: TwilioEndpoint, number: str
) -> None:
    twilio.inject(Fault(500, 20500, delay=LATE))  # times out, and Twilio created nothing
    first, _ = queue(runtime, number, "primero", "segundo")
    drain_with_retries(sender, runtime)
    sent = twilio.to(number)
    assert [s.body for s in sent] == ["primero", "segundo"]
    assert outbound_message(runtime.sessions, first.id).twilio_sid == sent[0].sid


def test_an_identical_earlier_message_is_not_taken_for_the_uncertain_one(
    sender: OutboxSender, runtime: Runtime, twilio: TwilioEndpoint, number: str
) -> None:
    """A menu sent twice: the first copy at Twilio belongs to the first entry."""
    [earlier] = queue(runtime, number, "1. Sí\n2. No")
    run_until_idle(sender)
    twilio.inject(Fault(500, 20500, delay=LATE))
    [again] = queue(runtime, number, "1. Sí\n2. No")
    drain_with_retries(sender, runtime)
    sent = twilio.to(number)
    assert [s.body for s in sent] == ["1. Sí\n2. No", "1. Sí\n2. No"]
    sids = {outbound_message(runtime.sessions, m.id).twilio_sid for m in (earlier, again)}
    assert sids == {s.sid for s in sent}


def test_a_status_callback_settles_an_uncertain_send_without_asking_the_list(
    sender: OutboxSender, runtime: Runtime, twilio: TwilioEndpoint, number: str
) -> None:
    twilio.inject(Fault.late_answer(LATE))
    [message] = queue(runtime, number, "hola")
    run_until_idle(sender)
    [accepted] = twilio.to(number)
    # Twilio reports on the message it created, before the outbox tries again.
    web = create_app(runtime.settings, runtime).test_client()
    query = f"?outbox_id={message.id}"
    form = twilio.status_form(accepted, "delivered", None)
    url = runtime.settings.public_base_url + "/twilio/status" + query
    answer = web.post(
        "/twilio/status" + query,
        data=form,
        headers={"X-Twilio-Signature": sign(url, form, AUTH_TOKEN)},
    )
    assert answer.status_code == 200
    lists_before = twilio.list_requests
    drain_with_retries(sender, runtime)
    assert [s.body for s in twilio.to(number)] == ["hola"]
    assert twilio.list_requests == lists_before
    row = outbound_message(runtime.sessions, message.id)
    assert (row.twilio_sid, row.status) == (accepted.sid, "delivered")


def test_every_reply_is_delivered_exactly_once_and_in_order_through_mixed_faults(
    sender: OutboxSender, runtime: Runtime, twilio: TwilioEndpoint, number: str
) -> None:
    twilio.inject(
        Fault(500, 20500),
        Fault.late_answer(LATE),
        Fault(429, 20429),
        Fault(503, 20503, delay=LATE),
        Fault.late_answer(LATE),
        Fault(400, 63018),
    )
    bodies = [f"respuesta {i}" for i in range(6)]
    messages = queue(runtime, number, *bodies)
    drain_with_retries(sender, runtime, rounds=20)
    sent = twilio.to(number)
    assert [s.body for s in sent] == bodies
    assert runtime.outbox.pending(SHE) == [] and runtime.outbox.deadletters() == []
    assert [outbound_message(runtime.sessions, m.id).twilio_sid for m in messages] == [
        s.sid for s in sent
    ]


def test_the_send_timeout_is_a_setting(prefix: str, migrated_sqlite_url: str) -> None:
    env = base_environment(prefix, migrated_sqlite_url, TWILIO_TIMEOUT_SECONDS="2.5")
    gateway = TwilioGateway(load_settings(environ=env))
    assert gateway.client.http_client.timeout == 2.5


def test_the_local_endpoint_lists_messages_like_twilio(
    sender: OutboxSender, runtime: Runtime, twilio: TwilioEndpoint, number: str
) -> None:
    queue(runtime, number, "uno", "dos")
    run_until_idle(sender)
    client = sender.gateway.client
    listed = client.messages.list(to=number, limit=10)
    assert [m.body for m in listed] == ["dos", "uno"]  # newest first
    assert all(m.date_created is not None and m.direction == "outbound-api" for m in listed)
    later = listed[0].date_created + timedelta(days=1)
    assert client.messages.list(to=number, date_sent_after=later, limit=10) == []


# -- issue 13, defects 1 and 2: never sent twice when a sender loses her or dies ------------


def test_a_sender_whose_clock_runs_ahead_cannot_take_over_a_live_lease(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, number: str
) -> None:
    """Lease expiry is Redis's clock, not the client's (a sender 21 s ahead took it over)."""
    import bot.queue.mailbox as mailbox

    queue(runtime, number, "hola")
    first = runtime.outbox.claim(20)
    assert first is not None
    real = time.time
    monkeypatch.setattr(mailbox.time, "time", lambda: real() + 21)
    assert runtime.outbox.claim(20) is None


def test_a_sender_that_lost_her_lease_never_calls_twilio_for_her(
    sender: OutboxSender, runtime: Runtime, twilio: TwilioEndpoint, number: str
) -> None:
    queue(runtime, number, "hola")
    stale = runtime.outbox.claim(5)
    assert stale is not None
    head = runtime.outbox.peek(SHE)
    # Paused past its lease (GC, VM stall): another sender takes her.
    expire_lease(runtime, SHE)
    fresh = runtime.outbox.claim(5)
    assert fresh is not None and fresh.token != stale.token
    requests_before = twilio.requests
    assert sender.handle(stale, head) == STOP
    assert twilio.requests == requests_before  # Twilio never called by the stale sender
    sender.handle(fresh, head)
    assert [s.body for s in twilio.to(number)] == ["hola"]


def test_a_sender_that_lost_her_lease_while_twilio_answered_does_not_resend_it(
    sender: OutboxSender, runtime: Runtime, twilio: TwilioEndpoint, number: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    queue(runtime, number, "hola", "¿sigues ahí?")
    stale = runtime.outbox.claim(5)
    assert stale is not None
    original_send = sender.gateway.send

    def send_then_lose_her(message):  # type: ignore[no-untyped-def]
        result = original_send(message)
        expire_lease(runtime, SHE)  # her lease expires…
        runtime.outbox.claim(5)  # …and another sender takes her meanwhile
        return result

    monkeypatch.setattr(sender.gateway, "send", send_then_lose_her)
    sender.work_on(stale)  # sends "hola" once, cannot commit, stops
    monkeypatch.setattr(sender.gateway, "send", original_send)
    expire_lease(runtime, SHE)  # the new holder "dies" too
    drain_with_retries(sender, runtime)
    assert [s.body for s in twilio.to(number)] == ["hola", "¿sigues ahí?"]  # once each


def test_a_crash_after_twilio_accepted_before_the_commit_is_not_sent_twice(
    sender: OutboxSender, runtime: Runtime, twilio: TwilioEndpoint, number: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    queue(runtime, number, "hola")
    lease = runtime.outbox.claim(5)
    assert lease is not None

    def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise SystemExit("killed between Twilio's answer and the commit")

    monkeypatch.setattr(sender, "_sent", crash)
    with pytest.raises(SystemExit):
        sender.handle(lease, runtime.outbox.peek(SHE))
    monkeypatch.undo()
    expire_lease(runtime, SHE)  # the dead sender's lease ends
    drain_with_retries(OutboxSender(runtime), runtime)
    assert [s.body for s in twilio.to(number)] == ["hola"]  # reconciled, not sent again
    assert runtime.outbox.pending(SHE) == []
