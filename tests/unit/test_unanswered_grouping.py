"""The review of what she asked and the assistant could not answer, without a database
(bot/publishing/unanswered.py): her text masked, normalised, grouped by similar wording; the
NLU file the reviewed examples become; topics; who may review."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from bot.handoff.accounts import EDITOR, ROLES, SUPERVISOR
from bot.publishing.unanswered import (
    PHONE_WORD,
    BadTopic,
    Unanswered,
    clean_topic,
    domain_intents,
    example_text,
    group_messages,
    jaccard,
    mask_her_text,
    may_review,
    nlu_yaml,
    normalise,
    words_of,
)

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def messages(*texts: str, women: int = 100) -> list[Unanswered]:
    """Her messages one minute apart, oldest first; `women` participants in turn."""
    return [
        Unanswered(n, f"p{n % women}", text, T0 + timedelta(minutes=n))
        for n, text in enumerate(texts)
    ]


@pytest.mark.parametrize(
    "text",
    [
        "mi número es 3001234567",
        "llámame al +573001234567",
        "whatsapp:+573001234567",
        "mi número es 300 123 4567",
        "mi numero 300-123-4567",
        "al +57 300 1234567 porfa",
        "(0414) 123.45.67",
        "0414-1234567",
        "300.123.4567",
        "mi cedula es 1.045.678.901",  # an id number written like money
        "cc 52.345.678",
    ],
)
def test_phone_numbers_she_types_are_masked_whatever_their_shape(text: str) -> None:
    masked = mask_her_text(text)
    assert "+…" in masked
    assert not any(run in masked for run in ("300", "123", "0414", "4567", "1234567", "678", "345"))


def test_amounts_ages_and_short_numbers_are_not_masked() -> None:
    for text in ("me prestan 1.500.000 pesos", "tengo 2 hijos de 3 y 5 años", "$200,000",
                 "curso de 120 horas", "nací en 1990", "necesito $ 2.350.500",
                 "un credito de 15.000.000"):  # fmt: skip
        assert mask_her_text(text) == text


def test_masking_keeps_the_last_two_digits_like_the_logs() -> None:
    assert mask_her_text("llamen al 300 123 4567 gracias") == "llamen al +…67 gracias"
    assert mask_her_text("whatsapp:+573001234599") == "whatsapp:+…99"


def test_normalising_drops_case_accents_punctuation_emoji_and_filler_words() -> None:
    assert normalise("¿Dónde QUEDA la oficina de ALMAS??? 🙏") == "queda oficina almas"
    assert normalise("donde queda la oficina de almas") == "queda oficina almas"
    assert words_of("¡Sí, AYÚDAME!") == ["si", "ayudame"]


def test_a_phone_number_is_one_word_whatever_the_number() -> None:
    assert normalise("llamen al 3001234567") == normalise("llamen al 310 987 6543")
    assert PHONE_WORD in words_of("llamen al 3001234567")


def test_a_message_of_filler_only_keeps_its_words() -> None:
    assert normalise("Hola!!") == "hola"
    assert normalise("buenas tardes") == "buenas tardes"
    assert normalise("🙂") == ""


def test_jaccard_is_shared_words_over_all_words() -> None:
    assert jaccard(frozenset("ab"), frozenset("ab")) == 1.0
    assert jaccard(frozenset("abc"), frozenset("bcd")) == 0.5
    assert jaccard(frozenset("a"), frozenset("b")) == 0.0
    assert jaccard(frozenset(), frozenset()) == 1.0


def test_the_same_normalised_wording_is_always_one_group() -> None:
    groups = group_messages(messages("¿Dónde queda la oficina?", "donde queda la oficina",
                                      "DONDE QUEDA LA OFICINA!!"))  # fmt: skip
    assert [g.count for g in groups] == [3]


def test_similar_wordings_share_a_group_and_different_ones_do_not() -> None:
    groups = group_messages(messages(
        "quiero arreglar mi nevera",  # {quiero, arreglar, nevera}
        "necesito arreglar la nevera",  # {necesito, arreglar, nevera}: 2/4 = 0.5, together
        "necesito una casa para vivir",  # nothing in common
        "quiero una nevera nueva ya mismo",  # {quiero, nevera, nueva, mismo}: 2/5 < 0.5
    ))  # fmt: skip
    by_text = {g.text: g for g in groups}
    assert by_text["necesito arreglar la nevera"].count == 2
    assert by_text["necesito una casa para vivir"].count == 1
    assert by_text["quiero una nevera nueva ya mismo"].count == 1
    assert len(groups) == 3


def test_a_wording_joins_the_most_alike_group_not_just_the_first() -> None:
    groups = group_messages(messages(
        "papeles trabajo vivienda", "papeles trabajo vivienda",  # the bigger group, first
        "papeles salud", "papeles salud",
        "papeles salud trabajo",  # 1/2 with "papeles salud" (2/3), 2/4 with the first: the 2nd
    ))  # fmt: skip
    assert {g.text: g.count for g in groups} == {
        "papeles trabajo vivienda": 2, "papeles salud": 3}  # fmt: skip


def test_groups_come_most_frequent_first_with_counts_women_dates_and_samples() -> None:
    texts = ["necesito vivienda", "necesito una vivienda", "NECESITO VIVIENDA", "hola",
             "necesito vivienda ya", "necesito vivienda"]  # fmt: skip
    groups = group_messages(messages(*texts, women=2))
    first = groups[0]
    assert first.count == 5 and first.women == 2
    # The representative: the newest message of the most frequent wording.
    assert first.text == "necesito vivienda"
    # Other ways she wrote it (not one that differs only in capitals, accents or spacing).
    assert first.samples == ("necesito vivienda ya", "necesito una vivienda")
    assert first.message_ids == (0, 1, 2, 4, 5)
    assert first.first_seen == T0 and first.last_seen == T0 + timedelta(minutes=5)
    assert [g.count for g in groups] == [5, 1]


def test_samples_are_masked_and_at_most_the_number_asked() -> None:
    texts = [f"llamen al 300 123 45{n:02d} ya" for n in range(3)] + [
        "llamen ya al 3001234567 porfa", "ya llamen 310 987 6543", "llamen ya al fijo 3109876543"]
    [group] = group_messages(messages(*texts), samples=2)
    assert group.count == 6 and len(group.samples) == 2
    shown = " ".join([group.text, *group.samples])
    assert "300" not in shown and "310" not in shown and "+…" in shown


def test_the_group_id_is_stable_whatever_the_order_of_the_messages() -> None:
    texts = ["necesito vivienda", "necesito una vivienda", "quiero estudiar ingles"]
    ids = {g.text: g.id for g in group_messages(messages(*texts))}
    again = {g.text: g.id for g in group_messages(reversed(messages(*texts)))}
    assert ids == again and len(set(ids.values())) == 2


def test_blank_messages_are_left_out() -> None:
    assert group_messages(messages("", "   ", "\n")) == []


def test_an_example_is_one_masked_line_rasa_cannot_read_as_an_entity() -> None:
    assert example_text("mi  número\nes 300 123 4567") == "mi número es +…67"
    assert example_text("quiero [curso](course_topic) {x}") == "quiero (curso)(course_topic) (x)"
    assert example_text("hola\x00\u200b") == "hola"
    assert example_text("   ") == ""


def test_the_nlu_file_is_rasa_training_data_with_examples_under_their_intent() -> None:
    text = nlu_yaml([("ask_credit", "me prestan plata"), ("ask_credit", "un prestamo"),
                     ("ask_courses", "clases de ingles: nivel 1 # sabado")])  # fmt: skip
    assert text.startswith("# ") and "almas nlu import-reviewed" in text.split("version")[0]
    data = yaml.safe_load(text)
    assert data["version"] == "3.1"
    assert [item["intent"] for item in data["nlu"]] == ["ask_courses", "ask_credit"]
    assert data["nlu"][1]["examples"] == "- me prestan plata\n- un prestamo\n"
    assert data["nlu"][0]["examples"] == "- clases de ingles: nivel 1 # sabado\n"


def test_a_topic_is_single_spaced_and_spelled_like_a_known_one() -> None:
    assert clean_topic("  arriendo   y vivienda ") == "arriendo y vivienda"
    assert clean_topic("VIVIENDA", known=["Vivienda"]) == "Vivienda"
    assert clean_topic("vivienda digna", known=["Vivienda"]) == "vivienda digna"
    with pytest.raises(BadTopic, match="escribe"):
        clean_topic("   ")
    with pytest.raises(BadTopic, match="demasiado largo"):
        clean_topic("x" * 121)


def test_the_labels_are_the_domains_intents() -> None:
    intents = domain_intents(ROOT / "flows" / "domain.yml")
    assert {"ask_credit", "ask_courses", "greet"} <= intents
    assert "nlu_fallback" not in intents


@pytest.mark.parametrize("role", ROLES)
def test_only_editors_and_supervisors_review(role: str) -> None:
    assert may_review(role) == (role in (EDITOR, SUPERVISOR))
