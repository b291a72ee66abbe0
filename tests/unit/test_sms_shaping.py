"""SMS shaping: segment counting per Twilio's rules, transliteration to GSM-7, numbered
single-segment parts within a budget, and the outbox's entry point `shape_sms`."""

from __future__ import annotations

import re

import pytest

from bot.content.store import ContentStore
from bot.core.messages import render_reply
from bot.outbound.paging import paginate
from bot.outbound.sms import (
    GSM7,
    UCS2,
    encoding,
    segments,
    shape_sms,
    sms_cost,
    split_for_sms,
    strip_emoji,
    transliterate_for_gsm,
    units,
)

NUMBERED = re.compile(r"^\((\d+)/(\d+)\) ")
MORE = "Escribe MÁS para ver el resto."
CONTENT = ContentStore()


def unnumbered(parts: list[str]) -> list[str]:
    return [NUMBERED.sub("", part) for part in parts]


# --- encoding and segments ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "enc", "n_units", "count"),
    [
        ("Hola, ¿cómo estás?", UCS2, 18, 1),  # ó and á are not GSM-7
        ("Hola, ¿como estas?", GSM7, 18, 1),
        ("¡Hola! ¿Qué tal? Ñandú", UCS2, 22, 1),  # ú
        ("ñ Ñ é É ü Ü ¿ ¡ à è ù ì ò Ç Ø ø Å å Ä ä Ö ö Æ æ ß", GSM7, 49, 1),
        *[(c, UCS2, 1, 1) for c in "áíóúÁÍÓÚ"],
        ("a" * 160, GSM7, 160, 1),
        ("a" * 161, GSM7, 161, 2),
        ("a" * 306, GSM7, 306, 2),
        ("a" * 307, GSM7, 307, 3),
        ("ó" * 70, UCS2, 70, 1),
        ("ó" * 71, UCS2, 71, 2),
        ("ó" * 134, UCS2, 134, 2),
        ("ó" * 135, UCS2, 135, 3),
        ("€", GSM7, 2, 1),  # escape + char: 2 septets
        ("[]{}^~\\|", GSM7, 16, 1),
        ("€" * 80, GSM7, 160, 1),
        ("€" * 81, GSM7, 162, 2),
        ("a" * 159 + "€", GSM7, 161, 2),
        ("🌻", UCS2, 2, 1),  # outside the BMP: a surrogate pair
        ("🌻" * 35, UCS2, 70, 1),
        ("🌻" * 36, UCS2, 72, 2),
        ("🌻" + "a" * 68, UCS2, 70, 1),  # one emoji makes all of it UCS-2
        ("🌻" + "a" * 69, UCS2, 71, 2),
        ("🙏🏽" * 17, UCS2, 68, 1),  # with a skin tone: 4 units
        ("❤", UCS2, 1, 1),  # inside the BMP: 1 unit
        # A segment never ends in the middle of an escape pair or of an emoji, so some hold
        # fewer than 153 / 67 units (a plain ceil(units / 153) says 2 for both):
        ("a" * 152 + "€" + "a" * 152, GSM7, 306, 3),
        ("ó" * 66 + "🌻" + "ó" * 66, UCS2, 134, 3),
        ("a" * 153 + "€" + "a" * 151, GSM7, 306, 2),  # the pair starts a segment: fits
    ],
)
def test_encoding_units_and_segments(text: str, enc: str, n_units: int, count: int) -> None:
    assert (encoding(text), units(text), segments(text)) == (enc, n_units, count)


def test_cost_of_several_sms_is_the_sum() -> None:
    assert sms_cost(["a" * 161, "ó", "🌻" * 36]) == 2 + 1 + 2


