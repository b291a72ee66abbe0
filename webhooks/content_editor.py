"""The content editor (/console/content), for content staff (editors and supervisors; case
workers and programme staff get 403): every item of content by kind, with search and a filter
for facts not checked in 180 days; an item's form (generated from the schema), what she would
receive on WhatsApp and on SMS, drafts, publishing now or on a date, unpublishing, history with
diffs and reverting; new courses, scholarships and support lines; the review of what editors
sent to a supervisor; the second confirmation a support line or the privacy notice needs; and
the audit of every change.

Thin: the rules and the SQL are bot/publishing/'s (repository, workflow, forms, preview). Every
POST carries the console's CSRF token; content is only ever autoescaped (never `|safe`): the
preview's HTML is built from escaped text (bot/publishing/preview.py).
"""

from __future__ import annotations

import difflib
from datetime import datetime
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

from bot.content.i18n import TIMEZONE, today_in_bogota
from bot.handoff.accounts import CONTENT_ROLES, SUPERVISOR
from bot.publishing.check import Problem, dialogue_needs
from bot.publishing.forms import Form, bind, form_data, form_for, parse, to_data, validate
from bot.publishing.preview import NOT_VALID, Options, Preview, preview
from bot.publishing.repository import (
    ContentChangeError,
    ContentRepository,
    ItemSummary,
    VersionView,
)
from bot.publishing.workflow import (
    ADDABLE,
    DRAFT,
    KINDS,
    OPEN,
    PUBLISHED,
    REVIEW,
    SCHEDULED,
    SECOND_CONFIRMATION,
    SUPPORT_LINES,
    NotAllowed,
    kind_of,
    may_review,
    may_unpublish,
    on_publish,
)
from bot.store.models import as_utc
from webhooks.console import account_required, check_session_and_csrf
from webhooks.extensions import runtime

bp = Blueprint("content", __name__, url_prefix="/console/content")
bp.before_request(check_session_and_csrf)  # the console's CSRF check on POSTs, idle expiry
REFUSED = "the content editor is for content staff (editors, supervisors)"
# Kinds as the console names them (Spanish; translated in the templates).
KIND_NAMES = {
    "courses": "Cursos",
    "scholarships": "Becas",
    "credential_paths": "Validar títulos",
    "credit": "Microcréditos",
    "texts": "Textos",
    "support_lines": "Líneas de apoyo",
    "privacy": "Privacidad",
    "programme": "Programa",
    "whatsapp": "WhatsApp",
    "outcomes": "Resultados",
}
STATUS_NAMES = {
    "live": "publicado",
    "off": "no publicado",
    DRAFT: "borrador",
    REVIEW: "en revisión",
    SCHEDULED: "programado",
    "unpublish": "retiro programado",
    PUBLISHED: "publicado",
    "superseded": "reemplazado",
    "discarded": "descartado",
}
PREVIEW, SAVE = "preview", "save"


