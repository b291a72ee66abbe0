"""The review of what she asked and the assistant could not answer (/console/unanswered and
`almas nlu import-reviewed`): only her messages answered with "not understood", grouped with
counts, numbers masked, escaped; label, new topic, dismiss; erasure takes her words off the
page and out of the export; CSRF on every form. (Who may reach it: tests/integration/test_roles.py.)

The test database is shared by the session, so every test writes words of its own (a marker)
and looks only for them."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.ops.cli import main
from bot.privacy.erasure import erase_everything
from bot.publishing.unanswered import (
    REVIEWED_NLU_PATH,
    Group,
    NothingToReview,
    UnknownIntent,
    dismiss,
    label_group,
    mark_new_topic,
    new_topics,
    reviewed_examples,
    unanswered_groups,
)
from bot.runtime import Runtime
from bot.store.db import upgrade
from bot.store.engine import make_engine, make_sessionmaker
from bot.store.models import Message, ReviewedMessage
from bot.store.participants import erase_participant
from bot.store.transcript import Understood, record_inbound, record_outbound
from tests.support.casework import console_account, csrf, login, new_client
from tests.support.environment import base_environment
from webhooks.app import create_app

NOT_UNDERSTOOD = Understood("nlu_fallback", 0.31, True)
PAGE = "/console/unanswered/"


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    app = create_app(runtime.settings, runtime)
    app.config["SESSION_COOKIE_SECURE"] = False  # the test client speaks plain http
    return app


@pytest.fixture
def editor(app: Flask, runtime: Runtime) -> FlaskClient:
    client = new_client(app)
    login(client, console_account(runtime, "editor"))
    return client


def marker() -> str:
    """A word nobody else writes (letters only: it is one word however it is read)."""
    return "zq" + "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:10])


def woman() -> str:
    return "p_" + uuid.uuid4().hex[:12]


def her_message(
    runtime: Runtime, pid: str, text: str, understood: Understood | None = NOT_UNDERSTOOD
) -> int:
    sid = "SM" + uuid.uuid4().hex
    assert record_inbound(runtime.sessions, pid, "whatsapp", text, sid, understood=understood)
    with runtime.sessions() as session:
        return int(session.scalar(select(Message.id).where(Message.twilio_sid == sid)))


def group_of(runtime: Runtime, word: str) -> Group | None:
    since = datetime.now(UTC) - timedelta(days=1)
    found = [g for g in unanswered_groups(runtime.sessions, since, limit=10_000)
             if word in g.text.lower() or any(word in s.lower() for s in g.samples)]  # fmt: skip
    assert len(found) <= 1, found
    return found[0] if found else None


def page(client: FlaskClient, query: str = "") -> str:
    response = client.get(PAGE + query)
    assert response.status_code == 200, response.status_code
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_data(as_text=True)


def post(client: FlaskClient, action: str, group: Group, **form: str):  # type: ignore[no-untyped-def]
    data = {"csrf": csrf(client, PAGE), "messages": ",".join(map(str, group.message_ids)), **form}
    return client.post(f"{PAGE}{action}", data=data)


def export(runtime: Runtime, out: Path) -> dict[str, list[str]]:
    environ = base_environment(runtime.settings.redis_prefix, runtime.settings.database_url)
    result = CliRunner().invoke(main, ["nlu", "import-reviewed", "--out", str(out)], env=environ)
    assert result.exit_code == 0, result.output
    if not out.is_file():
        return {}
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    return {
        item["intent"]: [line[2:] for line in item["examples"].splitlines()]
        for item in data["nlu"]
    }


def reviewed(runtime: Runtime, ids: tuple[int, ...]) -> list[ReviewedMessage]:
    with runtime.sessions() as session:
        return list(
            session.scalars(select(ReviewedMessage).where(ReviewedMessage.message_id.in_(ids)))
        )


def test_only_her_messages_not_understood_appear_grouped_with_counts(
    editor: FlaskClient, runtime: Runtime
) -> None:
    word, other = marker(), marker()
    ana, bea = woman(), woman()
    her_message(runtime, ana, f"¿Dónde compro {word} barato?")
    her_message(runtime, bea, f"donde compro {word} barato")
    her_message(runtime, bea, f"DONDE COMPRO {word.upper()} BARATO!!")
    # Understood, not asked, ours: never on the page.
    her_message(runtime, ana, f"understood {other}", Understood("ask_credit", 0.93, False))
    her_message(runtime, ana, f"unasked {other}", None)
    record_outbound(runtime.sessions, ana, "whatsapp", f"ours {other}", "out_" + uuid.uuid4().hex,
                    "sent")  # fmt: skip

    group = group_of(runtime, word)
    assert group is not None and group.count == 3 and group.women == 2
    html = page(editor)
    article = re.search(rf'<article class="group" id="group-{group.id}">(.*?)</article>', html,
                        re.S)  # fmt: skip
    assert article is not None
    # The newest message of the most frequent wording stands for the group.
    shown = article.group(1)
    assert f'<span class="count">3</span>«DONDE COMPRO {word.upper()} BARATO!!»' in shown
    assert 'class="samples"' not in shown  # the same wording whatever the capitals, accents
    assert other not in html
    assert group_of(runtime, other) is None


def test_phone_numbers_are_masked_on_the_page(editor: FlaskClient, runtime: Runtime) -> None:
    word = marker()
    her_message(runtime, woman(), f"{word} llamenme al 300 123 4567")
    her_message(runtime, woman(), f"{word} llamenme al +573001234599 porfa")
    html = page(editor)
    assert f"{word} llamenme al +…67" in html and "+…99" in html
    for digits in ("300 123 4567", "3001234599", "573001234599"):
        assert digits not in html


def test_her_text_and_a_topic_are_escaped_never_markup(
    editor: FlaskClient, runtime: Runtime
) -> None:
    word = marker()
    her_message(runtime, woman(), f'<script>alert("{word}")</script><b onclick=x>hola</b>')
    html = page(editor)
    assert "<script>alert" not in html and "<b onclick" not in html
    assert "&lt;script&gt;alert(&#34;" + word in html
    group = group_of(runtime, word)
    assert group is not None
    response = post(editor, "new-topic", group, topic=f"<img src=x onerror=alert(1)> {word}")
    assert response.status_code == 303
    html = page(editor)
    assert "<img src=x" not in html and f"&lt;img src=x onerror=alert(1)&gt; {word}" in html


def test_a_labelled_group_leaves_the_page_and_is_exported_under_its_intent(
    editor: FlaskClient, runtime: Runtime, tmp_path: Path
) -> None:
    word = marker()
    first = her_message(runtime, woman(), f"me dan plata {word} para mi negocio? 300 123 4567")
    her_message(runtime, woman(), f"me dan plata {word} para mi negocio? 300 123 4567")
    her_message(runtime, woman(), f"me dan plata {word} para el negocio")
    group = group_of(runtime, word)
    assert group is not None and group.count == 3 and first in group.message_ids

    response = post(editor, "label", group, intent="ask_credit", days="30")
    assert response.status_code == 303 and response.location.endswith("?days=30")
    html = page(editor, "?days=30")
    assert "Etiquetados como ask_credit: 3" in html and word not in html
    assert {r.decision for r in reviewed(runtime, group.message_ids)} == {"intent"}

    out = tmp_path / "reviewed.yml"
    examples = export(runtime, out)
    mine = [e for e in examples.get("ask_credit", []) if word in e]
    # Masked, de-duplicated, sorted.
    assert mine == [f"me dan plata {word} para el negocio",
                    f"me dan plata {word} para mi negocio? +…67"]  # fmt: skip
    assert "almas nlu import-reviewed" in out.read_text().split("version:")[0]
    assert out.resolve() != REVIEWED_NLU_PATH.resolve()


def test_an_unknown_intent_is_refused_with_a_clear_error(
    editor: FlaskClient, runtime: Runtime
) -> None:
    word = marker()
    her_message(runtime, woman(), f"quiero {word}")
    group = group_of(runtime, word)
    assert group is not None
    response = post(editor, "label", group, intent="nlu_fallback")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "«nlu_fallback» no es una intención del asistente" in body
    assert word in body  # still waiting on the page
    assert reviewed(runtime, group.message_ids) == []


def test_a_new_topic_is_listed_with_its_counts_whatever_its_capitals(
    editor: FlaskClient, runtime: Runtime
) -> None:
    word, other = marker(), marker()
    ana = woman()
    for text in (f"arriendo {word}", f"arriendo {word}"):
        her_message(runtime, ana, text)
    her_message(runtime, woman(), f"casa {other} para vivir")
    topic = f"Vivienda {word}"
    first, second = group_of(runtime, word), group_of(runtime, other)
    assert first is not None and second is not None
    assert post(editor, "new-topic", first, topic=topic).status_code == 303
    same = f"  vivienda   {word.upper()} "  # the same topic, typed otherwise
    assert post(editor, "new-topic", second, topic=same).status_code == 303

    html = page(editor)
    assert f"arriendo {word}" not in html and f"casa {other}" not in html
    section = html.split('id="new-topics"')[1]
    row = re.search(rf"<tr><td>{topic}</td><td>(\d+)</td><td>(\d+)</td>", section)
    assert row is not None and row.groups() == ("3", "2")  # three messages, two women


def test_a_dismissed_group_leaves_the_page_and_is_not_exported(
    editor: FlaskClient, runtime: Runtime, tmp_path: Path
) -> None:
    word = marker()
    her_message(runtime, woman(), f"jajaja {word}")
    group = group_of(runtime, word)
    assert group is not None
    assert post(editor, "dismiss", group).status_code == 303
    assert word not in page(editor)
    assert all(word not in e for examples in export(runtime, tmp_path / "r.yml").values()
               for e in examples)  # fmt: skip
    # Reviewed once: the same form again changes nothing and says so.
    again = post(editor, "label", group, intent="greet")
    assert again.status_code == 409 and "ya fueron revisados" in again.get_data(as_text=True)
    assert {r.decision for r in reviewed(runtime, group.message_ids)} == {"dismissed"}


def test_erasure_takes_her_messages_off_the_page_and_out_of_the_export(
    editor: FlaskClient, runtime: Runtime, tmp_path: Path
) -> None:
    word, waiting = marker(), marker()
    ana, bea = woman(), woman()
    her_message(runtime, ana, f"ana pregunta por {word}")
    her_message(runtime, bea, f"bea pregunta por {word}")
    her_message(runtime, ana, f"ana espera {waiting}")
    group = group_of(runtime, word)
    assert group is not None and group.count == 2
    assert post(editor, "label", group, intent="ask_courses").status_code == 303
    before = export(runtime, tmp_path / "before.yml")["ask_courses"]
    assert {f"ana pregunta por {word}", f"bea pregunta por {word}"} <= set(before)

    erase_everything(runtime, ana)

    html = page(editor)
    assert waiting not in html  # her message still waiting for review: gone
    after = export(runtime, tmp_path / "after.yml")["ask_courses"]
    assert f"ana pregunta por {word}" not in after and f"bea pregunta por {word}" in after
    assert len(reviewed(runtime, group.message_ids)) == 1  # bea's


def test_the_period_filter_shows_older_messages_only_when_asked(
    editor: FlaskClient, runtime: Runtime
) -> None:
    word = marker()
    message = her_message(runtime, woman(), f"hace mucho {word}")
    with runtime.sessions() as session:
        session.execute(update(Message).where(Message.id == message)
                        .values(created_at=datetime.now(UTC) - timedelta(days=40)))  # fmt: skip
        session.commit()
    assert word not in page(editor)  # the last 30 days by default
    assert word in page(editor, "?days=90")
    assert word not in page(editor, "?days=1000")  # not a period offered: the default


def test_a_form_without_its_csrf_token_is_refused(editor: FlaskClient, runtime: Runtime) -> None:
    word = marker()
    her_message(runtime, woman(), f"sin token {word}")
    group = group_of(runtime, word)
    assert group is not None
    ids = ",".join(map(str, group.message_ids))
    for action, form in (("label", {"intent": "greet"}), ("new-topic", {"topic": "x"}),
                         ("dismiss", {})):  # fmt: skip
        for token in ({}, {"csrf": "wrong"}):
            response = editor.post(f"{PAGE}{action}", data={"messages": ids, **form, **token})
            assert response.status_code == 400, (action, token)
    assert reviewed(runtime, group.message_ids) == []
    assert word in page(editor)


def test_the_page_speaks_the_consoles_languages_and_the_header_links_to_it(
    editor: FlaskClient,
) -> None:
    assert 'id="nav-unanswered"' in page(editor)
    editor.get("/console/lang/en")
    html = page(editor)
    assert "What she asked and we could not answer" in html
    assert "New topics for the programme" in html
    editor.get("/console/lang/it")
    assert "Nuovi temi per il programma" in page(editor)


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    upgrade(database_url)
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_the_reviews_sql_on_sqlite_and_postgresql(sessions: sessionmaker[Session]) -> None:
    """Reads and writes of the review, on both databases: only her unreviewed messages not
    understood, each decision once, the examples and topics, her erasure taking them."""

    def write(pid: str, text: str, understood: Understood | None = NOT_UNDERSTOOD) -> None:
        record_inbound(sessions, pid, "sms", text, "SM" + uuid.uuid4().hex, understood=understood)

    write("p_ana", "me prestan plata 300 123 4567")
    write("p_bea", "me prestan plata?")
    write("p_bea", "clases de baile")
    write("p_bea", "ayuda con el arriendo")
    write("p_ana", "quiero un curso", Understood("ask_courses", 0.9, False))
    since = datetime.now(UTC) - timedelta(hours=1)
    groups = unanswered_groups(sessions, since)
    assert [(g.count, g.women) for g in groups] == [(2, 2), (1, 1), (1, 1)]
    assert unanswered_groups(sessions, since, until=since) == []
    money, first, second = groups

    with pytest.raises(UnknownIntent):
        label_group(sessions, money.message_ids, "nlu_fallback", "e@x.org", {"ask_credit"})
    assert label_group(sessions, money.message_ids, "ask_credit", "e@x.org", {"ask_credit"}) == 2
    with pytest.raises(NothingToReview):
        dismiss(sessions, money.message_ids, "e@x.org")
    assert mark_new_topic(sessions, first.message_ids, "Ocio", "e@x.org") == 1
    assert mark_new_topic(sessions, second.message_ids, " ocio ", "e@x.org") == 1
    assert unanswered_groups(sessions, since) == []
    assert reviewed_examples(sessions) == [
        ("ask_credit", "me prestan plata +…67"), ("ask_credit", "me prestan plata?")]  # fmt: skip
    assert reviewed_examples(sessions, intents={"greet"}) == []
    assert [(t.topic, t.messages, t.women) for t in new_topics(sessions)] == [("Ocio", 2, 1)]

    assert erase_participant(sessions, "p_ana")["reviewed_messages"] == 1
    assert reviewed_examples(sessions) == [("ask_credit", "me prestan plata?")]
