"""content/: the real files pass `almas content check`; the check catches what it must; edits
are picked up by a running process without a restart; every text the actions use exists."""

from __future__ import annotations

import re
import shutil
import time
from datetime import date
from itertools import product
from pathlib import Path

import pytest
from click.testing import CliRunner

import bot.content.store
from bot.content.store import ContentError, ContentStore
from bot.ops.cli import main
from bot.publishing.check import check, domain_responses
from flows.actions.credit import BUSINESS_MONTHS, precheck_outcome
from flows.actions.fallback import OFFERABLE
from flows.actions.topics import TOPIC_RESPONSES

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 28)


def test_the_real_content_passes_the_check() -> None:
    result = CliRunner().invoke(main, ["content", "check"])
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output


def copy_content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(ROOT / "content", target)
    return target


def errors(directory: Path, needed: set[str] | None = None) -> list[str]:
    found = check(ContentStore(directory), TODAY, needed or set(), set())
    return [str(p) for p in found if p.level == "error"]


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_text_too_long_for_sms_is_an_error_unless_it_offers_more(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    long = "Esta respuesta es demasiado larga para un SMS con tildes. " * 5
    replace(content / "texts.yml", 'text: "¡Con mucho gusto!', f'text: "{long}¡Con mucho gusto!')
    assert any("utter_you_are_welcome" in e and "segments" in e for e in errors(content))
    replace(content / "texts.yml", f"{long}¡Con mucho gusto!", f"{long} Escribe MÁS. ¡Listo!")
    assert not any("utter_you_are_welcome" in e for e in errors(content))


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("scholarships.yml", "closes: 2026-12-20", "closes: 2026-10-01", "closes before it opens"),
        ("courses.yml", "checked: 2026-11-20", "checked: 2031-01-01", "future"),
        ("courses.yml", "source: ", "sourze: ", "source"),
        ("courses.yml", "https://", "htps://", "URL"),
        ("texts.yml", "{count}", "{count", "placeholder"),
    ],
)
def test_schema_errors_are_named(
    tmp_path: Path, file: str, old: str, new: str, message: str
) -> None:
    content = copy_content(tmp_path)
    replace(content / file, old, new)
    found = errors(content)
    assert found and any(message.lower() in e.lower() for e in found), found


def test_a_response_the_dialogue_needs_must_exist(tmp_path: Path) -> None:
    needed = domain_responses(ROOT / "flows" / "domain.yml") | {"utter_does_not_exist"}
    assert any("utter_does_not_exist" in e for e in errors(ROOT / "content", needed))


def test_an_edit_reaches_a_running_process_without_restart(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(bot.content.store, "RELOAD_CHECK_SECONDS", 0.0)
    content = copy_content(tmp_path)
    store = ContentStore(content)
    assert "gusto" in store.render("utter_you_are_welcome").text
    time.sleep(0.01)
    replace(content / "texts.yml", "¡Con mucho gusto!", "¡Con todo el gusto del mundo!")
    assert "todo el gusto del mundo" in store.render("utter_you_are_welcome").text


def test_a_broken_edit_is_refused_with_the_file_named(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    (content / "courses.yml").write_text("courses: [ {id: x", encoding="utf-8")
    with pytest.raises(ContentError, match=r"courses\.yml"):
        ContentStore(content).snapshot()


def test_every_text_the_actions_use_exists_in_content() -> None:
    store = ContentStore()
    source = "\n".join(p.read_text() for p in (ROOT / "flows" / "actions").glob("*.py"))
    responses = set(re.findall(r'response="(utter_\w+)"', source))
    system = set(re.findall(r'system_text\(\s*"(\w+)"', source))
    # names the actions build at run time
    system |= {f"topic_{name}" for name in (*OFFERABLE, "request_human")}
    system |= {f"precheck_{outcome}" for outcome in ("ready", "almost", "not_yet")}
    for has_business, months, ppt, training in product((True, False), BUSINESS_MONTHS,
                                                        (True, False), (True, False)):  # fmt: skip
        system |= set(precheck_outcome(has_business, months, ppt, training)[1])
    responses |= set(TOPIC_RESPONSES.values())
    assert responses <= set(store.snapshot().responses)
    assert system <= set(store.snapshot().system)


def test_every_changeable_fact_has_source_and_checked() -> None:
    snapshot = ContentStore().snapshot()
    for item in (*snapshot.courses, *snapshot.scholarships, *snapshot.credential_paths,
                 *snapshot.support_lines):  # fmt: skip
        assert item.source and item.checked <= date.today()
    for name, variants in snapshot.responses.items():
        if name in {"utter_entrepreneurship", "utter_employment", "utter_migration_status",
                    "utter_psych_support", "utter_enrollment"}:  # fmt: skip
            assert all("source" in v and "checked" in v for v in variants), name


# -- programme outcomes (issue 15): content/outcomes.yml --------------------------------------
ISSUE_15_OUTCOMES = [
    "referred_to_course", "course_enrolled", "course_completed", "scholarship_applied",
    "scholarship_granted", "credential_started", "apostille_done", "convalidation_filed",
    "credential_obtained", "credit_referral", "credit_granted", "business_started",
    "job_placement", "psychosocial_referral",
]  # fmt: skip


def test_outcome_kinds_are_the_programmes_each_named_in_spanish_english_and_italian() -> None:
    outcomes = ContentStore().snapshot().outcomes
    assert [o.id for o in outcomes] == ISSUE_15_OUTCOMES
    for outcome in outcomes:
        names = {lang: outcome.label(lang) for lang in ("es", "en", "it")}
        assert all(names.values()) and len(set(names.values())) >= 2, names
    assert outcomes[0].label("fr") == outcomes[0].label("es")  # unknown language: Spanish


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [('      it: "Indirizzata a un corso"\n', "", "it"),
     ("  - id: course_enrolled", "  - id: referred_to_course", "ids used twice"),
     ("  - id: course_enrolled", "  - id: Course Enrolled", "pattern"),
     ('      es: "Inscrita en un curso"', '      es: ""', "at least 1 character")],
    ids=["a language missing", "an id twice", "not an id", "an empty name"],
)  # fmt: skip
def test_outcome_kinds_are_checked(tmp_path: Path, old: str, new: str, message: str) -> None:
    content = copy_content(tmp_path)
    replace(content / "outcomes.yml", old, new)
    found = errors(content)
    assert found and any(message.lower() in e.lower() for e in found), found


def test_content_without_outcome_kinds_is_an_error(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    (content / "outcomes.yml").unlink()
    assert any("no outcome kinds" in e for e in errors(content))
