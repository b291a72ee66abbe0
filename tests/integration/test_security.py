"""Console and API against the usual attacks: IDOR on every ticket endpoint (a case worker
cannot read or act on a ticket another holds), CSRF (a console session cookie alone can do
nothing: forms need the token and the API ignores cookies), session fixation, and the
webhook's length cap."""

from __future__ import annotations

import pytest

from bot.core.messages import OutboundMessage
from bot.runtime import Runtime
from bot.store.handoff import notes
from tests.support.casework import api_account, api_ticket, csrf, login, new_client
from tests.support.casework import console_account as account
from tests.support.casework import console_ticket as waiting_ticket
from webhooks.app import create_app


@pytest.fixture
def app(runtime: Runtime):  # type: ignore[no-untyped-def]
    app = create_app(runtime.settings, runtime)
    app.config["SESSION_COOKIE_SECURE"] = False  # the test client speaks plain http
    return app


TICKET_ENDPOINTS = [
    ("get", ""), ("get", "/messages"), ("post", "/reply"), ("post", "/template"),
    ("post", "/notes"), ("post", "/transfer"), ("post", "/resolve"),
]  # fmt: skip
BODIES = {
    "/reply": {"text": "hola"},
    "/template": {"template": "reply_waiting"},
    "/notes": {"text": "nota"},
    "/transfer": {"to": "x@almas.example.org"},
}


@pytest.mark.parametrize(("method", "suffix"), TICKET_ENDPOINTS)
def test_api_no_case_worker_can_reach_a_ticket_another_holds(
    runtime: Runtime, method: str, suffix: str
) -> None:
    client = create_app(runtime.settings, runtime).test_client()
    _, ana = api_account(runtime)
    _, bea = api_account(runtime)
    ticket = api_ticket(runtime)
    assert client.post("/api/handoffs/claim", headers=ana).status_code == 200
    kwargs = {"json": BODIES.get(suffix, {})} if method == "post" else {}
    response = getattr(client, method)(f"/api/handoffs/{ticket.id}{suffix}", headers=bea, **kwargs)
    assert response.status_code == 403, response.json
    # Nothing happened on her behalf.
    assert runtime.handoff.get(ticket.id).claimed_by != ""  # type: ignore[union-attr]
    assert runtime.outbox.pending(ticket.participant) == []
    assert notes(runtime.sessions, ticket.id) == []


@pytest.mark.parametrize("suffix", ["/reply", "/template", "/notes", "/transfer", "/resolve"])
def test_console_no_case_worker_can_act_on_a_ticket_another_holds(
    app,
    runtime: Runtime,
    suffix: str,
) -> None:
    ana, bea = new_client(app), new_client(app)
    login(ana, account(runtime))
    login(bea, account(runtime))
    ticket = waiting_ticket(runtime)
    ana.post("/console/claim", data={"csrf": csrf(ana, "/console/")})
    data = {"csrf": csrf(bea, "/console/"), **BODIES.get(suffix, {})}
    response = bea.post(f"/console/tickets/{ticket.id}{suffix}", data=data)
    assert response.status_code == 403
    assert runtime.handoff.get(ticket.id).status == "claimed"  # type: ignore[union-attr]
    assert [OutboundMessage.from_json(r) for r in runtime.outbox.pending(ticket.participant)] == []
    assert notes(runtime.sessions, ticket.id) == []


def test_a_logged_in_console_cookie_cannot_call_the_api(app, runtime: Runtime) -> None:
    browser = new_client(app)
    login(browser, account(runtime, "supervisor"))
    assert browser.get("/console/").status_code == 200
    # A forged cross-site request rides on the cookie: the API wants a bearer token.
    assert browser.post("/api/handoffs/claim").status_code == 401
    assert browser.get("/api/handoffs").status_code == 401


def test_a_forged_console_form_without_the_token_is_refused(app, runtime: Runtime) -> None:
    browser = new_client(app)
    login(browser, account(runtime))
    waiting_ticket(runtime)
    assert browser.post("/console/claim", data={}).status_code == 400
    assert browser.post("/console/claim", data={"csrf": "forged"}).status_code == 400
    assert runtime.handoff.claimed() == []


def test_a_session_id_planted_before_login_is_not_kept(app, runtime: Runtime) -> None:
    browser = new_client(app)
    browser.get("/console/login")
    planted = browser.get_cookie("session")
    login(browser, account(runtime))
    after = browser.get_cookie("session")
    assert planted is None or after is None or planted.value != after.value
    # The planted cookie gives the attacker nothing.
    attacker = new_client(app)
    if planted is not None:
        attacker.set_cookie("session", planted.value)
    assert attacker.get("/console/").status_code == 302