def register(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.app_context_processor
def content_helpers() -> dict[str, Any]:
    """For the console's header: whether to show the link to the content editor."""
    return {"may_edit_content": lambda worker: worker.role in CONTENT_ROLES}


def _allowed() -> None:
    if g.case_worker.role not in CONTENT_ROLES:
        abort(403, description=REFUSED)


def _repository() -> ContentRepository:
    rt = runtime()
    return ContentRepository(rt.sessions, rt.redis, rt.keys)


def _changed() -> None:
    """This process reads what it just published at its next read, not in a few seconds."""
    runtime().content.refresh()


def _local(moment: datetime | None) -> str:
    return as_utc(moment).astimezone(TIMEZONE).strftime("%Y-%m-%d %H:%M") if moment else ""


def _when(field: str) -> datetime | None:
    """A date and time typed in Bogotá's time (datetime-local), or None when left empty."""
    raw = request.form.get(field, "").strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        abort(400, description=_("Escribe una fecha y hora válidas."))
    return moment.replace(tzinfo=TIMEZONE) if moment.tzinfo is None else moment


def _statuses(summary: ItemSummary) -> list[str]:
    found = ["live" if summary.live else "off"]
    if summary.open_status:
        found.append(summary.open_status)
    if summary.unpublish_at:
        found.append("unpublish")
    return found


def _options() -> Options:
    settings = runtime().settings
    return Options(
        transliterate=settings.sms_transliterate,
        budget_segments=settings.sms_budget_segments,
        price_per_segment=settings.sms_price_per_segment,
        paged=frozenset(dialogue_needs()[1]),
        today=today_in_bogota(),
    )


def _preview(section: str, key: str, value: Any) -> Preview:
    return preview(section, key, value, runtime().content, _options())


def _page(template: str, status: int = 200, **context: Any) -> Response:
    response = Response(
        render_template(
            template,
            kind_names=KIND_NAMES,
            status_names=STATUS_NAMES,
            local=_local,
            is_supervisor=g.case_worker.role == SUPERVISOR,
            **context,
        ),
        status=status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _version(item_id: int, version_id: int) -> VersionView:
    """A version of this item, or 404."""
    try:
        versions = _repository().versions(item_id)
    except KeyError:
        abort(404)
    for version in versions:
        if version.id == version_id:
            return version
    abort(404)


def _item_or_404(item_id: int) -> Any:
    try:
        return _repository().item(item_id)
    except KeyError:
        abort(404)


# -- the list ---------------------------------------------------------------------------------
@bp.get("/")
@account_required
def index() -> ResponseReturnValue:
    _allowed()
    kind = request.args.get("kind", "")
    kind = kind if kind in KINDS else ""
    search = request.args.get("q", "").strip()[:200]
    stale = bool(request.args.get("stale"))
    items = _repository().items(kind or None, search, stale_only=stale)
    return _page(
        "console/content_list.html",
        items=items,
        statuses=_statuses,
        kinds=KINDS,
        kind=kind,
        search=search,
        stale=stale,
        addable=[k for k in KINDS if k in ADDABLE],
        waiting=len(_repository().review_queue()),
    )


# -- one item ---------------------------------------------------------------------------------
def _publish_label(kind: str) -> str:
    """What the publish button does for this account: publish, or send to review."""
    try:
        decision = on_publish(kind, g.case_worker.role, confirmed=True)
    except NotAllowed:
        return ""
    return _("Publicar") if decision.publish else _("Enviar a revisión")


def _item_page(
    item_id: int,
    data: dict[str, list[str]] | None = None,
    errors: dict[str, str] | None = None,
    problems: list[Problem] | None = None,
    shown: Preview | None = None,
    note: str = "",
    status: int = 200,
) -> Response:
    repository = _repository()
    item = _item_or_404(item_id)
    kind = kind_of(item.file, item.section)
    versions = repository.versions(item_id)
    value = repository.value(item_id)
    form = form_for(item.section)
    if data is None:
        data = to_data(form, value)
    if shown is None:
        shown = _preview(item.section, item.key, value)
    open_version = next((v for v in versions if v.status in OPEN), None)
    live = next((v for v in versions if v.live), None)
    return _page(
        "console/content_item.html",
        status=status,
        item=item,
        kind=kind,
        title=_title(item.key, value),
        fields=bind(form, data, errors),
        form_error=(errors or {}).get("", ""),
        problems=problems or [],
        preview=shown,
        versions=versions,
        open_version=open_version,
        live=live,
        note=note,
        publish_label=_publish_label(kind),
        may_unpublish=may_unpublish(kind, g.case_worker.role),
        may_review=may_review(g.case_worker.role),
        action=url_for("content.edit", item_id=item_id),
        new_kind="",
    )


def _title(key: str, value: Any) -> str:
    if isinstance(value, dict):
        for name in ("name", "title", "id"):
            if isinstance(value.get(name), str) and value[name]:
                return str(value[name])
    return key


@bp.get("/items/<int:item_id>")
@account_required
def item(item_id: int) -> ResponseReturnValue:
    _allowed()
    return _item_page(item_id)


def _submitted(form: Form, before: Any) -> tuple[dict[str, list[str]], Any, dict[str, str]]:
    data = form_data(request.form.to_dict(flat=False))
    value, errors = parse(form, data, before)
    if not errors:
        errors = validate(form, value)
    return data, value, errors


@bp.post("/items/<int:item_id>")
@account_required
def edit(item_id: int) -> ResponseReturnValue:
    """The form: "preview" shows what she would receive (nothing saved); "save" saves a draft
    (refused, with the reasons next to the form and the input kept, when it is not valid)."""
    _allowed()
    repository = _repository()
    item = _item_or_404(item_id)
    form = form_for(item.section)
    data, value, errors = _submitted(form, repository.value(item_id))
    note = request.form.get("note", "").strip()[:500]
    shown = Preview(note=NOT_VALID) if errors else _preview(item.section, item.key, value)
    if request.form.get("action") != SAVE:
        return _item_page(item_id, data, errors, shown=shown, note=note)
    if errors:
        return _item_page(item_id, data, errors, shown=shown, note=note, status=400)
    try:
        repository.save_draft(item_id, value, g.case_worker.email, note)
    except ContentChangeError as exc:
        problems = exc.problems or [Problem("error", item.key, str(exc))]
        return _item_page(item_id, data, errors, problems, shown, note, status=400)
    flash(_("Borrador guardado: todavía no lo ve nadie. Publícalo cuando esté listo."))
    return redirect(url_for("content.item", item_id=item_id), code=303)


def _refused(item_id: int, exc: ContentChangeError) -> Response:
    problems = exc.problems or [Problem("error", "", str(exc))]
    return _item_page(item_id, problems=problems, status=400)


def _done(item_id: int, message: str) -> ResponseReturnValue:
    flash(message)
    return redirect(url_for("content.item", item_id=item_id), code=303)


def _published(item_id: int, status: str) -> ResponseReturnValue:
    _changed()
    if status == REVIEW:
        return _done(item_id, _("Enviado a revisión: un(a) supervisor(a) lo publica."))
    if status == SCHEDULED:
        return _done(item_id, _("Programado: se publica solo en la fecha indicada."))
    return _done(item_id, _("Publicado: el asistente lo dice desde ahora."))


def _confirmation(item_id: int, version: VersionView, at: datetime | None, error: str = "",
                  status: int = 200) -> Response:  # fmt: skip
    """The second confirmation of a support line or the privacy notice: what changes, and
    the numbers she will dial."""
    repository = _repository()
    item = _item_or_404(item_id)
    versions = repository.versions(item_id)
    live = next((v for v in versions if v.live), None)
    diff = "\n".join(
        difflib.unified_diff(
            (live.body if live else "").splitlines(), version.body.splitlines(), lineterm="", n=2
        )
    )
    value = repository.value(item_id, version.id)
    before = repository.value(item_id, live.id) if live else None
    return _page(
        "console/content_confirm.html",
        status=status,
        item=item,
        kind=kind_of(item.file, item.section),
        title=_title(item.key, value),
        version=version,
        diff=diff,
        value=value,
        before=before,
        support_line=kind_of(item.file, item.section) == SUPPORT_LINES,
        at=at.astimezone(TIMEZONE).strftime("%Y-%m-%dT%H:%M") if at else "",
        error=error,
    )


@bp.post("/items/<int:item_id>/versions/<int:version_id>/publish")
@account_required
def publish(item_id: int, version_id: int) -> ResponseReturnValue:
    """Publish now or at a date (or send to review). A supervisor publishing a support line or
    the privacy notice gets the confirmation step first: nothing is published here."""
    _allowed()
    version = _version(item_id, version_id)
    at = _when("at")
    kind = _repository().kind(item_id)
    if kind in SECOND_CONFIRMATION and g.case_worker.role == SUPERVISOR:
        return _confirmation(item_id, version, at)
    return _publish(item_id, version_id, at, confirmed=False)


@bp.post("/items/<int:item_id>/versions/<int:version_id>/confirm")
@account_required
def confirm(item_id: int, version_id: int) -> ResponseReturnValue:
    """The second confirmation's submit: published only with the box ticked."""
    _allowed()
    version = _version(item_id, version_id)
    at = _when("at")
    if request.form.get("confirm") != "yes":
        error = _("Marca la casilla para confirmar que revisaste los números y el texto.")
        return _confirmation(item_id, version, at, error, status=400)
    return _publish(item_id, version_id, at, confirmed=True)


def _publish(
    item_id: int, version_id: int, at: datetime | None, confirmed: bool
) -> ResponseReturnValue:
    try:
        status = _repository().publish(version_id, g.case_worker.email, g.case_worker.role,
                                       confirmed=confirmed, at=at)  # fmt: skip
    except NotAllowed as exc:
        abort(403, description=str(exc))
    except ContentChangeError as exc:
        return _refused(item_id, exc)
    return _published(item_id, status)


@bp.post("/items/<int:item_id>/versions/<int:version_id>/send-back")
@account_required
def send_back(item_id: int, version_id: int) -> ResponseReturnValue:
    _allowed()
    _version(item_id, version_id)
    note = request.form.get("note", "").strip()[:500]
    try:
        _repository().send_back(version_id, g.case_worker.email, g.case_worker.role, note)
    except NotAllowed as exc:
        abort(403, description=str(exc))
    except ContentChangeError as exc:
        return _refused(item_id, exc)
    return _done(item_id, _("Devuelto como borrador, con tu nota."))


@bp.post("/items/<int:item_id>/versions/<int:version_id>/discard")
@account_required
def discard(item_id: int, version_id: int) -> ResponseReturnValue:
    _allowed()
    _version(item_id, version_id)
    try:
        _repository().discard(version_id, g.case_worker.email, g.case_worker.role)
    except NotAllowed as exc:
        abort(403, description=str(exc))
    except ContentChangeError as exc:
        return _refused(item_id, exc)
    return _done(item_id, _("Borrador descartado."))


@bp.post("/items/<int:item_id>/versions/<int:version_id>/revert")
@account_required
def revert(item_id: int, version_id: int) -> ResponseReturnValue:
    _allowed()
    version = _version(item_id, version_id)
    try:
        _repository().revert(item_id, version_id, g.case_worker.email)
    except ContentChangeError as exc:
        return _refused(item_id, exc)
    return _done(
        item_id,
        _("Nuevo borrador con el texto de la versión %(number)s: publícalo para volver a ella.",
          number=version.number),
    )  # fmt: skip


@bp.post("/items/<int:item_id>/unpublish")
@account_required
def unpublish(item_id: int) -> ResponseReturnValue:
    _allowed()
    _item_or_404(item_id)
    at = _when("at")
    try:
        _repository().unpublish(item_id, g.case_worker.email, g.case_worker.role, at)
    except NotAllowed as exc:
        abort(403, description=str(exc))
    except ContentChangeError as exc:
        return _refused(item_id, exc)
    _changed()
    if at is not None and at > datetime.now(TIMEZONE):
        return _done(item_id, _("Retiro programado: deja de decirse en la fecha indicada."))
    return _done(item_id, _("Retirado: el asistente ya no lo dice."))


# -- new items --------------------------------------------------------------------------------
def _new_page(kind: str, data: dict[str, list[str]] | None = None,
              errors: dict[str, str] | None = None, problems: list[Problem] | None = None,
              shown: Preview | None = None, status: int = 200) -> Response:  # fmt: skip
    section = ADDABLE[kind]
    form = form_for(section, new=True)
    return _page(
        "console/content_item.html",
        status=status,
        item=None,
        kind=kind,
        title="",
        fields=bind(form, data if data is not None else to_data(form, {}), errors),
        form_error=(errors or {}).get("", ""),
        problems=problems or [],
        preview=shown,
        versions=[],
        open_version=None,
        live=None,
        note="",
        publish_label="",
        may_unpublish=False,
        may_review=False,
        action=url_for("content.new", kind=kind),
        new_kind=kind,
    )


@bp.route("/new/<kind>", methods=["GET", "POST"])
@account_required
def new(kind: str) -> ResponseReturnValue:
    """A new course, scholarship or support line (a draft until published)."""
    _allowed()
    if kind not in ADDABLE:
        abort(404)
    if request.method == "GET":
        return _new_page(kind)
    section = ADDABLE[kind]
    form = form_for(section, new=True)
    data, value, errors = _submitted(form, None)
    shown = Preview(note=NOT_VALID) if errors else _preview(section, str(value["id"]), value)
    if request.form.get("action") != SAVE:
        return _new_page(kind, data, errors, shown=shown)
    if errors:
        return _new_page(kind, data, errors, shown=shown, status=400)
    try:
        item_id = _repository().add_item(kind, value, g.case_worker.email)
    except ContentChangeError as exc:
        problems = exc.problems or [Problem("error", kind, str(exc))]
        return _new_page(kind, data, errors, problems, shown, status=400)
    flash(_("Creado como borrador: publícalo cuando esté listo."))
    return redirect(url_for("content.item", item_id=item_id), code=303)


# -- review and audit -------------------------------------------------------------------------
@bp.get("/review")
@account_required
def review() -> ResponseReturnValue:
    """What editors sent to a supervisor; supervisors approve (publish) or send back."""
    _allowed()
    return _page("console/content_review.html", waiting=_repository().review_queue(),
                 may_review=may_review(g.case_worker.role))  # fmt: skip


@bp.get("/audit")
@account_required
def audit() -> ResponseReturnValue:
    """Every change to what participants read: who, when, what."""
    _allowed()
    return _page("console/content_audit.html", entries=_repository().audit(limit=500))
