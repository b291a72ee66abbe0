"""Roles on every console page and API endpoint (issues 14, 15): case workers and supervisors do
case work; editors (and supervisors) edit content; the programme role sees the reports only —
its login lands on /console/reports. Every page and endpoint of another role's work refuses
a role with 403, doing nothing."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from click.testing import CliRunner
from flask import Flask, url_for

from bot.handoff.accounts import CASEWORK_ROLES, PROGRAMME, ROLES, check_password
from bot.ops.cli import main
from bot.runtime import Runtime
from bot.store.outcomes import add_outcome, outcomes_of
from tests.support.casework import (
    PASSWORD,
    api_account,
    console_account,
    console_ticket,
    csrf,
    login,
    new_client,
)
from tests.support.environment import base_environment
from webhooks.app import create_app

# Every console endpoint but the login, the logout, the language switch and the reports.
CONSOLE_ENDPOINTS = [
    ("GET", "console.queue"), ("GET", "console.queue_json"), ("POST", "console.claim"),
    ("GET", "console.ticket"), ("GET", "console.attachment"), ("POST", "console.keep_lease"),
    ("POST", "console.reply_to_her"), ("POST", "console.template"),
    ("POST", "console.add_internal_note"), ("POST", "console.transfer"),
    ("POST", "console.resolve"), ("POST", "console.retry_message"), ("GET", "console.case"),
    ("POST", "console.add_outcome"), ("POST", "console.change_outcome"),
    ("POST", "console.delete_outcome"),
]  # fmt: skip
OPEN_TO_EVERY_ACCOUNT = {"console.login", "console.logout", "console.language"}
REPORTS_PATH = "/console/reports"  # another page's business (webhooks/reports.py)
API_ENDPOINTS = [
    ("GET", "api.list_handoffs"), ("POST", "api.claim"), ("GET", "api.show"),
    ("GET", "api.messages"), ("POST", "api.reply_to_her"), ("POST", "api.template"),
    ("POST", "api.add_internal_note"), ("POST", "api.transfer"), ("POST", "api.resolve"),
    ("POST", "api_messages.retry"), ("GET", "api.list_outcomes"), ("POST", "api.add_outcome"),
    ("PATCH", "api.change_outcome"), ("DELETE", "api.delete_outcome"),
]  # fmt: skip
FORM = {"text": "hola", "to": "x@almas.example.org", "template": "respuesta-pendiente",
        "kind": "course_enrolled", "happened_on": "2026-11-01"}  # fmt: skip
REFUSED = "does no case work"
DAY = date(2026, 11, 1)


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    app = create_app(runtime.settings, runtime)
    app.config["SESSION_COOKIE_SECURE"] = False  # the test client speaks plain http
    return app


def test_every_console_and_api_endpoint_has_a_role_test(app: Flask) -> None:
    tested = set(CONSOLE_ENDPOINTS) | set(API_ENDPOINTS)
    untested = sorted(
        (method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in ("console", "api", "api_messages")
        and rule.endpoint not in OPEN_TO_EVERY_ACCOUNT
        and not rule.rule.startswith(REPORTS_PATH)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
        if (method, rule.endpoint) not in tested
    )
    assert untested == []


def _setting(runtime: Runtime, email: str, role: str):  # type: ignore[no-untyped-def]
    """Her ticket (held by this account when it does case work) and an outcome of hers."""
    ticket = console_ticket(runtime)
    if role in CASEWORK_ROLES:
        claimed = runtime.handoff.claim(email, 120)
        assert claimed is not None and claimed.id == ticket.id
    recorder = email if role in CASEWORK_ROLES else "someone@almas.example.org"
    outcome = add_outcome(runtime.sessions, ticket.participant, "course_enrolled", DAY, recorder,
                          ticket.id)  # fmt: skip
    return ticket, outcome


def _url(app: Flask, endpoint: str, ticket_id: str, outcome_id: int) -> str:
    values = {"ticket_id": ticket_id, "number": 0, "outbox_id": "out_x", "outcome_id": outcome_id,
              "item_id": 999999, "version_id": 999999, "kind": "courses"}  # the content editor's
    with app.test_request_context():
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        return url_for(endpoint, **{k: v for k, v in values.items() if k in rule.arguments})


def _untouched(runtime: Runtime, ticket_id: str, participant: str) -> None:
    current = runtime.handoff.get(ticket_id)
    assert current is not None and current.status == "waiting"
    assert runtime.handoff.claimed() == []
    assert runtime.outbox.pending(participant) == []
    assert [o.kind for o in outcomes_of(runtime.sessions, participant)] == ["course_enrolled"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "endpoint"), CONSOLE_ENDPOINTS)
def test_console_endpoints_refuse_the_programme_role_and_let_case_work_through(
    app: Flask, runtime: Runtime, role: str, method: str, endpoint: str
) -> None:
    client = new_client(app)
    email = console_account(runtime, role)
    login(client, email)
    ticket, outcome = _setting(runtime, email, role)
    url = _url(app, endpoint, ticket.id, outcome.id)
    token = csrf(client)  # the login page gives every account its token
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={"csrf": token, **FORM})
    body = response.get_data(as_text=True)
    if role not in CASEWORK_ROLES:
        assert response.status_code == 403 and REFUSED in body, (response.status_code, body)
        _untouched(runtime, ticket.id, ticket.participant)
    else:
        assert response.status_code < 500, body
        assert not (response.status_code == 403 and REFUSED in body)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "endpoint"), API_ENDPOINTS)
def test_api_endpoints_refuse_the_programme_role_and_let_case_work_through(
    app: Flask, runtime: Runtime, role: str, method: str, endpoint: str
) -> None:
    client = app.test_client()
    email, headers = api_account(runtime, role)
    ticket, outcome = _setting(runtime, email, role)
    url = _url(app, endpoint, ticket.id, outcome.id)
    response = client.open(url, method=method, headers=headers, json=FORM)
    if role not in CASEWORK_ROLES:
        assert response.status_code == 403, response.get_data(as_text=True)
        assert REFUSED in response.json["error"]
        _untouched(runtime, ticket.id, ticket.participant)
    else:
        assert response.status_code < 500, response.get_data(as_text=True)
        assert not (response.status_code == 403 and REFUSED in response.json["error"])


@pytest.mark.parametrize(
    ("role", "lands_on"),
    [("case_worker", "/console/"), ("supervisor", "/console/"), ("programme", REPORTS_PATH),
     ("editor", "/console/content/")],
)
def test_the_login_sends_each_role_to_its_page(
    app: Flask, runtime: Runtime, role: str, lands_on: str
) -> None:
    client = new_client(app)
    email = console_account(runtime, role)
    form = {"email": email, "password": PASSWORD, "csrf": csrf(client)}
    response = client.post("/console/login", data=form)
    assert response.status_code == 302 and response.location.endswith(lands_on)


def test_the_programme_role_reads_nothing_of_a_ticket_and_its_language_switch_goes_to_reports(
    app: Flask, runtime: Runtime
) -> None:
    client = new_client(app)
    login(client, console_account(runtime, PROGRAMME))
    ticket = console_ticket(runtime)
    page = client.get(f"/console/tickets/{ticket.id}").get_data(as_text=True)
    assert "+573005558001" not in page and "+…01" not in page and ticket.summary not in page
    assert "necesito ayuda con el PPT" not in page  # her words
    assert client.get("/console/lang/en").location.endswith(REPORTS_PATH)


def test_caseworker_add_accepts_the_programme_role(runtime: Runtime) -> None:
    environ = base_environment(runtime.settings.redis_prefix, runtime.settings.database_url)
    email = f"pat.{uuid.uuid4().hex[:8]}@almas.example.org"
    added = CliRunner().invoke(
        main, ["caseworker", "add", email, "--name", "Pat", "--role", "programme"],
        input="una-clave-larga\n", env=environ,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert check_password(runtime.sessions, email, "una-clave-larga").role == PROGRAMME  # type: ignore[union-attr]
    refused = CliRunner().invoke(
        main, ["caseworker", "add", "x" + email, "--name", "X", "--role", "boss"],
        input="una-clave-larga\n", env=environ,
    )  # fmt: skip
    assert refused.exit_code != 0


# -- content staff's pages: editors and supervisors; case workers and programme staff get 403 --
# Every endpoint under /console/ that is neither the case work's (CONSOLE_ENDPOINTS) nor the
# reports' is content staff's, and is listed here with what its request needs (the review of
# messages not understood, webhooks/unanswered.py; the content editor's go here too).
CONTENT_ENDPOINTS = [
    ("GET", "unanswered.page"), ("POST", "unanswered.label"), ("POST", "unanswered.new_topic"),
    ("POST", "unanswered.dismiss_group"),
    # The content editor (webhooks/content_editor.py): items and versions that do not exist,
    # so content staff get through (404) and the others are refused before anything is read.
    ("GET", "content.index"), ("GET", "content.item"), ("POST", "content.edit"),
    ("POST", "content.publish"), ("POST", "content.confirm"), ("POST", "content.send_back"),
    ("POST", "content.discard"), ("POST", "content.revert"), ("POST", "content.unpublish"),
    ("GET", "content.new"), ("POST", "content.new"), ("GET", "content.review"),
    ("GET", "content.audit"),
]  # fmt: skip
CONTENT_FORM = {"intent": "greet", "topic": "vivienda"}


def test_every_other_console_endpoint_is_a_content_endpoint_with_a_role_test(app: Flask) -> None:
    untested = sorted(
        (method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/console/")
        and rule.endpoint.split(".")[0] != "console"
        and not rule.rule.startswith(REPORTS_PATH)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
        if (method, rule.endpoint) not in CONTENT_ENDPOINTS
    )
    assert untested == []


def _content_setting(runtime: Runtime) -> dict[str, str]:
    """A message of hers the assistant did not understand, waiting for review: the form."""
    from bot.store.transcript import Understood, record_inbound

    pid, sid = "p_" + uuid.uuid4().hex[:12], "SM" + uuid.uuid4().hex
    record_inbound(runtime.sessions, pid, "whatsapp", f"no entendido {pid}", sid,
                   understood=Understood("nlu_fallback", 0.2, True))  # fmt: skip
    return {"messages": str(_message_id(runtime, sid)), **CONTENT_FORM}


def _message_id(runtime: Runtime, sid: str) -> int:
    from sqlalchemy import select

    from bot.store.models import Message

    with runtime.sessions() as session:
        return int(session.scalar(select(Message.id).where(Message.twilio_sid == sid)))


def _content_untouched(runtime: Runtime, form: dict[str, str]) -> None:
    from sqlalchemy import select

    from bot.store.models import ReviewedMessage

    with runtime.sessions() as session:
        decided = session.scalars(
            select(ReviewedMessage).where(ReviewedMessage.message_id == int(form["messages"]))
        ).all()
    assert decided == []


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "endpoint"), CONTENT_ENDPOINTS)
def test_content_endpoints_refuse_case_workers_and_programme_and_let_content_staff_through(
    app: Flask, runtime: Runtime, role: str, method: str, endpoint: str
) -> None:
    from bot.handoff.accounts import CONTENT_ROLES

    client = new_client(app)
    login(client, console_account(runtime, role))
    form = _content_setting(runtime)
    url = _url(app, endpoint, "t_none", 0)
    token = csrf(client)
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={"csrf": token, **form})
    body = response.get_data(as_text=True)
    if role in CONTENT_ROLES:
        assert response.status_code < 500 and response.status_code != 403, body
    else:
        assert response.status_code == 403, (response.status_code, body)
        assert "no entendido p_" not in body  # her words
        _content_untouched(runtime, form)
