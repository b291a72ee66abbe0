"""The case workers' console (server-rendered): login, CSRF, session fixation and expiry,
roles and masking, a case worker cannot open a ticket another holds, the whole path, and
the three languages."""

from __future__ import annotations

import time

import pytest

import webhooks.console as console_module
from bot.core.keys import ticket_shard
from bot.core.messages import OutboundMessage
from bot.runtime import Runtime
from tests.support.casework import console_account, console_ticket, csrf, login, new_client
from webhooks.app import create_app


@pytest.fixture
def app(runtime: Runtime):  # type: ignore[no-untyped-def]
    app = create_app(runtime.settings, runtime)
    assert app.config["SESSION_COOKIE_SECURE"]  # PUBLIC_BASE_URL is https in these tests
    app.config["SESSION_COOKIE_SECURE"] = False  # the test client speaks plain http
    return app


def test_pages_need_a_login(app) -> None:
    client = new_client(app)
    response = client.get("/console/")
    assert response.status_code == 302 and "/console/login" in response.location


def test_wrong_password_is_refused(app, runtime: Runtime) -> None:
    client = new_client(app)
    email = console_account(runtime)
    response = client.post("/console/login", data={"email": email, "password": "nope-nope-nope",
                                                   "csrf": csrf(client)})  # fmt: skip
    assert response.status_code == 401


def test_every_post_needs_the_csrf_token(app, runtime: Runtime) -> None:
    client = new_client(app)
    login(client, console_account(runtime))
    assert client.post("/console/claim").status_code == 400
    assert client.post("/console/claim", data={"csrf": "forged"}).status_code == 400


def test_logging_in_starts_a_new_session(app, runtime: Runtime) -> None:
    client = new_client(app)
    before = csrf(client)  # a token planted before login (fixation attempt)
    login(client, console_account(runtime))
    with client.session_transaction() as session:
        assert session.get("csrf") != before


def test_an_idle_session_expires(app, runtime: Runtime, monkeypatch) -> None:
    client = new_client(app)
    login(client, console_account(runtime))
    assert client.get("/console/").status_code == 200
    monkeypatch.setattr(console_module, "IDLE_SECONDS", -1)
    assert client.get("/console/").status_code == 302


def test_claim_reply_note_resolve_from_the_console(app, runtime: Runtime) -> None:
    client = new_client(app)
    login(client, console_account(runtime))
    ticket = console_ticket(runtime)
    queue_page = client.get("/console/").get_data(as_text=True)
    assert "PPT y papeles" in queue_page and "migration_status" not in queue_page  # its name
    token = csrf(client, "/console/")
    opened = client.post("/console/claim", data={"csrf": token})
    assert opened.location.endswith(f"/console/tickets/{ticket.id}")
    page = client.get(f"/console/tickets/{ticket.id}").get_data(as_text=True)
    assert "necesito ayuda con el PPT" in page and "+…01" in page and "+573005558001" not in page
    assert runtime.content.system_text("canned_greeting")[:30] in page
    client.post(
        f"/console/tickets/{ticket.id}/reply", data={"csrf": token, "text": "Hola, soy Ana"}
    )
    client.post(f"/console/tickets/{ticket.id}/notes", data={"csrf": token, "text": "Pidió cita"})
    assert "Pidió cita" in client.get(f"/console/tickets/{ticket.id}").get_data(as_text=True)
    client.post(f"/console/tickets/{ticket.id}/resolve", data={"csrf": token})
    sent = [OutboundMessage.from_json(m).body for m in runtime.outbox.pending(ticket.participant)]
    assert sent == ["Hola, soy Ana", runtime.content.system_text("rating_question")]
    assert runtime.handoff.get(ticket.id).status == "resolved"  # type: ignore[union-attr]


def test_a_case_worker_cannot_open_a_ticket_another_holds(app, runtime: Runtime) -> None:
    ana, bea = new_client(app), new_client(app)
    login(ana, console_account(runtime))
    login(bea, console_account(runtime))
    ticket = console_ticket(runtime)
    ana.post("/console/claim", data={"csrf": csrf(ana, "/console/")})
    assert bea.get(f"/console/tickets/{ticket.id}").status_code == 403
    token = csrf(bea, "/console/")
    assert (
        bea.post(f"/console/tickets/{ticket.id}/resolve", data={"csrf": token}).status_code == 403
    )
    boss = new_client(app)
    login(boss, console_account(runtime, "supervisor"))
    page = boss.get(f"/console/tickets/{ticket.id}").get_data(as_text=True)
    assert "+573005558001" in page  # supervisors see the number


@pytest.mark.parametrize(
    ("lang", "text"),
    [("es", "Tomar la siguiente"), ("en", "Take the next one"), ("it", "Prendi la prossima")],
)
def test_console_in_spanish_english_and_italian(
    app, runtime: Runtime, lang: str, text: str
) -> None:
    client = new_client(app)
    login(client, console_account(runtime))
    client.get(f"/console/lang/{lang}")
    assert text in client.get("/console/").get_data(as_text=True)


def test_the_queue_json_stays_live(app, runtime: Runtime) -> None:
    client = new_client(app)
    login(client, console_account(runtime))
    ticket = console_ticket(runtime)
    time.sleep(0.01)
    waiting = client.get("/console/queue.json").get_json()["waiting"]
    assert ticket.id in [t["id"] for t in waiting]


def test_the_open_ticket_page_keeps_the_lease_while_she_is_answered(  # type: ignore[no-untyped-def]
    app, runtime: Runtime
) -> None:
    """Issue 13, defect 6: a reply typed for more than two minutes was refused."""
    client = new_client(app)
    login(client, console_account(runtime))
    ticket = console_ticket(runtime)
    token = csrf(client, "/console/")
    client.post("/console/claim", data={"csrf": token})
    page = client.get(f"/console/tickets/{ticket.id}").get_data(as_text=True)
    assert f"/console/tickets/{ticket.id}/lease" in page  # the page's heartbeat
    leases = runtime.keys.handoff_leases(ticket_shard(ticket.id))
    runtime.redis.zadd(leases, {ticket.id: 1})  # as if the lease were about to end
    kept = client.post(f"/console/tickets/{ticket.id}/lease", data={"csrf": token})
    assert kept.status_code == 204
    assert runtime.redis.zscore(leases, ticket.id) > time.time() * 1000  # renewed
    other = new_client(app)
    login(other, console_account(runtime))
    other_token = csrf(other, "/console/")
    refused = other.post(f"/console/tickets/{ticket.id}/lease", data={"csrf": other_token})
    assert refused.status_code == 403


def test_expired_claims_go_back_in_line_from_the_scheduler_not_page_views(
    runtime: Runtime,
) -> None:
    from bot.handoff.rules import requeue_expired_claims
    from bot.ops.scheduler import JOBS

    assert requeue_expired_claims in [job for _, job, _ in JOBS]
    ticket = console_ticket(runtime)
    claimed = runtime.handoff.claim("ana@almas.example.org", 0.01)
    assert claimed is not None and claimed.id == ticket.id
    time.sleep(0.05)
    assert requeue_expired_claims(runtime) == 1
    assert [t.id for t in runtime.handoff.waiting()] == [ticket.id]
