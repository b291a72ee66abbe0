"""The case workers' console: server-rendered pages over the same rules as the JSON API
(bot/handoff/rules.py). Login with hashed passwords, a CSRF token on every form, sessions that
expire after inactivity, numbers masked except for supervisors, Spanish/English/Italian.

Every page here is for case work (case workers and supervisors): the programme role is refused
with 403 and sent to the reports page (/console/reports) when it logs in."""

from __future__ import annotations

import hmac
import secrets
import time
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from bot.channels.twilio.media import MediaUnavailable, fetch
from bot.content.i18n import today_in_bogota
from bot.handoff import case as her_case
from bot.handoff import rules as casework
from bot.handoff.accounts import EDITOR, SUPERVISOR, check_password, find
from bot.handoff.outcomes import BadDay, FutureDay, InvalidOutcome, UnknownKind, may_change
from bot.handoff.queue import URGENT, Ticket
from bot.handoff.redelivery import can_retry, retried_as, retry_failed
from bot.handoff.relay import RelayError, reply, send_template, window_open
from bot.handoff.rules import (
    CASE_WORKER_LEASE_SECONDS,
    RENEW_EVERY_SECONDS,
    CaseworkError,
    Conflict,
    address_shown_to,
    casework_refused,
    may_do_casework,
    may_see_case,
)
from bot.store.handoff import add_note, handoff_events, notes
from bot.store.models import CaseWorker
from bot.store.outcomes import outcomes_of
from bot.store.participants import is_opted_out
from bot.store.transcript import transcript
from webhooks.console_labels import (
    channel_name,
    outcome_name,
    priority_name,
    reminder_decision_name,
    topic_name,
)
from webhooks.extensions import runtime

bp = Blueprint("console", __name__, url_prefix="/console")
IDLE_SECONDS = 30 * 60  # a session left alone this long is logged out
LEASE_SECONDS = CASE_WORKER_LEASE_SECONDS
LANGUAGES = ("es", "en", "it")
# The programme role's only page (webhooks/reports.py); where its login lands.
REPORTS_PATH = "/console/reports"
# An editor's login lands on the content editor (webhooks/content_editor.py).
CONTENT_PATH = "/console/content/"


# -- session, CSRF, login --------------------------------------------------------------------
def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


@bp.before_request
def check_session_and_csrf() -> ResponseReturnValue | None:
    if request.method == "POST":
        sent = request.form.get("csrf", "")
        if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
            abort(400, description="CSRF token missing or wrong")
    last = session.get("seen", 0)
    if session.get("email") and time.time() - last > IDLE_SECONDS:
        session.clear()
        flash(_("Tu sesión expiró. Vuelve a entrar."))
    session["seen"] = time.time()
    return None


@bp.app_context_processor
def template_helpers() -> dict[str, Any]:
    return {
        "csrf_token": csrf_token,
        "languages": LANGUAGES,
        "topic_name": topic_name,
        "channel_name": channel_name,
        "priority_name": priority_name,
        "outcome_name": lambda kind: outcome_name(runtime(), kind),
        "reminder_decision_name": reminder_decision_name,
        "may_do_casework": may_do_casework,
    }


def _signed_in() -> CaseWorker | None:
    email = session.get("email")
    worker = find(runtime().sessions, email) if email else None
    return worker if worker is not None and worker.active else None


def account_required(view):  # type: ignore[no-untyped-def]
    """Any active account, whatever its role (the page decides): the reports page."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        worker = _signed_in()
        if worker is None:
            return redirect(url_for("console.login", next=request.path))
        g.case_worker = worker
        return view(*args, **kwargs)

    return wrapped


def login_required(view):  # type: ignore[no-untyped-def]
    """Case work: case workers and supervisors. The programme role gets 403 (reports only)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        worker = _signed_in()
        if worker is None:
            return redirect(url_for("console.login", next=request.path))
        if not may_do_casework(worker):
            abort(403, description=casework_refused(worker.role))
        g.case_worker = worker
        return view(*args, **kwargs)

    return wrapped


