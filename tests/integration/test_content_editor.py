"""The content editor in the console (issue 14), against real Redis and SQL: content staff edit
a course, a text or a support line in a generated form, see what she would receive, save a
draft, publish it (now, on a date, or through a supervisor who confirms twice), revert it —
and the assistant's published content (what every process reads) says the new facts.

Each test has its own database with content/ imported (a copy of one imported once)."""

from __future__ import annotations

import re
import shutil
import uuid
from datetime import datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask

from bot.content.describe import describe_course
from bot.content.i18n import TIMEZONE, long_date
from bot.content.sources import FileSource, PublishedSource
from bot.content.store import ContentStore
from bot.core.keys import Keys
from bot.core.settings import content_dir
from bot.publishing.forms import form_for, to_data
from bot.publishing.repository import ContentRepository
from bot.publishing.workflow import PUBLISHED, REVIEW, SCHEDULED
from bot.runtime import Runtime
from bot.store.db import upgrade
from bot.store.engine import make_engine, make_sessionmaker
from tests.support.casework import console_account, csrf, login, new_client
from tests.support.environment import REDIS_URL, delete_prefix
from webhooks.app import create_app

COURSE = "talento-tech-programacion-baq"
LINE = "mujeres-155"
TEXT = "utter_goodbye"


@pytest.fixture(scope="module")
def imported_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with content/ imported, copied for every test."""
    path = tmp_path_factory.mktemp("content-editor") / "imported.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    prefix = "almastest" + uuid.uuid4().hex[:12]
    try:
        repository = ContentRepository(make_sessionmaker(engine), client, Keys(prefix))
        repository.import_documents(FileSource(content_dir()).documents())
    finally:
        delete_prefix(client, prefix)
        client.close()
        engine.dispose()
    return path


@pytest.fixture
def migrated_sqlite_url(imported_db: Path, tmp_path: Path) -> str:
    """This test's own database (the conftest's `settings` reads it)."""
    path = tmp_path / "content.db"
    shutil.copy(imported_db, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    app = create_app(runtime.settings, runtime)
    app.config["SESSION_COOKIE_SECURE"] = False  # the test client speaks plain http
    return app


@pytest.fixture
def repository(runtime: Runtime) -> ContentRepository:
    return ContentRepository(runtime.sessions, runtime.redis, runtime.keys)


@pytest.fixture
def published(runtime: Runtime) -> ContentStore:
    """What every process of the helpline reads: the published content."""
    source = PublishedSource(
        runtime.sessions, runtime.redis, runtime.keys, FileSource(content_dir())
    )
    return ContentStore(source=source)


def item_id(repository: ContentRepository, section: str, key: str) -> int:
    return next(s.id for s in repository.items() if s.section == section and s.key == key)


def signed_in(app: Flask, runtime: Runtime, role: str):  # type: ignore[no-untyped-def]
    client = new_client(app)
    email = console_account(runtime, role)
    login(client, email)
    return client, email


def form(repository: ContentRepository, item: int, **changes: Any) -> dict[str, list[str]]:
    """The item's form as the page fills it, with some inputs changed ({"f.x": "value"})."""
    section = repository.item(item).section
    data = to_data(form_for(section), repository.value(item))
    for name, value in changes.items():
        data[name.replace("__", ".")] = [value] if isinstance(value, str) else value
    return data


def post(client, url: str, data: dict[str, list[str]] | None = None, **fields: str):  # type: ignore[no-untyped-def]
    payload: dict[str, Any] = {**(data or {}), **fields, "csrf": csrf(client, "/console/content/")}
    return client.post(url, data=payload)


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def open_version(repository: ContentRepository, item: int):  # type: ignore[no-untyped-def]
    return next(
        v for v in repository.versions(item) if v.status in ("draft", "review", "scheduled")
    )


