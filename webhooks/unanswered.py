"""The review of what she asked and the assistant could not answer (/console/unanswered), for
content staff (editors and supervisors; case workers and programme staff get 403): her
messages answered with "not understood", grouped by similar wording with counts, numbers
masked; per group, label it with the intent it should have been (exported to nlu/data/ by
`almas nlu import-reviewed`), mark it as a new topic for the programme, or dismiss it; and the
new topics found, with counts. Thin: the grouping, the rules and the SQL are
bot/publishing/unanswered.py's. Her text is only ever autoescaped (never `|safe`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from bot.publishing.unanswered import (
    BadTopic,
    NothingToReview,
    ReviewError,
    UnknownIntent,
    dismiss,
    domain_intents,
    label_group,
    mark_new_topic,
    may_review,
    new_topics,
    unanswered_groups,
)
from webhooks.console import account_required, check_session_and_csrf
from webhooks.console_labels import TOPICS, topic_name
from webhooks.extensions import runtime

bp = Blueprint("unanswered", __name__, url_prefix="/console/unanswered")
bp.before_request(check_session_and_csrf)  # the console's CSRF check on POSTs, idle expiry
PERIODS = (7, 30, 90, 365)  # days back the page looks
DEFAULT_DAYS = 30
REFUSED = "the review of messages not understood is for content staff (editors, supervisors)"


def register(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.app_context_processor
def unanswered_helpers() -> dict[str, Any]:
    """For the console's header: whether to show the link to this page."""
    return {"may_review_unanswered": lambda worker: may_review(worker.role)}


def _allowed() -> None:
    if not may_review(g.case_worker.role):
        abort(403, description=REFUSED)


def _days() -> int:
    try:
        days = int(request.values.get("days", DEFAULT_DAYS))
    except ValueError:
        return DEFAULT_DAYS
    return days if days in PERIODS else DEFAULT_DAYS


def _intent_choices(intents: frozenset[str]) -> list[tuple[str, str]]:
    """(intent, what the select shows): the programme's topics by their console name."""
    choices = []
    for intent in sorted(intents):
        topic = intent.removeprefix("ask_")
        name = f"{intent} · {topic_name(topic)}" if topic in TOPICS else intent
        choices.append((intent, name))
    return choices


def _page(error: str = "", status: int = 200) -> ResponseReturnValue:
    rt = runtime()
    days = _days()
    since = datetime.now(UTC) - timedelta(days=days)
    response = Response(
        render_template(
            "console/unanswered.html",
            groups=unanswered_groups(rt.sessions, since),
            topics=new_topics(rt.sessions, since),
            intents=_intent_choices(domain_intents()),
            days=days,
            periods=PERIODS,
            error=error,
        ),
        status=status,
    )
    response.headers["Cache-Control"] = "no-store"  # her words
    return response


@bp.get("/")
@account_required
def page() -> ResponseReturnValue:
    _allowed()
    return _page()


def _message_ids() -> list[int]:
    """The group's message ids the form carries ("12,15,40")."""
    ids = []
    for part in request.form.get("messages", "").split(","):
        if part.strip().isdigit():
            ids.append(int(part))
    return ids


def _refused(exc: ReviewError) -> ResponseReturnValue:
    """The page again, saying why the form was not taken, in the console's language."""
    if isinstance(exc, UnknownIntent):
        intent = request.form.get("intent", "")
        text = _(
            "«%(intent)s» no es una intención del asistente: elige una de la lista.",
            intent=intent,
        )
        return _page(text, 400)
    if isinstance(exc, NothingToReview):
        return _page(_(str(exc)), 409)
    if isinstance(exc, BadTopic):
        return _page(_(str(exc)), 400)
    return _page(str(exc), 400)  # pragma: no cover


def _done(text: str) -> ResponseReturnValue:
    flash(text)
    return redirect(url_for("unanswered.page", days=_days()), code=303)


@bp.post("/label")
@account_required
def label() -> ResponseReturnValue:
    _allowed()
    try:
        count = label_group(
            runtime().sessions,
            _message_ids(),
            request.form.get("intent", ""),
            g.case_worker.email,
            domain_intents(),
        )
    except ReviewError as exc:
        return _refused(exc)
    intent = request.form.get("intent", "").strip()
    return _done(
        _(
            "Etiquetados como %(intent)s: %(count)s (entran en el próximo entrenamiento).",
            count=count,
            intent=intent,
        )
    )


@bp.post("/new-topic")
@account_required
def new_topic() -> ResponseReturnValue:
    _allowed()
    try:
        count = mark_new_topic(
            runtime().sessions, _message_ids(), request.form.get("topic", ""), g.case_worker.email
        )
    except ReviewError as exc:
        return _refused(exc)
    return _done(_("Marcados como tema nuevo: %(count)s.", count=count))


@bp.post("/dismiss")
@account_required
def dismiss_group() -> ResponseReturnValue:
    _allowed()
    try:
        count = dismiss(runtime().sessions, _message_ids(), g.case_worker.email)
    except ReviewError as exc:
        return _refused(exc)
    return _done(_("Descartados: %(count)s.", count=count))
