"""Content files as documents of items (bot/content/documents.py): what `almas content
import` splits and `almas content export` writes back, byte for byte."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot.content.documents import (
    LIST,
    MAPPING,
    SINGLE,
    DocumentError,
    dump,
    from_layout,
    parse,
    render,
)

CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.mark.parametrize("path", sorted(CONTENT.glob("*.yml")), ids=lambda p: p.name)
def test_every_content_file_comes_back_byte_for_byte(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    document = parse(path.name, text)
    assert render(document) == text
    # …and through the stored layout, as the export rebuilds it from SQL rows.
    rebuilt = from_layout(
        path.name, document.layout(), {s.name: list(s.entries) for s in document.sections}
    )
    assert render(rebuilt) == text


def test_items_are_split_by_id_name_or_section_with_their_leading_comments() -> None:
    text = (
        "# header\n"
        "courses:\n"
        "  # --- TIC ---\n"
        "  - id: a\n"
        "    name: Curso A\n"
        "\n"
        "  - id: b\n"
        "    name: Curso B\n"
        "\n"
        "# the texts\n"
        "responses:\n"
        "  utter_hi:\n"
        "    - text: \"Hola, ¿cómo estás?\"\n"
        "\n"
        "credit:\n"
        "  summary: \"Un texto: largo.\"\n"
    )
    document = parse("x.yml", text)
    courses, responses, credit = document.sections
    assert (courses.shape, [e.key for e in courses.entries]) == (LIST, ["a", "b"])
    assert courses.entries[0].comment == "# --- TIC ---"
    assert (responses.shape, responses.comment, responses.entries[0].key) == (
        MAPPING, "# the texts", "utter_hi",
    )  # fmt: skip
    assert (credit.shape, credit.entries[0].key) == (SINGLE, "credit")
    assert document.header == "# header"
    assert render(document) == text


def test_a_list_item_without_an_id_or_twice_the_same_id_is_refused() -> None:
    with pytest.raises(DocumentError, match="needs an id"):
        parse("x.yml", "courses:\n  - name: a\n")
    with pytest.raises(DocumentError, match="twice"):
        parse("x.yml", "courses:\n  - id: a\n  - id: a\n")
    with pytest.raises(DocumentError, match="mapping"):
        parse("x.yml", "- a\n")


def test_values_keep_their_types_dates_numbers_nulls_and_names() -> None:
    value = {
        "id": "sena-tic",
        "city": "Santa Marta",
        "start_date": date(2027, 2, 1),
        "cost_cop": None,
        "min_age": 18,
        "verified": False,
        "dial": "123",
        "payload": '/inform{"city": "Santa Marta"}',
        "text": "¿Sobre qué? 🌻 Responde: sí",
        "policy": "Línea uno\nLínea dos\n",
        "cases": ["emergency", "violence"],
    }
    text = dump(value)
    assert yaml.safe_load(text) == value
    assert "dial: \"123\"" in text  # a number she dials stays a text
    assert "cases: [emergency, violence]" in text
    assert "policy: |" in text


@given(st.text(min_size=1, max_size=80))
def test_any_text_staff_write_is_read_back_unchanged(text: str) -> None:
    assert yaml.safe_load(dump({"text": text})) == {"text": text}
