"""Content in SQL (bot/publishing/repository.py) on SQLite and PostgreSQL: import and export,
drafts, who publishes what, the check before every change, schedules, reverts, the audit, and
the version in Redis that makes every process reload."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.content.sources import FileSource, PublishedSource
from bot.content.store import ContentStore
from bot.core.keys import Keys
from bot.handoff.accounts import CASE_WORKER, EDITOR, SUPERVISOR
from bot.publishing.repository import ContentChangeError, ContentRepository
from bot.publishing.workflow import PUBLISHED, REVIEW, SCHEDULED, NotAllowed
from bot.store.db import upgrade
from bot.store.engine import make_engine, make_sessionmaker
from bot.store.models import ContentAudit, ContentVersion, utcnow

CONTENT = Path(__file__).resolve().parents[2] / "content"
FILES = FileSource(CONTENT).documents()
TODAY = date(2026, 11, 30)
# The SQL of publishing is the same for every change; these run on SQLite only, the import,
# export, publish and review on both databases.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    upgrade(database_url)
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def repository(
    sessions: sessionmaker[Session], redis_client: redis.Redis, prefix: str
) -> ContentRepository:
    repo = ContentRepository(sessions, redis_client, Keys(prefix), today=lambda: TODAY)
    repo.import_documents(FILES)
    return repo


def _item(repository: ContentRepository, kind: str, key: str) -> int:
    return next(i.id for i in repository.items(kind=kind) if i.key == key)


def _live_store(repository: ContentRepository) -> ContentStore:
    source = PublishedSource(
        repository.sessions, repository.redis, repository.keys, FileSource(CONTENT)
    )
    return ContentStore(source=source)


def test_import_then_export_gives_back_the_same_files(repository: ContentRepository) -> None:
    assert repository.export_documents() == FILES


def test_import_is_idempotent_and_a_changed_file_makes_one_new_version(
    repository: ContentRepository,
) -> None:
    again = repository.import_documents(FILES)
    assert (again.created, again.changed) == (0, 0)
    changed = dict(FILES)
    changed["texts.yml"] = changed["texts.yml"].replace(
        "¡Cuídate mucho!", "¡Cuídate muchísimo!", 1
    )
    assert changed != FILES, "the fixture text to change is in texts.yml"
    result = repository.import_documents(changed)
    assert (result.created, result.changed) == (0, 1)
    assert repository.export_documents() == changed


def test_a_published_course_change_reaches_a_running_store_through_the_version_in_redis(
    repository: ContentRepository,
) -> None:
    store = _live_store(repository)
    course = store.snapshot().courses[0]
    item = _item(repository, "courses", course.id)
    value = repository.value(item)
    value["enrol_until"] = course.enrol_until - timedelta(days=3)
    version = repository.save_draft(item, value, "ed@example.org")
    assert store.snapshot().courses[0].enrol_until == course.enrol_until  # a draft is not live
    assert repository.publish(version, "ed@example.org", EDITOR) == PUBLISHED
    store.refresh()
    assert store.snapshot().courses[0].enrol_until == course.enrol_until - timedelta(days=3)
    history = repository.versions(item)
    assert [v.status for v in history] == [PUBLISHED, "superseded"]
    assert "enrol_until" in history[0].diff and history[0].live


@SQLITE_ONLY
def test_a_change_that_breaks_the_check_is_refused_and_nothing_changes(
    repository: ContentRepository,
) -> None:
    course = next(c for c in FILES["courses.yml"].split("\n") if "- id:" in c).split(": ")[1]
    item = _item(repository, "courses", course)
    value = repository.value(item)
    value["enrol_until"] = value["start_date"] + timedelta(days=1)
    with pytest.raises(ContentChangeError) as refused:
        repository.save_draft(item, value, "ed@example.org")
    assert any("enrol_until is after start_date" in str(p) for p in refused.value.problems)
    assert repository.export_documents() == FILES


def test_support_lines_need_a_supervisor_who_confirms_twice(
    repository: ContentRepository,
) -> None:
    item = _item(repository, "support_lines", "mujeres-155")
    value = repository.value(item)
    value["hours"] = "24 horas, todos los días (verificado)"
    version = repository.save_draft(item, value, "ed@example.org")
    assert repository.publish(version, "ed@example.org", EDITOR) == REVIEW
    assert [v.id for _, v in repository.review_queue()] == [version]
    with pytest.raises(NotAllowed, match="confirm"):
        repository.publish(version, "sup@example.org", SUPERVISOR)
    with pytest.raises(NotAllowed):
        repository.publish(version, "cw@example.org", CASE_WORKER, confirmed=True)
    with pytest.raises(NotAllowed):  # a colleague's proposal does not vanish
        repository.discard(version, "other@example.org", EDITOR)
    assert repository.publish(version, "sup@example.org", SUPERVISOR, confirmed=True) == PUBLISHED
    assert "verificado" in repository.export_documents()["support_lines.yml"]


@pytest.mark.parametrize("dial", ["", "ciento veintitrés", "123; llame"])
@SQLITE_ONLY
def test_a_crisis_line_can_never_be_saved_empty_or_malformed(
    repository: ContentRepository, dial: str
) -> None:
    item = _item(repository, "support_lines", "emergencias-123")
    value = repository.value(item)
    value["dial"] = dial
    with pytest.raises(ContentChangeError):
        repository.save_draft(item, value, "sup@example.org")


@SQLITE_ONLY
def test_the_last_verified_emergency_line_cannot_be_unpublished(
    repository: ContentRepository,
) -> None:
    item = _item(repository, "support_lines", "emergencias-123")
    with pytest.raises(ContentChangeError) as refused:
        repository.unpublish(item, "sup@example.org", SUPERVISOR)
    assert any("emergency" in str(p) for p in refused.value.problems)


def test_a_scheduled_publish_and_unpublish_happen_when_due(
    repository: ContentRepository,
) -> None:
    item = _item(repository, "texts", "utter_goodbye")
    version = repository.save_draft(item, [{"text": "¡Hasta pronto! 🌻"}], "ed@example.org")
    tomorrow = utcnow() + timedelta(days=1)
    assert repository.publish(version, "ed@example.org", EDITOR, at=tomorrow) == SCHEDULED
    assert repository.apply_schedule() == 0
    assert "Hasta pronto" not in repository.export_documents()["texts.yml"]
    assert repository.apply_schedule(now=tomorrow + timedelta(minutes=1)) == 1
    assert "Hasta pronto" in repository.export_documents()["texts.yml"]

    course = _item(repository, "courses", "sena-ofimatica-virtual")
    repository.unpublish(course, "ed@example.org", EDITOR, at=tomorrow)
    assert "sena-ofimatica-virtual" in repository.export_documents()["courses.yml"]
    repository.apply_schedule(now=tomorrow + timedelta(minutes=1))
    assert "sena-ofimatica-virtual" not in repository.export_documents()["courses.yml"]


def test_revert_makes_a_draft_of_an_earlier_version_and_every_publish_is_audited(
    repository: ContentRepository, sessions: sessionmaker[Session]
) -> None:
    item = _item(repository, "texts", "utter_goodbye")
    first = repository.versions(item)[0]
    changed = repository.save_draft(item, [{"text": "Chao, cuídate."}], "ed@example.org")
    repository.publish(changed, "ed@example.org", EDITOR)
    draft = repository.revert(item, first.id, "ed@example.org")
    assert repository.publish(draft, "ed@example.org", EDITOR) == PUBLISHED
    assert repository.export_documents() == FILES
    with sessions() as session:
        actions = session.scalars(
            select(ContentAudit.action).where(ContentAudit.item_id == item)
        ).all()
        versions = session.scalar(
            select(func.count()).select_from(ContentVersion).where(ContentVersion.item_id == item)
        )
    assert actions.count("publish") == 3 and "revert" in actions  # import, change, revert
    assert versions == 3


@SQLITE_ONLY
def test_every_publish_raises_the_version_every_process_watches(
    repository: ContentRepository,
) -> None:
    key = repository.keys.content_version()
    before = int(repository.redis.get(key) or 0)
    item = _item(repository, "texts", "utter_goodbye")
    version = repository.save_draft(item, [{"text": "Chao, cuídate."}], "ed@example.org")
    assert int(repository.redis.get(key) or 0) == before  # a draft moves nothing
    repository.publish(version, "ed@example.org", EDITOR)
    assert int(repository.redis.get(key)) == before + 1


@SQLITE_ONLY
def test_new_courses_can_be_added_and_stay_off_the_air_until_published(
    repository: ContentRepository,
) -> None:
    item = _item(repository, "courses", "sena-ofimatica-virtual")
    value = dict(repository.value(item), id="sena-excel-avanzado", name="Excel avanzado")
    new = repository.add_item("courses", value, "ed@example.org")
    assert "sena-excel-avanzado" not in repository.export_documents()["courses.yml"]
    version = repository.versions(new)[0]
    repository.publish(version.id, "ed@example.org", EDITOR)
    assert "sena-excel-avanzado" in repository.export_documents()["courses.yml"]
    with pytest.raises(ContentChangeError, match="already exists"):
        repository.add_item("courses", value, "ed@example.org")


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda t: t.replace("{retention_days}", "30"), "keep {retention_days}"),
        (lambda t: t + " Hola {nombre}.", "{nombre} is not something"),
    ],
)
def test_a_text_keeps_exactly_the_placeholders_the_assistant_fills(
    repository: ContentRepository, change: Callable[[str], str], problem: str
) -> None:
    item = _item(repository, "privacy", "consent_notice")
    text = repository.value(item)
    assert "{retention_days}" in text
    with pytest.raises(ContentChangeError) as refused:
        repository.save_draft(item, change(text), "sup@example.org")
    assert any(problem in str(p) for p in refused.value.problems), refused.value.problems