# --- transliteration --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hola, ¿cómo estás?", "Hola, ¿como estas?"),
        ("áíóú ÁÍÓÚ", "aiou AIOU"),
        ("ñ Ñ é É ü Ü ¿ ¡", "ñ Ñ é É ü Ü ¿ ¡"),  # already GSM-7: kept
        ("Validar mi título · Microcréditos", "Validar mi titulo - Microcréditos"),
        ("ÀÈÌÒÙ âêîôû ãõ ç ëï", "AEIOU aeiou ao c ei"),
        ("co\u0301mo", "como"),  # a decomposed accent too
        ("“Hola” ‘sí’ «ya» l´agua", '"Hola" \'si\' "ya" l\'agua'),
        ("martes 15 — faltan 17 días; 10–12", "martes 15 - faltan 17 dias; 10-12"),
        ("Espera…", "Espera..."),
        ("• Sacar tu PPT\n• Emprender", "- Sacar tu PPT\n- Emprender"),
        ("$\u00a01.200.000", "$ 1.200.000"),  # Babel's money has a no-break space
        ("el 1º de mayo, la 2ª", "el 1o de mayo, la 2a"),
        ("in\u00advisible\u200b", "invisible"),
        ("€ 5 [x]", "€ 5 [x]"),  # extension table: GSM-7 already
        ("Hola 🌻", "Hola 🌻"),  # emoji are the caller's choice: kept by default
        ("你好", "你好"),  # no GSM-7 equivalent: kept, the SMS stays UCS-2
    ],
)
def test_transliterate_for_gsm(text: str, expected: str) -> None:
    assert transliterate_for_gsm(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("¡Hola! Soy ALMAS 🌻 Te ayudo", "¡Hola! Soy ALMAS Te ayudo"),
        ("¡Qué bueno! 💪 En ALMAS", "¡Qué bueno! En ALMAS"),
        ("Gracias 🙏🏽!", "Gracias!"),
        ("🌻Hola", "Hola"),
        ("importa 💜\nEn", "importa\nEn"),
        ("familia 👩‍👩‍👧 y 🇨🇴", "familia y"),
        ("1️⃣ Cursos", "1 Cursos"),  # keycap: the digit stays
    ],
)
def test_dropping_emoji(text: str, expected: str) -> None:
    assert strip_emoji(text) == expected


def test_transliteration_can_drop_emoji_too() -> None:
    greeting = "¡Hola! Soy la asistente virtual de ALMAS 🌻 Te ayudo con cursos."
    assert transliterate_for_gsm(greeting, drop_emoji=True) == (
        "¡Hola! Soy la asistente virtual de ALMAS Te ayudo con cursos."
    )


def test_every_content_text_becomes_gsm7_without_emoji() -> None:
    """The replacement table covers what programme staff actually write."""
    snapshot = CONTENT.snapshot()
    texts = [
        render_reply(CONTENT.render_variant(variant))
        for variants in snapshot.responses.values()
        for variant in variants
    ] + list(snapshot.system.values())
    assert texts
    not_gsm = [t for t in texts if encoding(transliterate_for_gsm(t, drop_emoji=True)) != GSM7]
    assert not_gsm == []


def test_transliteration_is_idempotent() -> None:
    text = "“Lo que sientes importa” 💜 — Línea 192, opción 4…"
    once = transliterate_for_gsm(text)
    assert transliterate_for_gsm(once) == once


# --- splitting --------------------------------------------------------------------------

SENTENCES = [
    "Tu seguridad es lo primero.",
    "Si estás en peligro ahora, llama al 123.",
    "Si sufres violencia, la Línea 155 te orienta gratis, a toda hora.",
    "En ALMAS puedes hablar con el equipo de apoyo psicológico del programa.",
    "Escribe ASESORA y te conectamos.",
    "¿Necesitas orientación en salud mental? Llama a la Línea 192, opción 4.",
]


def test_short_text_is_one_unnumbered_sms() -> None:
    assert split_for_sms("  Hola, ¿cómo estás?\n", 3) == ["Hola, ¿cómo estás?"]
    assert split_for_sms("a" * 160, 1) == ["a" * 160]
    assert split_for_sms("", 3) == [""]