def test_an_editor_changes_a_deadline_publishes_it_and_the_assistant_says_the_new_date(
    app: Flask, runtime: Runtime, repository: ContentRepository, published: ContentStore
) -> None:
    client, email = signed_in(app, runtime, "editor")
    course = item_id(repository, "courses", COURSE)
    before = next(c for c in published.snapshot().courses if c.id == COURSE)
    assert str(before.enrol_until) == "2027-01-31"

    listing = page_text(client.get("/console/content/?kind=courses&q=talento"))
    assert (
        f"/console/content/items/{course}" in listing and "Programación (Talento Tech)" in listing
    )

    url = f"/console/content/items/{course}"
    # The preview button shows what she would receive, saving nothing.
    shown = post(
        client, url, form(repository, course, f__enrol_until="2027-01-20"), action="preview"
    )
    assert shown.status_code == 200
    assert long_date(datetime(2027, 1, 20).date()) in unescape(page_text(shown))
    assert re.search(r'id="preview-sms-segments">\d+<', page_text(shown))
    assert [v.status for v in repository.versions(course)] == [PUBLISHED]

    saved = post(
        client,
        url,
        form(repository, course, f__enrol_until="2027-01-20"),
        action="save",
        note="nuevo calendario",
    )
    assert saved.status_code == 303, page_text(saved)
    draft = open_version(repository, course)
    assert draft.status == "draft" and draft.created_by == email
    assert "+enrol_until: 2027-01-20" in draft.diff and "-enrol_until: 2027-01-31" in draft.diff
    assert len(draft.diff.splitlines()) < 10  # nothing else moved in the YAML

    version_before = runtime.redis.get(runtime.keys.content_version())
    done = post(client, f"{url}/versions/{draft.id}/publish", at="")
    assert done.status_code == 303
    assert "Publicado" in page_text(client.get(url))
    assert runtime.redis.get(runtime.keys.content_version()) != version_before
    published.refresh()
    after = next(c for c in published.snapshot().courses if c.id == COURSE)
    assert str(after.enrol_until) == "2027-01-20"
    assert long_date(after.enrol_until) in describe_course(after, published)

    audit = page_text(client.get("/console/content/audit"))
    assert email in audit and f"courses/{COURSE}" in audit


def test_a_deadline_after_the_start_is_refused_with_the_reason_and_the_input_kept(
    app: Flask, runtime: Runtime, repository: ContentRepository, published: ContentStore
) -> None:
    client, _ = signed_in(app, runtime, "editor")
    course = item_id(repository, "courses", COURSE)
    refused = post(
        client,
        f"/console/content/items/{course}",
        form(repository, course, f__enrol_until="2027-03-30"),
        action="save",
    )
    body = page_text(refused)
    assert refused.status_code == 400
    assert "enrol_until is after start_date" in body
    assert 'value="2027-03-30"' in body  # what she typed is still there
    assert [v.status for v in repository.versions(course)] == [PUBLISHED]
    assert str(next(c for c in published.snapshot().courses if c.id == COURSE).enrol_until) == (
        "2027-01-31"
    )

    broken = post(
        client,
        f"/console/content/items/{course}",
        form(repository, course, f__start_date="el lunes"),
        action="save",
    )
    assert broken.status_code == 400 and "Escribe una fecha válida" in page_text(broken)
    assert [v.status for v in repository.versions(course)] == [PUBLISHED]


def test_an_editors_support_line_change_needs_a_supervisor_who_confirms_twice(
    app: Flask, runtime: Runtime, repository: ContentRepository, published: ContentStore
) -> None:
    editor, _ = signed_in(app, runtime, "editor")
    line = item_id(repository, "support_lines", LINE)
    url = f"/console/content/items/{line}"
    new_hours = "24 horas, todos los días. Gratis, confidencial y con intérprete"
    saved = post(editor, url, form(repository, line, f__hours=new_hours), action="save")
    assert saved.status_code == 303, page_text(saved)
    draft = open_version(repository, line)
    assert post(editor, f"{url}/versions/{draft.id}/publish").status_code == 303
    assert open_version(repository, line).status == REVIEW
    assert next(s for s in published.snapshot().support_lines if s.id == LINE).hours != new_hours
    assert "Espera a que un(a) supervisor(a)" in page_text(editor.get(url))

    supervisor, boss = signed_in(app, runtime, "supervisor")
    queue = page_text(supervisor.get("/console/content/review"))
    assert f"/console/content/items/{line}/versions/{draft.id}/publish" in queue
    step = post(supervisor, f"{url}/versions/{draft.id}/publish")
    assert step.status_code == 200  # the confirmation step: nothing published yet
    assert 'id="confirm-dial">155<' in page_text(step) and "intérprete" in page_text(step)
    assert open_version(repository, line).status == REVIEW

    unticked = post(supervisor, f"{url}/versions/{draft.id}/confirm", at="")
    assert unticked.status_code == 400 and open_version(repository, line).status == REVIEW

    confirmed = post(supervisor, f"{url}/versions/{draft.id}/confirm", at="", confirm="yes")
    assert confirmed.status_code == 303
    published.refresh()
    assert next(s for s in published.snapshot().support_lines if s.id == LINE).hours == new_hours
    entry = repository.audit()[0]
    assert (entry.action, entry.actor) == ("publish", boss) and "confirmed twice" in entry.detail


