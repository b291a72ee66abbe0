"""Content in SQL: import and export of content/'s files, drafts, review, publishing (now or on
a date), unpublishing, reverting, each item's history, and the audit of every change.

Every change to what participants read is checked first with the same rules as `almas content
check` (the whole content as it would be after the change: a change that adds an error is
refused) and then raises the version counter in Redis, so every process — web, action server,
worker, scheduler, on every replica — reloads within seconds (bot/content/sources.py).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.content.documents import MAPPING, SINGLE, DocumentError, dump, load, parse
from bot.content.i18n import today_in_bogota
from bot.content.sources import StaticSource, live_documents
from bot.content.store import ContentStore
from bot.core.keys import Keys
from bot.core.locks import release
from bot.publishing.check import Problem, check, dialogue_needs, placeholders_kept
from bot.publishing.workflow import (
    ADDABLE,
    DISCARDED,
    DRAFT,
    OPEN,
    PUBLISHED,
    REVIEW,
    SCHEDULED,
    SUPERSEDED,
    NotAllowed,
    kind_of,
    may_review,
    may_unpublish,
    on_publish,
)
from bot.store.models import ContentAudit, ContentFile, ContentItem, ContentVersion, as_utc, utcnow

if TYPE_CHECKING:
    from bot.runtime import Runtime

IMPORT_ACTOR = "almas content import"
SCHEDULER_ACTOR = "scheduler"


class ContentChangeError(ValueError):
    """A change that cannot be made: the problems say why (shown next to the form)."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass(frozen=True)
class ImportResult:
    created: int
    changed: int
    unchanged: int


@dataclass(frozen=True)
class ItemSummary:
    id: int
    kind: str
    section: str
    key: str
    title: str
    live: bool
    checked: date | None
    open_status: str | None  # the newest draft/review/scheduled version's status, if any
    unpublish_at: datetime | None


@dataclass(frozen=True)
class VersionView:
    id: int
    number: int
    status: str
    body: str
    note: str
    created_by: str
    created_at: datetime
    submitted_by: str | None
    publish_at: datetime | None
    published_by: str | None
    published_at: datetime | None
    diff: str  # against the version before it
    live: bool


def value_of(section: str, shape: str, key: str, body: str) -> Any:
    """What an item's YAML holds: the course itself, a response's variants, a system text."""
    value = load(body)
    if shape in (MAPPING, SINGLE):
        return value[key if shape == MAPPING else section]
    return value


def body_of(section: str, shape: str, key: str, value: Any) -> str:
    if shape == MAPPING:
        return dump({key: value})
    if shape == SINGLE:
        return dump({section: value})
    return dump(value)


def shape_of_item(item: ContentItem) -> str:
    if item.section in ("responses", "system"):
        return MAPPING
    return SINGLE if item.key == item.section else "list"


def title_of(item: ContentItem, value: Any) -> str:
    if isinstance(value, dict):
        for field in ("name", "title", "id"):
            if isinstance(value.get(field), str) and value[field]:
                return value[field]
    return item.key


def checked_of(value: Any) -> date | None:
    """When the facts of an item were last checked (the oldest date of its `checked` fields)."""
    found: list[date] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            for name, inner in node.items():
                if (name == "checked" or str(name).endswith("_checked")) and isinstance(
                    inner, date
                ):
                    found.append(inner)
                else:
                    visit(inner)
        elif isinstance(node, list):
            for inner in node:
                visit(inner)

    visit(value)
    return min(found) if found else None