def _home(worker: CaseWorker | None) -> str:
    if worker is not None and worker.role == EDITOR:
        return CONTENT_PATH
    if worker is not None and not may_do_casework(worker):
        return REPORTS_PATH
    return url_for("console.queue")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if request.method == "POST":
        worker = check_password(
            runtime().sessions, request.form.get("email", ""), request.form.get("password", "")
        )
        if worker is None:
            flash(_("Correo o contraseña incorrectos."))
            return render_template("console/login.html"), 401
        language = session.get("lang")
        session.clear()  # a new session on login: no fixation
        session.update(email=worker.email, seen=time.time(), lang=language or "es")
        return redirect(_home(worker))
    return render_template("console/login.html")


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    session.clear()
    return redirect(url_for("console.login"))


@bp.get("/lang/<code>")
def language(code: str) -> ResponseReturnValue:
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(request.referrer or _home(_signed_in()))


# -- queue -----------------------------------------------------------------------------------
def _view(ticket: Ticket) -> dict[str, Any]:
    return {
        "ticket": ticket,
        "minutes": int(ticket.waiting_seconds // 60),
        "position": runtime().handoff.position(ticket.id),
        "address": address_shown_to(g.case_worker, ticket.address),
    }


@bp.get("/")
@login_required
def queue() -> ResponseReturnValue:
    rt = runtime()
    mine = [t for t in rt.handoff.claimed() if t.claimed_by == g.case_worker.email]
    waiting = rt.handoff.waiting()
    return render_template(
        "console/queue.html",
        waiting=[_view(t) for t in waiting],
        mine=[_view(t) for t in mine],
        urgent=sum(1 for t in waiting if t.priority == URGENT),
    )


@bp.get("/queue.json")
@login_required
def queue_json() -> ResponseReturnValue:
    """What the queue page polls to stay live."""
    rt = runtime()
    waiting = rt.handoff.waiting()
    return jsonify(
        waiting=[
            {"id": t.id, "priority": t.priority, "topic": t.topic, "channel": t.channel,
             "minutes": int(t.waiting_seconds // 60),
             # In the console's language, for the page to show.
             "priority_name": priority_name(t.priority), "topic_name": topic_name(t.topic),
             "channel_name": channel_name(t.channel)}
            for t in waiting
        ],
        urgent=sum(1 for t in waiting if t.priority == URGENT),
    )  # fmt: skip


@bp.post("/claim")
@login_required
def claim() -> ResponseReturnValue:
    ticket = runtime().handoff.claim(g.case_worker.email, LEASE_SECONDS)
    if ticket is None:
        flash(_("Nadie espera ahora."))
        return redirect(url_for("console.queue"))
    return redirect(url_for("console.ticket", ticket_id=ticket.id))


# -- one ticket ------------------------------------------------------------------------------
def _ticket_or_error(ticket_id: str, must_hold: bool) -> Ticket:
    try:
        return casework.ticket_for(runtime(), g.case_worker, ticket_id, must_hold)
    except CaseworkError as exc:
        abort(exc.status, description=str(exc))


@bp.get("/tickets/<ticket_id>")
@login_required
def ticket(ticket_id: str) -> ResponseReturnValue:
    rt = runtime()
    current = _ticket_or_error(ticket_id, must_hold=False)
    if current.claimed_by == g.case_worker.email:
        rt.handoff.renew(current.id, g.case_worker.email, LEASE_SECONDS)
    canned = rt.content.snapshot().system
    messages = transcript(rt.sessions, current.participant)
    retried = retried_as(messages)
    return render_template(
        "console/ticket.html",
        **_view(current),
        messages=messages,
        retried=retried,
        # Failed messages a supervisor may send again (a button next to each).
        retryable={m.outbox_id for m in messages if can_retry(m, retried)}
        if g.case_worker.role == SUPERVISOR
        else set(),
        notes=notes(rt.sessions, current.id),
        attachments=rt.handoff.attachments(current.id),
        history=handoff_events(rt.sessions, current.participant),
        canned=[canned[k] for k in sorted(canned) if k.startswith("canned_")],
        mine=current.claimed_by == g.case_worker.email,
        window_open=window_open(rt, current),
        templates=rt.content.snapshot().whatsapp_templates,
        renew_every_ms=RENEW_EVERY_SECONDS * 1000,
        # She asked us not to write first (BAJA, NO ME ESCRIBAS: a shared phone, maybe).
        no_first_contact=is_opted_out(rt.sessions, current.participant),
        # Her programme outcomes, in the history; her whole case for who may open it.
        outcomes=outcomes_of(rt.sessions, current.participant),
        case_open=may_see_case(g.case_worker, current),
    )


@bp.get("/tickets/<ticket_id>/attachments/<int:number>")
@login_required
def attachment(ticket_id: str, number: int) -> ResponseReturnValue:
    """A file she sent, fetched from Twilio for whoever may see her ticket."""
    rt = runtime()
    current = _ticket_or_error(ticket_id, must_hold=False)
    files = rt.handoff.attachments(current.id)
    if not 0 <= number < len(files):
        abort(404)
    try:
        media = fetch(files[number]["url"], rt.settings)
    except MediaUnavailable as exc:
        return Response(str(exc) + "\n", status=502, mimetype="text/plain")
    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    return Response(media.content, mimetype=media.content_type, headers=headers)


def _back(ticket_id: str) -> ResponseReturnValue:
    return redirect(url_for("console.ticket", ticket_id=ticket_id))


@bp.post("/tickets/<ticket_id>/lease")
@login_required
def keep_lease(ticket_id: str) -> ResponseReturnValue:
    """The open ticket page's heartbeat: a reply typed slowly is not lost to an expired lease."""
    current = _ticket_or_error(ticket_id, must_hold=True)
    runtime().handoff.renew(current.id, g.case_worker.email, LEASE_SECONDS)
    return "", 204


@bp.post("/tickets/<ticket_id>/reply")
@login_required
def reply_to_her(ticket_id: str) -> ResponseReturnValue:
    current = _ticket_or_error(ticket_id, must_hold=True)
    try:
        reply(runtime(), current, request.form.get("text", ""))
        flash(_("Respuesta enviada."))
    except RelayError as exc:
        flash(str(exc))
    return _back(ticket_id)


@bp.post("/tickets/<ticket_id>/template")
@login_required
def template(ticket_id: str) -> ResponseReturnValue:
    current = _ticket_or_error(ticket_id, must_hold=True)
    try:
        send_template(runtime(), current, request.form.get("template", ""))
        flash(_("Plantilla enviada."))
    except RelayError as exc:
        flash(str(exc))
    return _back(ticket_id)


@bp.post("/tickets/<ticket_id>/notes")
@login_required
def add_internal_note(ticket_id: str) -> ResponseReturnValue:
    current = _ticket_or_error(ticket_id, must_hold=False)
    text = request.form.get("text", "").strip()
    if text:
        add_note(runtime().sessions, current.id, g.case_worker.email, text)
    return _back(ticket_id)


@bp.post("/tickets/<ticket_id>/transfer")
@login_required
def transfer(ticket_id: str) -> ResponseReturnValue:
    current = _ticket_or_error(ticket_id, must_hold=True)
    try:
        casework.transfer(runtime(), g.case_worker, current, request.form.get("to", "").lower())
    except CaseworkError as exc:
        flash(str(exc))
        return _back(ticket_id)
    flash(_("Conversación transferida."))
    return redirect(url_for("console.queue"))


@bp.post("/tickets/<ticket_id>/resolve")
@login_required
def resolve(ticket_id: str) -> ResponseReturnValue:
    current = _ticket_or_error(ticket_id, must_hold=True)
    try:
        casework.resolve(runtime(), g.case_worker, current)
    except CaseworkError as exc:
        flash(str(exc))
        return _back(ticket_id)
    flash(_("Conversación resuelta: el bot le pide una calificación."))
    return redirect(url_for("console.queue"))


@bp.post("/tickets/<ticket_id>/messages/<outbox_id>/retry")
@login_required
def retry_message(ticket_id: str, outbox_id: str) -> ResponseReturnValue:
    """Supervisors: send a failed message of hers again (bot/handoff/redelivery.py)."""
    current = _ticket_or_error(ticket_id, must_hold=False)
    try:
        retry_failed(runtime(), g.case_worker, outbox_id, participant=current.participant)
    except Conflict as exc:  # not failed (any more), already retried…: say why on the page
        flash(str(exc))
        return _back(ticket_id)
    except CaseworkError as exc:  # not a supervisor, not her message
        abort(exc.status, description=str(exc))
    flash(_("Mensaje reenviado: va al final de su cola."))
    return _back(ticket_id)


# -- her case --------------------------------------------------------------------------------
def _case_ticket_or_error(ticket_id: str) -> Ticket:
    try:
        return her_case.case_ticket_for(runtime(), g.case_worker, ticket_id)
    except CaseworkError as exc:
        abort(exc.status, description=str(exc))


def _back_to_case(ticket_id: str) -> ResponseReturnValue:
    return redirect(url_for("console.case", ticket_id=ticket_id) + "#outcomes")


def _invalid_outcome(exc: InvalidOutcome) -> str:
    """What the case worker reads when the form was not valid, in the console's language."""
    if isinstance(exc, UnknownKind):
        return _("Elige un resultado de la lista.")
    if isinstance(exc, FutureDay):
        return _("La fecha no puede estar en el futuro.")
    if isinstance(exc, BadDay):
        return _("Escribe una fecha válida.")
    return str(exc)


@bp.get("/tickets/<ticket_id>/case")
@login_required
def case(ticket_id: str) -> ResponseReturnValue:
    """Her case: what a case worker needs before answering (bot/handoff/case.py)."""
    rt = runtime()
    current = _case_ticket_or_error(ticket_id)
    snapshot = rt.content.snapshot()
    return render_template(
        "console/case.html",
        ticket=current,
        address=address_shown_to(g.case_worker, current.address),
        case=her_case.load_case(rt, current),
        kinds=[kind.id for kind in snapshot.outcomes],
        scholarships={s.id: s.name for s in snapshot.scholarships},
        editable=lambda outcome: may_change(g.case_worker, outcome),
        today=today_in_bogota().isoformat(),
    )


@bp.post("/tickets/<ticket_id>/outcomes")
@login_required
def add_outcome(ticket_id: str) -> ResponseReturnValue:
    current = _case_ticket_or_error(ticket_id)
    try:
        her_case.record_outcome(
            runtime(), g.case_worker, current,
            request.form.get("kind", ""), request.form.get("happened_on", ""),
        )  # fmt: skip
    except InvalidOutcome as exc:
        flash(_invalid_outcome(exc))
        return _back_to_case(ticket_id)
    flash(_("Resultado registrado."))
    return _back_to_case(ticket_id)


@bp.post("/tickets/<ticket_id>/outcomes/<int:outcome_id>")
@login_required
def change_outcome(ticket_id: str, outcome_id: int) -> ResponseReturnValue:
    current = _case_ticket_or_error(ticket_id)
    try:
        her_case.change_outcome(
            runtime(), g.case_worker, current, outcome_id,
            request.form.get("kind", ""), request.form.get("happened_on", ""),
        )  # fmt: skip
    except InvalidOutcome as exc:
        flash(_invalid_outcome(exc))
        return _back_to_case(ticket_id)
    except CaseworkError as exc:  # not hers (404), not yours to change (403)
        abort(exc.status, description=str(exc))
    flash(_("Resultado actualizado."))
    return _back_to_case(ticket_id)


@bp.post("/tickets/<ticket_id>/outcomes/<int:outcome_id>/delete")
@login_required
def delete_outcome(ticket_id: str, outcome_id: int) -> ResponseReturnValue:
    current = _case_ticket_or_error(ticket_id)
    try:
        her_case.remove_outcome(runtime(), g.case_worker, current, outcome_id)
    except CaseworkError as exc:
        abort(exc.status, description=str(exc))
    flash(_("Resultado eliminado."))
    return _back_to_case(ticket_id)
