"""The outbox against the local Twilio-compatible endpoint: retries, order, permanent failures."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Iterator

import pytest

from bot.messages import OutboundMessage
from bot.outbox import OutboxSender
from bot.runtime import Runtime
from bot.storage import transcript
from tests.support.twilio_endpoint import Fault, TwilioEndpoint

SHE = "p_outbox"


@pytest.fixture
def number() -> str:
    """A number of this test's own: the local Twilio endpoint lives for the whole session."""
    return "+57300" + str(uuid.uuid4().int)[:7]


@pytest.fixture
def sender(runtime: Runtime, twilio: TwilioEndpoint) -> Iterator[OutboxSender]:
    settings = dataclasses.replace(runtime.settings, twilio_api_url=twilio.base_url)
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


def retry_now(runtime: Runtime) -> None:
    """Make delayed retries due at once (the backoff itself is tested elsewhere)."""
    ready = runtime.keys.ready("outbox")
    for member in runtime.redis.zrange(ready, 0, -1):
        runtime.redis.zadd(ready, {member: 0})


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