@pytest.mark.parametrize(
    ("dial", "why"), [("", "Obligatorio"), ("15S", "not a number she can dial")]
)
def test_a_support_line_she_could_not_dial_is_refused(
    app: Flask, runtime: Runtime, repository: ContentRepository, dial: str, why: str
) -> None:
    client, _ = signed_in(app, runtime, "supervisor")
    line = item_id(repository, "support_lines", LINE)
    refused = post(
        client,
        f"/console/content/items/{line}",
        form(repository, line, f__dial=dial),
        action="save",
    )
    assert refused.status_code == 400 and why in page_text(refused)
    assert [v.status for v in repository.versions(line)] == [PUBLISHED]


def test_html_in_a_text_is_shown_escaped_and_whatsapp_bold_as_bold(
    app: Flask, runtime: Runtime, repository: ContentRepository
) -> None:
    client, _ = signed_in(app, runtime, "editor")
    text = item_id(repository, "responses", TEXT)
    url = f"/console/content/items/{text}"
    evil = '<script>alert("x")</script> *Cuídate* mucho <img src=x onerror=alert(1)>'
    saved = post(client, url, form(repository, text, f__variants__0__text=evil), action="save")
    assert saved.status_code == 303, page_text(saved)
    body = page_text(client.get(url))
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; <b>Cuídate</b> mucho" in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body


def test_a_scheduled_publish_goes_live_when_its_time_comes(
    app: Flask, runtime: Runtime, repository: ContentRepository, published: ContentStore
) -> None:
    client, email = signed_in(app, runtime, "editor")
    text = item_id(repository, "responses", TEXT)
    url = f"/console/content/items/{text}"
    saved = post(
        client, url, form(repository, text, f__variants__0__text="¡Hasta pronto!"), action="save"
    )
    assert saved.status_code == 303
    draft = open_version(repository, text)
    tomorrow = datetime.now(TIMEZONE) + timedelta(days=1)
    scheduled = post(
        client, f"{url}/versions/{draft.id}/publish", at=tomorrow.strftime("%Y-%m-%dT%H:%M")
    )
    assert scheduled.status_code == 303
    assert open_version(repository, text).status == SCHEDULED
    assert published.render(TEXT).text != "¡Hasta pronto!"
    assert repository.apply_schedule(now=datetime.now(TIMEZONE)) == 0
    assert repository.apply_schedule(now=tomorrow + timedelta(minutes=1)) == 1
    published.refresh()
    assert published.render(TEXT).text == "¡Hasta pronto!"
    assert [(e.action, e.actor) for e in repository.audit()[:2]] == [
        ("publish", email),
        ("schedule", email),
    ]


def test_reverting_makes_a_draft_with_the_old_text(
    app: Flask, runtime: Runtime, repository: ContentRepository, published: ContentStore
) -> None:
    client, _ = signed_in(app, runtime, "editor")
    text = item_id(repository, "responses", TEXT)
    url = f"/console/content/items/{text}"
    original = repository.value(text)
    post(client, url, form(repository, text, f__variants__0__text="Chao."), action="save")
    post(client, f"{url}/versions/{open_version(repository, text).id}/publish")
    published.refresh()
    assert published.render(TEXT).text == "Chao."
    first = repository.versions(text)[-1]
    assert post(client, f"{url}/versions/{first.id}/revert").status_code == 303
    draft = open_version(repository, text)
    assert draft.status == "draft" and repository.value(text) == original
    assert "Volver a esta versión" in page_text(client.get(url))
    post(client, f"{url}/versions/{draft.id}/publish")
    published.refresh()
    assert published.snapshot().responses[TEXT] == original
    publishes = [e for e in repository.audit() if e.action == "publish" and e.item_id == text]
    assert len(publishes) == 3  # the import, the change, the way back


def test_a_new_course_is_a_draft_until_published(
    app: Flask, runtime: Runtime, repository: ContentRepository, published: ContentStore
) -> None:
    client, _ = signed_in(app, runtime, "editor")
    assert 'name="f.id"' in page_text(client.get("/console/content/new/courses"))
    fields = {
        "f.id": "cocina-smr-2027",
        "f.name": "Cocina básica",
        "f.provider": "SENA",
        "f.topic": "cocina",
        "f.modality": "virtual",
        "f.start_date": "2027-03-01",
        "f.enrol_until": "2027-02-20",
        "f.duration": "2 meses",
        "f.schedule": "Sábados",
        "f.cost_cop": "0",
        "f.how_to_enrol": "Escribe ASESORA.",
        "f.source": "SENA",
        "f.checked": "2026-11-20",
    }
    created = post(
        client, "/console/content/new/courses", {k: [v] for k, v in fields.items()}, action="save"
    )
    assert created.status_code == 303, page_text(created)
    new = item_id(repository, "courses", "cocina-smr-2027")
    assert repository.value(new)["name"] == "Cocina básica"
    assert all(c.id != "cocina-smr-2027" for c in published.snapshot().courses)