SHORT_SENTENCES = [  # each fits one UCS-2 part with its number (64 units)
    "Tu seguridad es lo primero.",
    "Si estás en peligro ahora, llama al 123.",
    "La Línea 155 te orienta gratis, a toda hora.",
    "Escribe ASESORA y te conectamos.",
    "¿Necesitas apoyo psicológico?",
    "Llama a la Línea 192, opción 4.",
]


@pytest.mark.parametrize(
    "text",
    [" ".join(SHORT_SENTENCES), transliterate_for_gsm(" ".join(SHORT_SENTENCES * 3))],
)
def test_parts_are_numbered_single_segments_cut_at_sentence_ends(text: str) -> None:
    parts = split_for_sms(text, 1)
    assert len(parts) > 1
    for i, part in enumerate(parts, start=1):
        assert NUMBERED.match(part).groups() == (str(i), str(len(parts)))  # type: ignore[union-attr]
        assert segments(part) == 1  # the "(i/n) " prefix included
    bodies = unnumbered(parts)
    assert all(body.endswith((".", "?")) for body in bodies)  # whole sentences
    assert " ".join(bodies) == text  # nothing lost, nothing added


def test_a_sentence_longer_than_a_part_fills_the_open_part() -> None:
    parts = split_for_sms(" ".join(SENTENCES), 1)
    assert parts[1] == "(2/7) Si estás en peligro ahora, llama al 123. Si sufres violencia, la"
    assert parts[2].startswith("(3/7) Línea 155 te orienta")
    assert all(segments(p) == 1 for p in parts)
    assert " ".join(unnumbered(parts)) == " ".join(SENTENCES)


def test_ucs2_parts_hold_70_units_and_gsm_parts_160() -> None:
    ucs2 = split_for_sms(" ".join(SENTENCES), 1)
    gsm = split_for_sms(transliterate_for_gsm(" ".join(SENTENCES)), 1)
    assert all(units(p) <= 70 for p in ucs2 if encoding(p) == UCS2)
    assert all(units(p) <= 160 for p in gsm)
    assert len(gsm) < len(ucs2)


def test_the_number_prefix_counts_in_the_length() -> None:
    first = "palabra " * 19 + "fin."  # 156 characters: fits 160, but not after "(1/2) "
    text = first + " Adiós, cuídate."
    assert segments(first) == 1
    parts = split_for_sms(transliterate_for_gsm(text), 1)
    assert "fin." not in parts[0]
    assert all(segments(p) == 1 for p in parts)


def test_a_numbered_option_is_not_a_sentence_end() -> None:
    menu = render_reply(CONTENT.render_variant(CONTENT.snapshot().responses["utter_main_menu"][0]))
    parts = split_for_sms(menu, 1)
    assert len(parts) == 3 and all(segments(p) == 1 for p in parts)
    for body in unnumbered(parts):
        assert not re.search(r"(^|\n)\d\.$", body)  # never "…\n2." with its option elsewhere
        assert all(re.match(r"\d\. \S", line) for line in body.splitlines() if line[:1].isdigit())


def test_a_sentence_too_long_is_cut_between_words() -> None:
    sentence = "Con el PPT puedes trabajar con contrato abrir cuenta en el banco afiliarte a salud"
    text = (sentence + " ") * 3 + "y estudiar"  # no sentence end anywhere
    parts = split_for_sms(text, 1)
    assert len(parts) > 1 and all(segments(p) == 1 for p in parts)
    assert " ".join(unnumbered(parts)).split() == text.split()  # no word broken


def test_a_word_longer_than_a_segment_is_cut_between_characters() -> None:
    link = "https://almas.example.org/" + "x" * 300
    parts = split_for_sms("Mira: " + link, 1)
    assert all(segments(p) == 1 for p in parts)
    assert "".join(unnumbered(parts)) == "Mira: " + link


def test_an_emoji_is_never_cut() -> None:
    text = "🙏🏽" * 40
    parts = split_for_sms(text, 1)
    assert all(segments(p) == 1 for p in parts)
    assert "".join(unnumbered(parts)) == text


