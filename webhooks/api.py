"""The case workers' JSON API (what the console uses; bearer tokens for scripts).

Also POST /api/messages/<outbox_id>/retry: a supervisor sends a failed message again; and her
programme outcomes, from her ticket (GET/POST …/outcomes, PATCH/DELETE …/outcomes/<id>: the
case worker holding the ticket, or a supervisor; changed or removed only by whoever recorded
it, or a supervisor).

401 without a valid token, 403 for a ticket someone else holds (supervisors may look) and for
the programme role (reports only), 404 for an unknown ticket, 409 when the ticket's state does
not allow the action, 400 for what is not valid — always with a JSON `error` saying why.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from flask.typing import ResponseReturnValue

from bot.handoff import case as her_case
from bot.handoff import rules as casework
from bot.handoff.accounts import SUPERVISOR, by_token
from bot.handoff.outcomes import may_change
from bot.handoff.queue import CLAIMED, Ticket
from bot.handoff.redelivery import can_retry, retried_as, retry_failed
from bot.handoff.relay import RelayError, WindowClosed, reply, send_template
from bot.handoff.rules import (
    CASE_WORKER_LEASE_SECONDS,
    CaseworkError,
    address_shown_to,
    casework_refused,
    may_do_casework,
    ticket_for,
)
from bot.store.handoff import add_note, notes
from bot.store.models import Outcome
from bot.store.outcomes import outcomes_of
from bot.store.participants import is_opted_out
from bot.store.transcript import transcript
from webhooks.extensions import runtime

bp = Blueprint("api", __name__, url_prefix="/api/handoffs")
messages_bp = Blueprint("api_messages", __name__, url_prefix="/api/messages")
LEASE_SECONDS = CASE_WORKER_LEASE_SECONDS


def _error(status: int, message: str) -> ResponseReturnValue:
    return jsonify(error=message), status


def require_token(view):  # type: ignore[no-untyped-def]
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        worker = by_token(runtime().sessions, token)
        if worker is None:
            response = jsonify(error="a valid bearer token is required")
            response.headers["WWW-Authenticate"] = "Bearer"
            return response, 401
        if not may_do_casework(worker):
            return _error(403, casework_refused(worker.role))
        g.case_worker = worker
        return view(*args, **kwargs)

    return wrapped


def _is_supervisor() -> bool:
    return g.case_worker.role == SUPERVISOR


def _ticket_json(ticket: Ticket) -> dict[str, Any]:
    rt = runtime()
    return {
        "id": ticket.id,
        "status": ticket.status,
        "priority": ticket.priority,
        "topic": ticket.topic,
        "channel": ticket.channel,
        "summary": ticket.summary,
        "waiting_seconds": round(ticket.waiting_seconds),
        "position": rt.handoff.position(ticket.id),
        "claimed_by": ticket.claimed_by or None,
        "address": address_shown_to(g.case_worker, ticket.address),
        # She asked us not to write first (BAJA, NO ME ESCRIBAS): reply only when she writes.
        "no_first_contact": is_opted_out(rt.sessions, ticket.participant),
        # Files she sent while the ticket was open (Twilio media URLs: fetch with the
        # account's credentials, or open them in the console).
        "attachments": rt.handoff.attachments(ticket.id),
    }


@bp.errorhandler(CaseworkError)
@messages_bp.errorhandler(CaseworkError)
def casework_error(exc: CaseworkError) -> ResponseReturnValue:
    """404 / 403 / 409 from the shared rules, as JSON with the reason."""
    return _error(exc.status, str(exc))


def _ticket(ticket_id: str, must_hold: bool) -> Ticket:
    return ticket_for(runtime(), g.case_worker, ticket_id, must_hold)


@bp.get("")
@require_token
def list_handoffs() -> ResponseReturnValue:
    rt = runtime()
    status = request.args.get("status", "waiting")
    if status == "waiting":
        tickets = rt.handoff.waiting()
    elif status == "claimed":
        tickets = [t for t in rt.handoff.claimed() if _is_supervisor() or
                   t.claimed_by == g.case_worker.email]  # fmt: skip
    else:
        return _error(400, "status must be waiting or claimed")
    return jsonify(handoffs=[_ticket_json(t) for t in tickets])


@bp.post("/claim")
@require_token
def claim() -> ResponseReturnValue:
    ticket = runtime().handoff.claim(g.case_worker.email, LEASE_SECONDS)
    if ticket is None:
        return Response(status=204)
    return jsonify(handoff=_ticket_json(ticket))


@bp.get("/<ticket_id>")
@require_token
def show(ticket_id: str) -> ResponseReturnValue:
    ticket = _ticket(ticket_id, must_hold=False)
    if ticket.status == CLAIMED and ticket.claimed_by == g.case_worker.email:
        runtime().handoff.renew(ticket.id, g.case_worker.email, LEASE_SECONDS)
    sessions = runtime().sessions
    return jsonify(
        handoff=_ticket_json(ticket),
        notes=[{"author": n.author, "text": n.text, "at": n.at.isoformat()}
               for n in notes(sessions, ticket.id)],
    )  # fmt: skip


@bp.get("/<ticket_id>/messages")
@require_token
def messages(ticket_id: str) -> ResponseReturnValue:
    ticket = _ticket(ticket_id, must_hold=False)
    rows = transcript(runtime().sessions, ticket.participant)
    retried = retried_as(rows)
    return jsonify(
        messages=[
            {"direction": m.direction, "text": m.text, "at": m.created_at.isoformat(),
             "status": m.status, "error_code": m.error_code, "outbox_id": m.outbox_id,
             "retry_of": m.retry_of, "retried_as": retried.get(m.outbox_id or ""),
             "retryable": can_retry(m, retried)}
            for m in rows
        ]
    )  # fmt: skip


@bp.post("/<ticket_id>/reply")
@require_token
def reply_to_her(ticket_id: str) -> ResponseReturnValue:
    ticket = _ticket(ticket_id, must_hold=True)
    body = request.get_json(silent=True) or {}
    try:
        sent = reply(runtime(), ticket, str(body.get("text", "")))
    except WindowClosed as exc:
        return _error(409, str(exc))
    except RelayError as exc:
        return _error(400, str(exc))
    runtime().handoff.renew(ticket.id, g.case_worker.email, LEASE_SECONDS)
    return jsonify(queued=sent.id), 202


@bp.post("/<ticket_id>/template")
@require_token
def template(ticket_id: str) -> ResponseReturnValue:
    """An approved WhatsApp template (for when the 24-hour window is closed)."""
    ticket = _ticket(ticket_id, must_hold=True)
    name = str((request.get_json(silent=True) or {}).get("template", ""))
    try:
        sent = send_template(runtime(), ticket, name)
    except RelayError as exc:
        return _error(400, str(exc))
    return jsonify(queued=sent.id), 202


@bp.post("/<ticket_id>/notes")
@require_token
def add_internal_note(ticket_id: str) -> ResponseReturnValue:
    ticket = _ticket(ticket_id, must_hold=False)
    text = str((request.get_json(silent=True) or {}).get("text", "")).strip()
    if not text:
        return _error(400, "write a note")
    add_note(runtime().sessions, ticket.id, g.case_worker.email, text)
    return jsonify(ok=True), 201


@bp.post("/<ticket_id>/transfer")
@require_token
def transfer(ticket_id: str) -> ResponseReturnValue:
    ticket = _ticket(ticket_id, must_hold=True)
    target = str((request.get_json(silent=True) or {}).get("to", "")).strip().lower()
    moved = casework.transfer(runtime(), g.case_worker, ticket, target)
    return jsonify(handoff=_ticket_json(moved))


@bp.post("/<ticket_id>/resolve")
@require_token
def resolve(ticket_id: str) -> ResponseReturnValue:
    ticket = _ticket(ticket_id, must_hold=True)
    closed = casework.resolve(runtime(), g.case_worker, ticket)
    return jsonify(handoff=_ticket_json(closed))


@messages_bp.post("/<outbox_id>/retry")
@require_token
def retry(outbox_id: str) -> ResponseReturnValue:
    """Supervisors: send a failed message again (a new entry at the end of her outbox)."""
    again = retry_failed(runtime(), g.case_worker, outbox_id)
    return jsonify(queued=again.id, retry_of=outbox_id), 202


# -- her programme outcomes ------------------------------------------------------------------
def _outcome_json(outcome: Outcome) -> dict[str, Any]:
    return {
        "id": outcome.id,
        "kind": outcome.kind,
        "happened_on": outcome.happened_on.isoformat(),
        "ticket_id": outcome.ticket_id,
        "recorded_by": outcome.recorded_by,
        "recorded_at": outcome.recorded_at.isoformat(),
        "updated_by": outcome.updated_by,
        "updated_at": outcome.updated_at.isoformat() if outcome.updated_at else None,
        "editable": may_change(g.case_worker, outcome),
    }


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _optional_text(body: dict[str, Any], name: str) -> str | None:
    return None if body.get(name) is None else str(body[name])


@bp.get("/<ticket_id>/outcomes")
@require_token
def list_outcomes(ticket_id: str) -> ResponseReturnValue:
    """Her outcomes (kinds: content/outcomes.yml), in the order they happened."""
    ticket = her_case.case_ticket_for(runtime(), g.case_worker, ticket_id)
    found = outcomes_of(runtime().sessions, ticket.participant)
    return jsonify(outcomes=[_outcome_json(o) for o in found])


@bp.post("/<ticket_id>/outcomes")
@require_token
def add_outcome(ticket_id: str) -> ResponseReturnValue:
    """{"kind": "course_enrolled", "happened_on": "2026-11-30"} → 201 with the outcome."""
    ticket = her_case.case_ticket_for(runtime(), g.case_worker, ticket_id)
    body = _body()
    outcome = her_case.record_outcome(
        runtime(), g.case_worker, ticket,
        str(body.get("kind", "")), str(body.get("happened_on", "")),
    )  # fmt: skip
    return jsonify(outcome=_outcome_json(outcome)), 201


@bp.patch("/<ticket_id>/outcomes/<int:outcome_id>")
@require_token
def change_outcome(ticket_id: str, outcome_id: int) -> ResponseReturnValue:
    """{"kind": …} and/or {"happened_on": …}: what is not sent stays."""
    ticket = her_case.case_ticket_for(runtime(), g.case_worker, ticket_id)
    body = _body()
    outcome = her_case.change_outcome(
        runtime(), g.case_worker, ticket, outcome_id,
        _optional_text(body, "kind"), _optional_text(body, "happened_on"),
    )  # fmt: skip
    return jsonify(outcome=_outcome_json(outcome))


@bp.delete("/<ticket_id>/outcomes/<int:outcome_id>")
@require_token
def delete_outcome(ticket_id: str, outcome_id: int) -> ResponseReturnValue:
    ticket = her_case.case_ticket_for(runtime(), g.case_worker, ticket_id)
    her_case.remove_outcome(runtime(), g.case_worker, ticket, outcome_id)
    return Response(status=204)