def test_every_post_needs_the_csrf_token(
    app: Flask, runtime: Runtime, repository: ContentRepository
) -> None:
    client, _ = signed_in(app, runtime, "editor")
    text = item_id(repository, "responses", TEXT)
    data = {**form(repository, text, f__variants__0__text="Chao."), "action": ["save"]}
    assert client.post(f"/console/content/items/{text}", data=data).status_code == 400
    data["csrf"] = ["not-the-token"]
    assert client.post(f"/console/content/items/{text}", data=data).status_code == 400
    assert len(repository.versions(text)) == 1


@pytest.mark.parametrize("role", ["case_worker", "programme"])
def test_case_workers_and_programme_staff_do_not_see_the_content_editor(
    app: Flask, runtime: Runtime, role: str
) -> None:
    client, _ = signed_in(app, runtime, role)
    assert client.get("/console/content/").status_code == 403
    assert 'id="nav-content"' not in page_text(client.get("/console/reports/"))


def test_an_editors_login_lands_on_the_content_editor(app: Flask, runtime: Runtime) -> None:
    client, _ = signed_in(app, runtime, "editor")
    page = client.get("/console/lang/es")
    assert page.location.endswith("/console/content/")
    assert 'id="nav-content"' in page_text(client.get("/console/content/"))


def test_the_privacy_notice_is_confirmed_twice_and_an_editors_change_can_be_sent_back(
    app: Flask, runtime: Runtime, repository: ContentRepository
) -> None:
    supervisor, _ = signed_in(app, runtime, "supervisor")
    privacy = item_id(repository, "privacy", "privacy")
    url = f"/console/content/items/{privacy}"
    saved = post(
        supervisor, url, form(repository, privacy, f__notice_version="2027-01-15"), action="save"
    )
    assert saved.status_code == 303, page_text(saved)
    draft = open_version(repository, privacy)
    step = post(supervisor, f"{url}/versions/{draft.id}/publish")
    assert step.status_code == 200 and 'id="confirm-notice-version">2027-01-15<' in page_text(step)
    assert open_version(repository, privacy).status == "draft"

    editor, _ = signed_in(app, runtime, "editor")
    line = item_id(repository, "support_lines", LINE)
    post(
        editor,
        f"/console/content/items/{line}",
        form(repository, line, f__hours="24 h"),
        action="save",
    )
    proposed = open_version(repository, line)
    post(editor, f"/console/content/items/{line}/versions/{proposed.id}/publish")
    refused = post(editor, f"/console/content/items/{line}/versions/{proposed.id}/send-back")
    assert refused.status_code == 403 and open_version(repository, line).status == REVIEW
    back = post(
        supervisor,
        f"/console/content/items/{line}/versions/{proposed.id}/send-back",
        note="falta la fuente",
    )
    assert back.status_code == 303
    returned = open_version(repository, line)
    assert (returned.status, returned.note) == ("draft", "falta la fuente")
    assert "Nada espera revisión." in page_text(supervisor.get("/console/content/review"))


def test_a_course_is_taken_off_on_a_date_and_a_text_the_dialogue_needs_is_never(
    app: Flask, runtime: Runtime, repository: ContentRepository, published: ContentStore
) -> None:
    client, _ = signed_in(app, runtime, "editor")
    course = item_id(repository, "courses", COURSE)
    when = datetime.now(TIMEZONE) + timedelta(days=2)
    done = post(
        client, f"/console/content/items/{course}/unpublish", at=when.strftime("%Y-%m-%dT%H:%M")
    )
    assert done.status_code == 303
    listing = page_text(client.get("/console/content/?kind=courses"))
    assert "retiro programado" in listing
    assert repository.apply_schedule(now=when + timedelta(minutes=1)) == 1
    published.refresh()
    assert all(c.id != COURSE for c in published.snapshot().courses)

    text = item_id(repository, "responses", "utter_main_menu")
    refused = post(client, f"/console/content/items/{text}/unpublish", at="")
    assert refused.status_code == 400
    assert "the dialogue uses it but content has no text" in page_text(refused)
    assert repository.item(text).live_version_id is not None