def test_ten_parts_or_more_get_wider_numbers_that_still_fit() -> None:
    text = " ".join(SENTENCES * 5)
    parts = split_for_sms(text, 1)
    assert len(parts) >= 10
    assert parts[0].startswith(f"(1/{len(parts)}) ") and parts[-1].startswith(f"({len(parts)}/")
    assert all(segments(p) == 1 for p in parts)
    assert " ".join(unnumbered(parts)) == text


@pytest.mark.parametrize("budget", [1, 2, 3, 4])
def test_over_the_budget_parts_are_numbered_and_each_fits_the_budget(budget: int) -> None:
    text = " ".join(SENTENCES)  # UCS-2: 5 segments as one SMS
    assert segments(text) == 5
    parts = split_for_sms(text, budget)
    assert len(parts) > 1 and all(NUMBERED.match(p) for p in parts)
    assert all(segments(p) <= budget for p in parts)
    assert " ".join(unnumbered(parts)) == text  # never truncated


@pytest.mark.parametrize("budget", [5, 6, 9])
def test_within_the_budget_it_stays_one_concatenated_sms(budget: int) -> None:
    text = " ".join(SENTENCES)
    assert split_for_sms(text, budget) == [text]  # cheaper than numbered parts: no cuts


def test_a_3_segment_text_is_one_sms_with_budget_3_and_parts_with_budget_2() -> None:
    sentence = "hola " * 19 + "fin."
    text = " ".join([sentence] * 4)  # 399 GSM-7 characters: 3 segments as one SMS
    assert segments(text) == 3
    assert split_for_sms(text, 3) == [text]
    parts = split_for_sms(text, 2)
    assert len(parts) == 2 and all(segments(p) <= 2 for p in parts)


def test_bad_budget_is_refused() -> None:
    with pytest.raises(ValueError, match="budget_segments"):
        split_for_sms("hola", 0)


def test_deterministic() -> None:
    text = " ".join(SENTENCES)
    assert split_for_sms(text, 3) == split_for_sms(text, 3)


# --- shape_sms ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("transliterate", "drop_emoji", "expected"),
    [
        (False, False, ["Hola, ¿cómo estás? 🌻"]),
        (True, False, ["Hola, ¿como estas? 🌻"]),
        (True, True, ["Hola, ¿como estas?"]),
        (False, True, ["Hola, ¿cómo estás?"]),
    ],
)
def test_shape_sms_options(transliterate: bool, drop_emoji: bool, expected: list[str]) -> None:
    shaped = shape_sms(
        "Hola, ¿cómo estás? 🌻",
        transliterate=transliterate,
        budget_segments=3,
        drop_emoji=drop_emoji,
    )
    assert shaped == expected


def test_shape_sms_main_menu() -> None:
    menu = render_reply(CONTENT.render_variant(CONTENT.snapshot().responses["utter_main_menu"][0]))
    as_written = shape_sms(menu, transliterate=False, budget_segments=3)
    assert encoding(menu) == UCS2 and as_written == [menu]  # 3 segments: within the budget
    assert len(shape_sms(menu, transliterate=False, budget_segments=1)) == 3
    transliterated = shape_sms(menu, transliterate=True, budget_segments=3)
    assert len(transliterated) == 1 and encoding(transliterated[0]) == GSM7
    assert "1. Cursos y formacion\n" in transliterated[0]


def test_pages_from_paging_shape_within_the_budget() -> None:
    """bot.outbound.paging pages long answers with "MÁS" for 3 segments; each page, shaped with
    transliteration, then costs at most 3 segments too."""
    text = " ".join(f"Esta es la oración número {i}, con tildes y eñes." for i in range(30))
    for page in paginate(text, MORE):
        shaped = shape_sms(page, transliterate=True, budget_segments=3)
        assert sms_cost(shaped) <= 3
        assert " ".join(unnumbered(shaped)).split() == transliterate_for_gsm(page).split()
