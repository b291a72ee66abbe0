"""The case workers' JSON API on the real Redis and SQL: auth, roles, errors with reasons,
and claim → read → reply (into the outbox) → note → transfer → resolve."""

from __future__ import annotations

import pytest

from bot.core.messages import OutboundMessage
from bot.runtime import Runtime
from tests.support.casework import api_account, api_ticket


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/handoffs"), ("post", "/api/handoffs/claim"), ("get", "/api/handoffs/t_x"),
     ("get", "/api/handoffs/t_x/messages"), ("post", "/api/handoffs/t_x/reply"),
     ("post", "/api/handoffs/t_x/notes"), ("post", "/api/handoffs/t_x/transfer"),
     ("post", "/api/handoffs/t_x/resolve")],
)  # fmt: skip
def test_every_endpoint_needs_a_valid_token(client, method: str, path: str) -> None:
    for headers in ({}, {"Authorization": "Bearer almas_not-a-token"}):
        response = getattr(client, method)(path, headers=headers)
        assert response.status_code == 401 and "token" in response.json["error"]


def test_claim_gives_the_next_by_priority_then_204(client, runtime: Runtime) -> None:
    _, headers = api_account(runtime)
    normal = api_ticket(runtime)
    urgent = api_ticket(runtime, "urgent")
    assert client.post("/api/handoffs/claim", headers=headers).json["handoff"]["id"] == urgent.id
    assert client.post("/api/handoffs/claim", headers=headers).json["handoff"]["id"] == normal.id
    assert client.post("/api/handoffs/claim", headers=headers).status_code == 204


def test_the_whole_path_reply_reaches_her_outbox(client, runtime: Runtime) -> None:
    ana, headers = api_account(runtime)
    bea, _ = api_account(runtime)
    ticket = api_ticket(runtime)
    client.post("/api/handoffs/claim", headers=headers)
    shown = client.get(f"/api/handoffs/{ticket.id}", headers=headers).json["handoff"]
    assert shown["claimed_by"] == ana and shown["address"] == "whatsapp:+…01"  # masked
    text = "Hola, soy Ana, asesora de ALMAS. ¿Cómo te ayudo?"
    reply = client.post(f"/api/handoffs/{ticket.id}/reply", headers=headers, json={"text": text})
    assert reply.status_code == 202
    [queued] = [OutboundMessage.from_json(m) for m in runtime.outbox.pending(ticket.participant)]
    assert (queued.to, queued.channel) == ("whatsapp:+573005556001", "whatsapp")
    assert queued.body.startswith("Hola, soy Ana")
    note = client.post(f"/api/handoffs/{ticket.id}/notes", headers=headers,
                       json={"text": "Tiene negocio de arepas hace 2 años."})  # fmt: skip
    assert note.status_code == 201
    assert client.get(f"/api/handoffs/{ticket.id}", headers=headers).json["notes"][0]["text"]
    moved = client.post(f"/api/handoffs/{ticket.id}/transfer", headers=headers, json={"to": bea})
    assert moved.status_code == 200 and moved.json["handoff"]["claimed_by"] == bea
    assert client.post(f"/api/handoffs/{ticket.id}/resolve", headers=headers).status_code == 403


def test_a_case_worker_cannot_read_a_ticket_another_holds_but_a_supervisor_can(
    client, runtime: Runtime
) -> None:
    _, ana = api_account(runtime)
    _, bea = api_account(runtime)
    _, boss = api_account(runtime, "supervisor")
    ticket = api_ticket(runtime)
    client.post("/api/handoffs/claim", headers=ana)
    for path in (f"/api/handoffs/{ticket.id}", f"/api/handoffs/{ticket.id}/messages"):
        denied = client.get(path, headers=bea)
        assert denied.status_code == 403 and "another case worker" in denied.json["error"]
        assert client.get(path, headers=boss).status_code == 200
    seen = client.get(f"/api/handoffs/{ticket.id}", headers=boss).json["handoff"]
    assert seen["address"] == "whatsapp:+573005556001"  # supervisors see the number


def test_errors_say_why(client, runtime: Runtime) -> None:
    _, headers = api_account(runtime)
    assert client.get("/api/handoffs/t_nope", headers=headers).status_code == 404
    ticket = api_ticket(runtime)
    not_held = client.post(f"/api/handoffs/{ticket.id}/resolve", headers=headers)
    assert not_held.status_code == 409 and "waiting" in not_held.json["error"]
    client.post("/api/handoffs/claim", headers=headers)
    empty = client.post(f"/api/handoffs/{ticket.id}/reply", headers=headers, json={"text": " "})
    assert empty.status_code == 400
    nobody = client.post(f"/api/handoffs/{ticket.id}/transfer", headers=headers,
                         json={"to": "nadie@almas.example.org"})  # fmt: skip
    assert nobody.status_code == 404
    assert client.get("/api/handoffs?status=raro", headers=headers).status_code == 400
    assert client.post(f"/api/handoffs/{ticket.id}/resolve", headers=headers).status_code == 200
    again = client.post(f"/api/handoffs/{ticket.id}/resolve", headers=headers)
    assert again.status_code == 409 and "resolved" in again.json["error"]


@pytest.mark.parametrize(
    ("channel", "hours_ago", "status"),
    [("whatsapp", 23, 202), ("whatsapp", 25, 409), ("sms", 25, 202)],
    ids=["whatsapp inside 24 h", "whatsapp after 24 h", "sms has no window"],
)
def test_whatsapp_24_hour_window(
    client, runtime: Runtime, channel: str, hours_ago: float, status: int
) -> None:
    _, headers = api_account(runtime)
    ticket = api_ticket(runtime, channel=channel, hours_ago=hours_ago)
    client.post("/api/handoffs/claim", headers=headers)
    sent = client.post(f"/api/handoffs/{ticket.id}/reply", headers=headers, json={"text": "Hola"})
    assert sent.status_code == status
    if status == 409:
        assert "24 hours" in sent.json["error"] and "template" in sent.json["error"]
        assert runtime.outbox.pending(ticket.participant) == []


def test_outside_the_window_an_approved_template_can_be_sent(client, runtime: Runtime) -> None:
    _, headers = api_account(runtime)
    ticket = api_ticket(runtime, hours_ago=30)
    client.post("/api/handoffs/claim", headers=headers)
    sent = client.post(f"/api/handoffs/{ticket.id}/template", headers=headers,
                       json={"template": "respuesta-pendiente"})  # fmt: skip
    assert sent.status_code == 202
    [queued] = [OutboundMessage.from_json(m) for m in runtime.outbox.pending(ticket.participant)]
    assert queued.content_sid.startswith("HX") and "respuesta para ti" in queued.body
    unknown = client.post(f"/api/handoffs/{ticket.id}/template", headers=headers,
                          json={"template": "no-existe"})  # fmt: skip
    assert unknown.status_code == 400


def test_a_waiting_whatsapp_ticket_is_nudged_once_before_its_window_closes(
    runtime: Runtime,
) -> None:
    from bot.handoff.relay import nudge_before_window_closes

    closing = api_ticket(runtime, hours_ago=23.5)
    fresh = api_ticket(runtime, hours_ago=2)
    sms = api_ticket(runtime, channel="sms", hours_ago=23.5)
    assert nudge_before_window_closes(runtime) == [closing.id]
    assert nudge_before_window_closes(runtime) == []  # once
    assert runtime.outbox.pending(fresh.participant) == []
    assert runtime.outbox.pending(sms.participant) == []
