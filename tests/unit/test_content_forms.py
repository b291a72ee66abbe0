"""The console's generated forms (bot/publishing/forms.py): every item of content/ goes into its
form and comes back unchanged — same value, same key order, so an untouched save changes
nothing in git — and a changed form changes only what was changed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.content.documents import dump
from bot.content.documents import parse as parse_document
from bot.content.sources import FileSource
from bot.core.settings import content_dir
from bot.publishing.forms import (
    BOOLEAN,
    CHOICE,
    CHOICES,
    DATE,
    INTEGER,
    LINES,
    LONG_TEXT,
    NOT_A_DATE,
    NOT_A_NUMBER,
    OBJECT,
    OBJECTS,
    REQUIRED,
    ROOT_TEXT,
    ROOT_VARIANTS,
    ROOT_YAML,
    TEXT,
    URL,
    YAML,
    bind,
    form_for,
    parse,
    to_data,
    validate,
)
from bot.publishing.repository import value_of
from bot.publishing.workflow import kind_of


def content_items() -> list[tuple[str, str, str, Any]]:
    """(kind, section, key, value) of every item of content/."""
    found = []
    for name, text in sorted(FileSource(content_dir()).documents().items()):
        for section in parse_document(name, text).sections:
            for entry in section.entries:
                value = value_of(section.name, section.shape, entry.key, entry.body)
                found.append((kind_of(name, section.name), section.name, entry.key, value))
    return found


ITEMS = content_items()


def test_every_kind_of_content_has_items_to_test() -> None:
    kinds = {kind for kind, *_ in ITEMS}
    assert kinds == {"courses", "scholarships", "credential_paths", "credit", "texts",
                     "support_lines", "privacy", "programme", "whatsapp", "outcomes"}  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "section", "key", "value"), ITEMS, ids=[f"{s}/{k}" for _, s, k, _ in ITEMS]
)
def test_an_item_goes_through_its_form_unchanged(kind: str, section: str, key: str,
                                                 value: Any) -> None:  # fmt: skip
    form = form_for(section)
    back, errors = parse(form, to_data(form, value), value)
    assert errors == {}
    assert back == value
    assert dump(back) == dump(value)  # the same YAML: key order and all
    assert validate(form, back) == {}
    assert bind(form, to_data(form, value))  # and the page can show it


def by_kind(kind: str) -> dict[str, Any]:
    return {key: value for k, _, key, value in ITEMS if k == kind}


def course() -> dict[str, Any]:
    return dict(by_kind("courses")["talento-tech-programacion-baq"])


def test_the_form_of_a_course_has_the_right_inputs() -> None:
    kinds = {f.name: f.kind for f in form_for("courses").fields}
    assert kinds["enrol_until"] == DATE and kinds["cost_cop"] == INTEGER
    assert kinds["topic"] == CHOICE and kinds["city"] == CHOICE
    assert kinds["requirements"] == LINES and kinds["link"] == URL
    assert kinds["how_to_enrol"] == LONG_TEXT and kinds["name"] == TEXT
    assert list(kinds)[-2:] == ["source", "checked"]  # as content/ writes them
    assert next(f for f in form_for("courses").fields if f.name == "id").read_only
    assert not next(f for f in form_for("courses", new=True).fields if f.name == "id").read_only


def test_every_kind_gets_a_form_of_its_shape() -> None:
    assert form_for("responses").root == ROOT_VARIANTS
    variants = form_for("responses").fields[0]
    assert variants.kind == OBJECTS and [f.name for f in variants.fields] == [
        "text", "buttons", "source", "checked"
    ]  # fmt: skip
    assert form_for("system").root == ROOT_TEXT
    assert form_for("something_new").root == ROOT_YAML
    line = {f.name: f for f in form_for("support_lines").fields}
    assert line["cases"].kind == CHOICES and "violence" in line["cases"].choices
    assert line["verified"].kind == BOOLEAN and line["verified"].default is True
    steps = {f.name: f for f in form_for("credential_paths").fields}["steps"]
    assert steps.kind == OBJECTS and [f.name for f in steps.fields] == ["title", "text"]
    credit = {f.name: f for f in form_for("credit").fields}
    assert credit["fng"].kind == OBJECT and not credit["fng"].required
    assert credit["partners"].kind == OBJECTS
    hours = {f.name: f for f in form_for("programme").fields}["office_hours"]
    assert hours.kind == OBJECT and hours.fields[0].name == "lunes"
    variables = {f.name: f for f in form_for("whatsapp_templates").fields}["variables"]
    assert variables.kind == YAML


def test_a_changed_date_changes_that_date_only() -> None:
    value = course()
    form = form_for("courses")
    data = to_data(form, value)
    data["f.enrol_until"] = ["2027-01-20"]
    back, errors = parse(form, data, value)
    assert errors == {} and back == {**value, "enrol_until": date(2027, 1, 20)}
    assert list(back) == list(value)


def test_optional_keys_that_were_absent_stay_absent_and_new_ones_go_next_to_their_neighbour(
) -> None:  # fmt: skip
    value = course()
    assert "link" not in value and "phone" not in value
    form = form_for("courses")
    data = to_data(form, value)
    back, _ = parse(form, data, value)
    assert "link" not in back and "phone" not in back
    data["f.link"] = ["https://www.sena.edu.co/cursos"]
    back, _ = parse(form, data, value)
    keys = list(back)
    assert keys.index("link") == keys.index("how_to_enrol") + 1
    # A key that was there and is emptied stays, empty (`city: null` in content/).
    virtual = dict(by_kind("courses")["sena-ofimatica-virtual"])
    assert virtual["city"] is None
    back, _ = parse(form, to_data(form, virtual), virtual)
    assert "city" in back and back["city"] is None


def test_a_default_the_schema_assumes_is_not_written() -> None:
    line = dict(by_kind("support_lines")["emergencias-123"])
    assert "verified" not in line
    form = form_for("support_lines")
    data = to_data(form, line)
    assert data["f.verified"] == ["on"]  # shown as what it is: verified
    back, _ = parse(form, data, line)
    assert "verified" not in back
    del data["f.verified"]  # unticked
    back, _ = parse(form, data, line)
    assert back["verified"] is False


def test_rows_are_added_from_the_blank_row_and_removed_with_their_box() -> None:
    value = by_kind("texts")["utter_ask_city"]
    form = form_for("responses")
    data = to_data(form, value)
    rows = bind(form, data)[0].rows
    assert [r.blank for r in rows] == [False, True]
    buttons = rows[0].fields[1]
    assert [r.blank for r in buttons.rows] == [False, False, False, True]
    data["f.variants.0.buttons.1._remove"] = ["on"]
    data["f.variants.0.buttons.3.title"] = ["Otra ciudad"]
    data["f.variants.0.buttons.3.payload"] = ["/other_city"]
    back, errors = parse(form, data, value)
    assert errors == {}
    titles = [b["title"] for b in back[0]["buttons"]]
    assert titles == ["Santa Marta", "Cursos virtuales", "Otra ciudad"]
    data["f.variants.1.text"] = ["¿Dónde vives?"]  # a second variant, from the blank row
    back, _ = parse(form, data, value)
    assert back[1] == {"text": "¿Dónde vives?"}


def test_wrong_input_is_reported_by_input_name() -> None:
    value = course()
    form = form_for("courses")
    data = to_data(form, value)
    data["f.cost_cop"] = ["gratis"]
    data["f.start_date"] = ["31/01/2027"]
    data["f.name"] = ["  "]
    _, errors = parse(form, data, value)
    assert errors == {"f.cost_cop": NOT_A_NUMBER, "f.start_date": NOT_A_DATE,
                      "f.name": REQUIRED}  # fmt: skip
    data = to_data(form, value)
    data["f.cost_cop"] = ["1.200.000"]  # as Colombians write pesos
    back, errors = parse(form, data, value)
    assert errors == {} and back["cost_cop"] == 1200000


def test_the_schema_says_what_is_wrong_next_to_the_input() -> None:
    form = form_for("courses")
    wrong = {**course(), "enrol_until": date(2027, 3, 1)}
    assert "enrol_until is after start_date" in validate(form, wrong)[""]
    line = dict(by_kind("support_lines")["mujeres-155"])
    errors = validate(form_for("support_lines"), {**line, "dial": "155 ext. A"})
    assert "not a number she can dial" in errors["f.dial"]
    variant = {"text": "Hola", "source": "SENA"}
    assert validate(form_for("responses"), [variant]) == {
        "f.variants.0.checked": "Con fuente, también la fecha de verificación (y al revés)."
    }


def test_a_shape_without_a_form_is_edited_as_yaml() -> None:
    form = form_for("something_new")
    value = {"a": [1, 2], "b": "texto"}
    data = to_data(form, value)
    assert data == {"f.yaml": [dump(value)]}
    back, errors = parse(form, data, value)
    assert back == value and errors == {}
    _, errors = parse(form, {"f.yaml": ["a: [1, 2"]}, value)
    assert errors == {"f.yaml": "YAML no válido."}