class ContentRepository:
    """The content in SQL, for the console, the CLI and the scheduler."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        client: redis.Redis | redis.RedisCluster,
        keys: Keys,
        today: Callable[[], date] = today_in_bogota,
        needs: tuple[set[str], set[str]] | None = None,
    ) -> None:
        self.sessions = sessions
        self.redis = client
        self.keys = keys
        self.today = today
        self._needs = needs
        self._checked: dict[int, list[Problem]] = {}  # the errors of recently checked content

    # -- the version every process watches ----------------------------------------------------
    def announce(self) -> None:
        """Raise the version counter: every process reloads at its next check."""
        self.redis.incr(self.keys.content_version())

    # -- checks -------------------------------------------------------------------------------
    def problems_of(self, documents: dict[str, str]) -> list[Problem]:
        needed, paged = self._needs if self._needs is not None else dialogue_needs()
        store = ContentStore(source=StaticSource(documents))
        return check(store, self.today(), needed, paged)

    def _errors(self, documents: dict[str, str]) -> list[Problem]:
        key = hash(tuple(sorted(documents.items())))
        if key not in self._checked:
            if len(self._checked) > 16:
                self._checked.clear()
            self._checked[key] = [p for p in self.problems_of(documents) if p.level == "error"]
        return self._checked[key]

    def _check_change(self, session: Session, overrides: dict[int, str | None]) -> list[Problem]:
        """Errors the change adds to the live content (warnings and old errors don't block)."""
        before = {str(p) for p in self._errors(live_documents(session))}
        return [p for p in self._errors(live_documents(session, overrides)) if str(p) not in before]

    # -- import / export ----------------------------------------------------------------------
    def is_empty(self) -> bool:
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(ContentFile)) == 0

    def import_documents(
        self, documents: dict[str, str], actor: str = IMPORT_ACTOR
    ) -> ImportResult:
        """Load files (idempotent: an item whose text is already live is left alone; one that
        differs gets a new published version). The files must pass the check."""
        problems = [p for p in self.problems_of(documents) if p.level == "error"]
        if problems:
            raise ContentChangeError("the files do not pass the content check", problems)
        try:
            parsed = [parse(name, documents[name]) for name in sorted(documents)]
        except DocumentError as exc:
            raise ContentChangeError(str(exc)) from exc
        created = changed = unchanged = 0
        with self.sessions() as session:
            for position, document in enumerate(parsed):
                row = session.get(ContentFile, document.name)
                if row is None:
                    session.add(
                        ContentFile(
                            name=document.name, position=position, layout=document.layout()
                        )
                    )
                else:
                    row.position, row.layout = position, document.layout()
                for section in document.sections:
                    for index, entry in enumerate(section.entries):
                        item = session.scalar(
                            select(ContentItem).where(
                                ContentItem.section == section.name, ContentItem.key == entry.key
                            )
                        )
                        if item is None:
                            item = ContentItem(
                                file=document.name,
                                section=section.name,
                                key=entry.key,
                                position=index,
                                comment=entry.comment,
                            )
                            session.add(item)
                            session.flush()
                            created += 1
                        else:
                            item.file, item.position = document.name, index
                            item.comment = entry.comment
                            if self._live_body(session, item) == entry.body:
                                unchanged += 1
                                continue
                            changed += 1
                        version = self._new_version(session, item, entry.body, actor, "import")
                        self._make_live(session, item, version, actor, "import")
            session.commit()
        if created or changed:
            self.announce()
        return ImportResult(created, changed, unchanged)

    def export_documents(self) -> dict[str, str]:
        """Every file as participants read it now, in content/'s format."""
        with self.sessions() as session:
            return live_documents(session)

    # -- reading ------------------------------------------------------------------------------
    def items(self, kind: str | None = None, search: str = "", stale_only: bool = False,
              stale_after_days: int = 180) -> list[ItemSummary]:  # fmt: skip
        needle = search.strip().lower()
        today = self.today()
        out = []
        with self.sessions() as session:
            items = session.scalars(
                select(ContentItem).order_by(ContentItem.file, ContentItem.position)
            ).all()
            open_versions = {
                v.item_id: v.status
                for v in session.scalars(
                    select(ContentVersion)
                    .where(ContentVersion.status.in_(OPEN))
                    .order_by(ContentVersion.number)
                )
            }
            bodies = self._shown_bodies(session)
            for item in items:
                item_kind = kind_of(item.file, item.section)
                if kind and item_kind != kind:
                    continue
                body = bodies[item.id]
                value = value_of(item.section, shape_of_item(item), item.key, body)
                title = title_of(item, value)
                if needle and needle not in f"{item.key} {title} {body}".lower():
                    continue
                checked = checked_of(value)
                if stale_only and (checked is None or (today - checked).days <= stale_after_days):
                    continue
                out.append(
                    ItemSummary(
                        id=item.id,
                        kind=item_kind,
                        section=item.section,
                        key=item.key,
                        title=title,
                        live=item.live_version_id is not None,
                        checked=checked,
                        open_status=open_versions.get(item.id),
                        unpublish_at=as_utc(item.unpublish_at) if item.unpublish_at else None,
                    )
                )
        return out

    def item(self, item_id: int) -> ContentItem:
        with self.sessions() as session:
            item = session.get(ContentItem, item_id)
            if item is None:
                raise KeyError(item_id)
            return item

    def kind(self, item_id: int) -> str:
        item = self.item(item_id)
        return kind_of(item.file, item.section)

    def value(self, item_id: int, version_id: int | None = None) -> Any:
        """The item's value: of a given version, else the newest open one, else the live one."""
        with self.sessions() as session:
            item = self._item(session, item_id)
            version = (
                self._version(session, version_id)
                if version_id is not None
                else self._open(session, item) or self._newest(session, item)
            )
            return value_of(item.section, shape_of_item(item), item.key, version.body)

    def versions(self, item_id: int) -> list[VersionView]:
        """Newest first, each with what it changed against the one before."""
        with self.sessions() as session:
            item = self._item(session, item_id)
            rows = session.scalars(
                select(ContentVersion)
                .where(ContentVersion.item_id == item_id)
                .order_by(ContentVersion.number)
            ).all()
            views = []
            previous = ""
            for row in rows:
                diff = "\n".join(
                    difflib.unified_diff(
                        previous.splitlines(), row.body.splitlines(), lineterm="", n=1
                    )
                )
                views.append(_view(row, diff, row.id == item.live_version_id))
                previous = row.body
            return list(reversed(views))

    def review_queue(self) -> list[tuple[ItemSummary, VersionView]]:
        """Versions waiting for a supervisor."""
        with self.sessions() as session:
            ids = session.scalars(
                select(ContentVersion.item_id).where(ContentVersion.status == REVIEW)
            ).all()
        summaries = {s.id: s for s in self.items() if s.id in set(ids)}
        out = []
        for item_id in sorted(summaries):
            for version in self.versions(item_id):
                if version.status == REVIEW:
                    out.append((summaries[item_id], version))
        return out

    def audit(self, limit: int = 200) -> list[ContentAudit]:
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(ContentAudit).order_by(ContentAudit.id.desc()).limit(limit)
                )
            )

    # -- changing -----------------------------------------------------------------------------
    def save_draft(self, item_id: int, value: Any, author: str, note: str = "") -> int:
        """A new draft of the item (or the author's open draft, replaced). Refused when the
        content with it would not pass the check. Returns the version id."""
        with self.sessions() as session:
            item = self._item(session, item_id, lock=True)
            shape = shape_of_item(item)
            if shape == "list" and (not isinstance(value, dict) or value.get("id") != item.key):
                raise ContentChangeError(f"the id stays {item.key}")
            body = body_of(item.section, shape, item.key, value)
            live = self._live_body(session, item)
            problems = []
            if live is not None and item.section in ("responses", "system"):
                before = value_of(item.section, shape, item.key, live)
                problems = placeholders_kept(item.key, before, value)
            problems = problems or self._check_change(session, {item.id: body})
            if problems:
                raise ContentChangeError("this change does not pass the content check", problems)
            mine = session.scalar(
                select(ContentVersion).where(
                    ContentVersion.item_id == item.id,
                    ContentVersion.status == DRAFT,
                    ContentVersion.created_by == author,
                )
            )
            if mine is not None:
                mine.body, mine.note, mine.created_at = body, note, utcnow()
                version = mine
            else:
                version = self._new_version(session, item, body, author, note)
            session.commit()
            return version.id

    def add_item(self, kind: str, value: dict[str, Any], author: str, note: str = "") -> int:
        """A new course, scholarship or support line: not live until published."""
        section = ADDABLE.get(kind)
        if section is None:
            raise ContentChangeError(f"new {kind} cannot be added here")
        key = str(value.get("id") or "")
        with self.sessions() as session:
            exists = session.scalar(
                select(ContentItem.id).where(
                    ContentItem.section == section, ContentItem.key == key
                )
            )
            if exists is not None:
                raise ContentChangeError(f"{key} already exists")
            sibling = session.scalar(
                select(ContentItem).where(ContentItem.section == section).limit(1)
            )
            if sibling is None:
                raise ContentChangeError(f"no {section} were imported yet")
            last = session.scalar(
                select(func.max(ContentItem.position)).where(ContentItem.section == section)
            )
            item = ContentItem(
                file=sibling.file, section=section, key=key, position=(last or 0) + 1, comment=""
            )
            session.add(item)
            session.flush()
            body = dump(value)
            problems = self._check_change(session, {item.id: body})
            if problems:
                session.rollback()
                raise ContentChangeError("this item does not pass the content check", problems)
            self._new_version(session, item, body, author, note)
            session.commit()
            return item.id

    def publish(
        self,
        version_id: int,
        actor: str,
        role: str,
        confirmed: bool = False,
        at: datetime | None = None,
    ) -> str:
        """Publish a version now or at `at`, or send it to review when the role may not publish
        this kind. Returns the version's new status."""
        with self.sessions() as session:
            version = self._version(session, version_id, lock=True)
            item = self._item(session, version.item_id, lock=True)
            if version.status not in OPEN:
                raise ContentChangeError(f"version {version.number} is {version.status}")
            decision = on_publish(kind_of(item.file, item.section), role, confirmed)
            problems = self._check_change(session, {item.id: version.body})
            if problems:
                raise ContentChangeError("this change does not pass the content check", problems)
            if not decision.publish:
                version.status, version.submitted_by = REVIEW, actor
                version.submitted_at = utcnow()
                self._audit(session, actor, "submit for review", item, version)
                session.commit()
                return REVIEW
            if at is not None and as_utc(at) > utcnow():
                version.status, version.publish_at, version.published_by = SCHEDULED, at, actor
                self._audit(session, actor, "schedule", item, version, f"at {at.isoformat()}")
                session.commit()
                return SCHEDULED
            confirmed_note = "confirmed twice" if decision.needs_confirmation else ""
            self._make_live(session, item, version, actor, confirmed_note)
            session.commit()
        self.announce()
        return PUBLISHED

    def send_back(self, version_id: int, actor: str, role: str, note: str = "") -> None:
        """A supervisor returns a version in review to draft, with a note."""
        if not may_review(role):
            raise NotAllowed("only a supervisor reviews")
        with self.sessions() as session:
            version = self._version(session, version_id, lock=True)
            if version.status != REVIEW:
                raise ContentChangeError("this version is not in review")
            item = self._item(session, version.item_id)
            version.status, version.note = DRAFT, note or version.note
            self._audit(session, actor, "send back", item, version, note)
            session.commit()

    def discard(self, version_id: int, actor: str, role: str) -> None:
        """Drop an open version. One waiting for review is its submitter's or a supervisor's
        to drop (an editor cannot make a colleague's proposal vanish)."""
        with self.sessions() as session:
            version = self._version(session, version_id, lock=True)
            if version.status not in OPEN:
                raise ContentChangeError(f"version {version.number} is {version.status}")
            if version.status == REVIEW and not (
                may_review(role) or actor in (version.submitted_by, version.created_by)
            ):
                raise NotAllowed("a supervisor or who sent it to review drops it")
            item = self._item(session, version.item_id)
            version.status = DISCARDED
            self._audit(session, actor, "discard", item, version)
            session.commit()

    def unpublish(
        self, item_id: int, actor: str, role: str, at: datetime | None = None
    ) -> None:
        """Take an item off the air now, or at `at` (a course whose enrolment closes)."""
        with self.sessions() as session:
            item = self._item(session, item_id, lock=True)
            if not may_unpublish(kind_of(item.file, item.section), role):
                raise NotAllowed("a supervisor unpublishes this")
            if item.live_version_id is None:
                raise ContentChangeError("it is not published")
            problems = self._check_change(session, {item.id: None})
            if problems:
                message = "the content would not pass the check without it"
                raise ContentChangeError(message, problems)
            if at is not None and as_utc(at) > utcnow():
                item.unpublish_at = at
                self._audit(session, actor, "schedule unpublish", item, None, at.isoformat())
                session.commit()
                return
            self._take_off(session, item, actor)
            session.commit()
        self.announce()

    def revert(self, item_id: int, version_id: int, author: str) -> int:
        """A new draft holding an earlier version's text (published like any draft)."""
        with self.sessions() as session:
            item = self._item(session, item_id, lock=True)
            old = self._version(session, version_id)
            if old.item_id != item.id:
                raise ContentChangeError("that version is of another item")
            version = self._new_version(
                session, item, old.body, author, f"back to version {old.number}"
            )
            self._audit(session, author, "revert", item, version, f"to version {old.number}")
            session.commit()
            return version.id

    def apply_schedule(self, now: datetime | None = None) -> int:
        """Publish what is due and take off what is due; a scheduled version that no longer
        passes the check goes back to draft (audited). How many changes went live (0 when
        another process is applying them)."""
        lock = self.redis.lock(self.keys.content_schedule_lock(), timeout=300, blocking=False)
        if not lock.acquire():
            return 0
        try:
            return self._apply_schedule(now or utcnow())
        finally:
            release(lock)

    def _apply_schedule(self, now: datetime) -> int:
        done = 0
        with self.sessions() as session:
            due = session.scalars(
                select(ContentVersion)
                .where(ContentVersion.status == SCHEDULED, ContentVersion.publish_at <= now)
                .order_by(ContentVersion.publish_at)
            ).all()
            for version in due:
                item = self._item(session, version.item_id, lock=True)
                problems = self._check_change(session, {item.id: version.body})
                if problems:
                    version.status = DRAFT
                    detail = "; ".join(str(p) for p in problems)
                    self._audit(session, SCHEDULER_ACTOR, "scheduled publish refused", item,
                                version, detail)  # fmt: skip
                    continue
                self._make_live(session, item, version, version.published_by or SCHEDULER_ACTOR,
                                "scheduled")  # fmt: skip
                done += 1
            leaving = session.scalars(
                select(ContentItem).where(ContentItem.unpublish_at <= now)
            ).all()
            for item in leaving:
                if self._check_change(session, {item.id: None}):
                    item.unpublish_at = None
                    self._audit(session, SCHEDULER_ACTOR, "scheduled unpublish refused", item, None)
                    continue
                self._take_off(session, item, SCHEDULER_ACTOR)
                done += 1
            session.commit()
        if done:
            self.announce()
        return done

    # -- internals ----------------------------------------------------------------------------
    @staticmethod
    def _item(session: Session, item_id: int, lock: bool = False) -> ContentItem:
        return _row(session, ContentItem, item_id, lock)

    @staticmethod
    def _version(session: Session, version_id: int, lock: bool = False) -> ContentVersion:
        return _row(session, ContentVersion, version_id, lock)

    @staticmethod
    def _live_body(session: Session, item: ContentItem) -> str | None:
        if item.live_version_id is None:
            return None
        return session.scalar(
            select(ContentVersion.body).where(ContentVersion.id == item.live_version_id)
        )

    @staticmethod
    def _shown_bodies(session: Session) -> dict[int, str]:
        """Each item's live text, or its newest version's when it is not live: two queries
        for the whole list, not two per item."""
        bodies = dict(
            session.execute(
                select(ContentItem.id, ContentVersion.body).join(
                    ContentVersion, ContentVersion.id == ContentItem.live_version_id
                )
            ).all()
        )
        newest = (
            select(ContentVersion.item_id, func.max(ContentVersion.number).label("number"))
            .group_by(ContentVersion.item_id)
            .subquery()
        )
        for item_id, body in session.execute(
            select(ContentVersion.item_id, ContentVersion.body).join(
                newest,
                (ContentVersion.item_id == newest.c.item_id)
                & (ContentVersion.number == newest.c.number),
            )
        ):
            bodies.setdefault(item_id, body)
        return bodies

    @staticmethod
    def _newest(session: Session, item: ContentItem) -> ContentVersion:
        return session.scalars(
            select(ContentVersion)
            .where(ContentVersion.item_id == item.id)
            .order_by(ContentVersion.number.desc())
            .limit(1)
        ).one()

    @staticmethod
    def _open(session: Session, item: ContentItem) -> ContentVersion | None:
        return session.scalars(
            select(ContentVersion)
            .where(ContentVersion.item_id == item.id, ContentVersion.status.in_(OPEN))
            .order_by(ContentVersion.number.desc())
            .limit(1)
        ).first()

    @staticmethod
    def _new_version(
        session: Session, item: ContentItem, body: str, author: str, note: str
    ) -> ContentVersion:
        last = session.scalar(
            select(func.max(ContentVersion.number)).where(ContentVersion.item_id == item.id)
        )
        version = ContentVersion(
            item_id=item.id,
            number=(last or 0) + 1,
            body=body,
            status=DRAFT,
            note=note[:500],
            created_by=author,
        )
        session.add(version)
        session.flush()
        return version

    def _make_live(
        self, session: Session, item: ContentItem, version: ContentVersion, actor: str, detail: str
    ) -> None:
        if item.live_version_id is not None and item.live_version_id != version.id:
            previous = session.get(ContentVersion, item.live_version_id)
            if previous is not None:
                previous.status = SUPERSEDED
        version.status, version.published_by, version.published_at = PUBLISHED, actor, utcnow()
        version.publish_at = None
        item.live_version_id = version.id
        self._audit(session, actor, "publish", item, version, detail)

    def _take_off(self, session: Session, item: ContentItem, actor: str) -> None:
        live = session.get(ContentVersion, item.live_version_id) if item.live_version_id else None
        if live is not None:
            live.status = SUPERSEDED
        item.live_version_id, item.unpublish_at = None, None
        self._audit(session, actor, "unpublish", item, live)

    @staticmethod
    def _audit(
        session: Session,
        actor: str,
        action: str,
        item: ContentItem,
        version: ContentVersion | None,
        detail: str = "",
    ) -> None:
        session.add(
            ContentAudit(
                actor=actor,
                action=action,
                item_id=item.id,
                version_id=version.id if version is not None else None,
                detail=f"{item.section}/{item.key}" + (f": {detail}" if detail else ""),
            )
        )


def _row(session: Session, model: Any, row_id: int, lock: bool) -> Any:
    """A row by id (locked for the change when `lock`); KeyError when there is none."""
    statement = select(model).where(model.id == row_id)
    row = session.scalar(statement.with_for_update() if lock else statement)
    if row is None:
        raise KeyError(row_id)
    return row


def _view(row: ContentVersion, diff: str, live: bool) -> VersionView:
    return VersionView(
        id=row.id,
        number=row.number,
        status=row.status,
        body=row.body,
        note=row.note,
        created_by=row.created_by,
        created_at=as_utc(row.created_at),
        submitted_by=row.submitted_by,
        publish_at=as_utc(row.publish_at) if row.publish_at else None,
        published_by=row.published_by,
        published_at=as_utc(row.published_at) if row.published_at else None,
        diff=diff,
        live=live,
    )


def apply_scheduled_content(rt: Runtime) -> int:
    """The scheduler's job: scheduled publishes and unpublishes that are due."""
    return ContentRepository(rt.sessions, rt.redis, rt.keys).apply_schedule()
