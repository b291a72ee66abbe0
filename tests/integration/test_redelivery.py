"""Failed messages are shown to case workers (status + Twilio's code) and a supervisor can send
one again: API (403 / 404 / 409 / 202) and console button; the new entry reaches Twilio."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Iterator

import pytest

from bot.core.messages import OutboundMessage
from bot.handoff.accounts import add, issue_token
from bot.outbound.sender import OutboxSender
from bot.runtime import Runtime
from bot.store.transcript import outbound_message, record_inbound, record_outbound, transcript
from tests.support.environment import AUTH_TOKEN
from tests.support.twilio_endpoint import Fault, TwilioEndpoint
from tests.support.twilio_payloads import SMS_STATUS_UNDELIVERED, sign
from webhooks.app import create_app

PASSWORD = "una-clave-muy-larga"


@pytest.fixture
def app(runtime: Runtime, twilio: TwilioEndpoint):  # type: ignore[no-untyped-def]
    runtime.settings = dataclasses.replace(
        runtime.settings, twilio_api_url=twilio.base_url, outbox_max_attempts=1
    )
    with twilio.lock:
        twilio.faults.clear()
    app = create_app(runtime.settings, runtime)
    app.config["SESSION_COOKIE_SECURE"] = False  # the test client speaks plain http
    return app


@pytest.fixture
def sender(app, runtime: Runtime) -> Iterator[OutboxSender]:  # type: ignore[no-untyped-def]
    yield OutboxSender(runtime)


def account(runtime: Runtime, role: str) -> tuple[str, dict[str, str]]:
    email = f"{role}.{uuid.uuid4().hex[:8]}@almas.example.org"
    add(runtime.sessions, email, role.title(), PASSWORD, role)
    return email, {"Authorization": f"Bearer {issue_token(runtime.sessions, email)}"}


@dataclasses.dataclass
class Her:
    participant: str
    number: str
    ticket_id: str


@pytest.fixture
def her(runtime: Runtime) -> Her:
    pid = "p_" + uuid.uuid4().hex[:12]
    number = "+57300" + str(uuid.uuid4().int)[:7]
    record_inbound(runtime.sessions, pid, "sms", "necesito ayuda", "SM" + uuid.uuid4().hex)
    ticket = runtime.handoff.open(pid, "sms", "credit", "crédito", "normal", number)
    return Her(participant=pid, number=number, ticket_id=ticket.id)


def run_outbox(sender: OutboxSender, rounds: int = 20) -> None:
    for _ in range(rounds):
        lease = sender.rt.outbox.claim(5)
        if lease is None:
            return
        sender.work_on(lease)


def send_failing(
    runtime: Runtime, sender: OutboxSender, twilio: TwilioEndpoint, her: Her, fault: Fault
) -> OutboundMessage:
    """Her message meets `fault` at Twilio (one attempt allowed: a 5xx dead-letters it)."""
    message = OutboundMessage(
        participant=her.participant, channel="sms", to=her.number, body="Tu cita es el lunes."
    )
    twilio.inject(fault)
    runtime.outbox.enqueue(her.participant, [message.to_json()])
    run_outbox(sender)
    return message


DEAD = Fault(500, 20500)  # dead-lettered after the one allowed attempt
INVALID_NUMBER = Fault(400, 21211, "Invalid 'To' Phone Number")


def test_ticket_messages_show_status_and_twilios_error_code(
    app, runtime: Runtime, sender, twilio: TwilioEndpoint, her: Her
) -> None:
    failed = send_failing(runtime, sender, twilio, her, INVALID_NUMBER)
    _, headers = account(runtime, "supervisor")
    rows = app.test_client().get(f"/api/handoffs/{her.ticket_id}/messages", headers=headers)
    [shown] = [m for m in rows.json["messages"] if m["outbox_id"] == failed.id]
    assert (shown["status"], shown["error_code"], shown["retryable"]) == ("failed", 21211, False)


def test_a_plain_case_worker_cannot_retry(
    app, runtime: Runtime, sender, twilio: TwilioEndpoint, her: Her
) -> None:
    failed = send_failing(runtime, sender, twilio, her, DEAD)
    _, headers = account(runtime, "case_worker")
    response = app.test_client().post(f"/api/messages/{failed.id}/retry", headers=headers)
    assert response.status_code == 403 and "supervisor" in response.json["error"]


def test_retry_of_an_unknown_message_is_404(app, runtime: Runtime) -> None:
    _, headers = account(runtime, "supervisor")
    response = app.test_client().post("/api/messages/out_nothing/retry", headers=headers)
    assert response.status_code == 404


def test_retry_needs_a_token(app) -> None:
    assert app.test_client().post("/api/messages/out_x/retry").status_code == 401


def test_a_message_that_did_not_fail_cannot_be_retried(
    app, runtime: Runtime, sender, twilio: TwilioEndpoint, her: Her
) -> None:
    sent = OutboundMessage(participant=her.participant, channel="sms", to=her.number, body="ok")
    runtime.outbox.enqueue(her.participant, [sent.to_json()])
    run_outbox(sender)
    _, headers = account(runtime, "supervisor")
    response = app.test_client().post(f"/api/messages/{sent.id}/retry", headers=headers)
    assert response.status_code == 409 and "not failed" in response.json["error"]


def test_a_refusal_that_can_never_work_is_not_retried(
    app, runtime: Runtime, sender, twilio: TwilioEndpoint, her: Her
) -> None:
    failed = send_failing(runtime, sender, twilio, her, INVALID_NUMBER)
    _, headers = account(runtime, "supervisor")
    response = app.test_client().post(f"/api/messages/{failed.id}/retry", headers=headers)
    assert response.status_code == 409 and "21211" in response.json["error"]


def test_supervisor_retry_queues_a_new_linked_entry_that_reaches_twilio_once(
    app, runtime: Runtime, sender, twilio: TwilioEndpoint, her: Her
) -> None:
    failed = send_failing(runtime, sender, twilio, her, DEAD)
    assert twilio.to(her.number) == []
    _, headers = account(runtime, "supervisor")
    client = app.test_client()
    response = client.post(f"/api/messages/{failed.id}/retry", headers=headers)
    assert response.status_code == 202
    new_id = response.json["queued"]
    assert new_id != failed.id
    assert outbound_message(runtime.sessions, new_id).retry_of == failed.id
    again = client.post(f"/api/messages/{failed.id}/retry", headers=headers)
    assert again.status_code == 409  # one retry per failed message
    run_outbox(sender)
    [sent] = twilio.to(her.number)
    assert sent.body == failed.body
    assert outbound_message(runtime.sessions, new_id).status == "queued"
    shown = client.get(f"/api/handoffs/{her.ticket_id}/messages", headers=headers).json
    [original] = [m for m in shown["messages"] if m["outbox_id"] == failed.id]
    assert (original["retried_as"], original["retryable"]) == (new_id, False)


def test_retry_keeps_her_order_behind_what_is_already_waiting(
    app, runtime: Runtime, sender, twilio: TwilioEndpoint, her: Her
) -> None:
    failed = send_failing(runtime, sender, twilio, her, DEAD)
    waiting = OutboundMessage(
        participant=her.participant, channel="sms", to=her.number, body="ya en cola"
    )
    runtime.outbox.enqueue(her.participant, [waiting.to_json()])
    _, headers = account(runtime, "supervisor")
    app.test_client().post(f"/api/messages/{failed.id}/retry", headers=headers)
    run_outbox(sender)
    assert [s.body for s in twilio.to(her.number)] == ["ya en cola", failed.body]


def test_a_message_twilio_reported_undelivered_can_be_retried(
    app, runtime: Runtime, sender, twilio: TwilioEndpoint, her: Her
) -> None:
    outbox_id, sid = "out_" + uuid.uuid4().hex, "SM" + uuid.uuid4().hex
    record_outbound(runtime.sessions, her.participant, "sms", "hola", outbox_id, "sent", sid)
    form = {**SMS_STATUS_UNDELIVERED, "MessageSid": sid, "SmsSid": sid, "To": her.number}
    url = f"{runtime.settings.public_base_url}/twilio/status?outbox_id={outbox_id}"
    client = app.test_client()
    client.post(
        f"/twilio/status?outbox_id={outbox_id}",
        data=form,
        headers={"X-Twilio-Signature": sign(url, form, AUTH_TOKEN)},
    )
    _, headers = account(runtime, "supervisor")
    assert client.post(f"/api/messages/{outbox_id}/retry", headers=headers).status_code == 202
    run_outbox(sender)
    assert [s.body for s in twilio.to(her.number)] == ["hola"]


# -- console ---------------------------------------------------------------------------------
def console_login(app, runtime: Runtime, role: str):  # type: ignore[no-untyped-def]
    email, _ = account(runtime, role)
    client = app.test_client()
    page = client.get("/console/login").get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    answer = client.post(
        "/console/login", data={"email": email, "password": PASSWORD, "csrf": token}
    )
    assert answer.status_code == 302
    return client


def test_console_shows_status_code_and_a_retry_button_only_to_supervisors(
    app, runtime: Runtime, sender, twilio: TwilioEndpoint, her: Her
) -> None:
    failed = send_failing(runtime, sender, twilio, her, DEAD)
    path = f"/console/tickets/{her.ticket_id}"
    worker = console_login(app, runtime, "case_worker")
    page = worker.get(path).get_data(as_text=True)
    assert "fallido" in page and "20500" in page
    assert "Reintentar envío" not in page
    supervisor = console_login(app, runtime, "supervisor")
    page = supervisor.get(path).get_data(as_text=True)
    assert "Reintentar envío" in page and f"/messages/{failed.id}/retry" in page
    denied = worker.post(f"{path}/messages/{failed.id}/retry", data={"csrf": csrf_of(worker, path)})
    assert denied.status_code == 403
    done = supervisor.post(
        f"{path}/messages/{failed.id}/retry", data={"csrf": csrf_of(supervisor, path)}
    )
    assert done.status_code == 302
    page = supervisor.get(path).get_data(as_text=True)
    assert "reenviado" in page and f"/messages/{failed.id}/retry" not in page
    run_outbox(sender)
    assert [s.body for s in twilio.to(her.number)] == [failed.body]
    rows = transcript(runtime.sessions, her.participant)
    assert [m.retry_of for m in rows if m.retry_of] == [failed.id]


def csrf_of(client, path: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
