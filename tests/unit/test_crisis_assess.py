"""Three answers: certain, possible, none (bot/conversation/crisis/assess.py), on the
development sets and on cases that name each kind. The held-out sets are not read here."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.conversation.crisis import check, kinds
from bot.conversation.crisis.assess import CERTAIN, NONE, POSSIBLE, assess, level_of
from bot.conversation.crisis.patterns import Crisis

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
DEV_SETS = ("crisis_messages", "crisis_heldout", "crisis_dev_extra")  # development data
# Reached on the development sets: urgent 0.0 % / 2.4 % / 8.6 %, checked 11.6 % / 8.3 % /
# 13.8 % (crisis_dev_extra's look-alikes were written to trip the patterns). The bounds keep
# recall first and stop a change from flagging everything.
MAX_URGENT_ON_LOOKALIKES = 0.10
MAX_CHECK_ON_LOOKALIKES = 0.20


@pytest.mark.parametrize("name", DEV_SETS)
def test_every_development_crisis_gets_the_lines_and_few_look_alikes_raise_an_alarm(
    name: str,
) -> None:
    data = yaml.safe_load((DATA_DIR / f"{name}.yml").read_text(encoding="utf-8"))
    missed = [item["text"] for item in data["crisis"] if assess(item["text"]).level == NONE]
    levels = [assess(text).level for text in data["lookalike"]]
    urgent = levels.count(CERTAIN) / len(levels)
    checked = levels.count(POSSIBLE) / len(levels)
    print(f"\n{name}: missed {missed}; look-alikes urgent {urgent:.1%}, checked {checked:.1%}")
    assert missed == []
    assert urgent <= MAX_URGENT_ON_LOOKALIKES
    assert checked <= MAX_CHECK_ON_LOOKALIKES


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("mi marido me pega todos los dias, hoy me amenazo con el machete", kinds.PARTNER_VIOLENCE),
        ("el papa de mi hija se la llevo y no me contesta el telefono", kinds.CHILD_MISSING),
        ("me quitaron el pasaporte en la finca y no me dejan salir", kinds.TRAFFICKING_DOCUMENTS),
        ("los del gota a gota dijeron q si no pago me pican", kinds.EXTORTION_LENDERS),
        ("mi ex me sigue a todas partes, me espera afuera del trabajo", kinds.STALKING),
        ("ya no quiero vivir, tengo las pastillas aqui", kinds.SUICIDE_SELFHARM),
    ],
)
def test_certain_danger_names_her_kind(text: str, kind: str) -> None:
    danger = assess(text)
    assert (danger.level, danger.kind) == (CERTAIN, kind)
    assert "emergency" in danger.line_cases


@pytest.mark.parametrize(
    "text",
    [
        "me pegó la gripa, no puedo ir al curso",
        "ese prestamo me esta matando con los intereses",
        "el curso de defensa personal es gratis?",
        "hola q cursos de sistemas hay en santa marta",
        "me muero de la risa con el video",
    ],
)
def test_everyday_words_that_sound_violent_are_not_danger(text: str) -> None:
    assert assess(text).level == NONE


def test_a_pattern_the_classifier_is_sure_is_everyday_talk_raises_no_urgent_alarm() -> None:
    """The patterns alone made most false alarms; now an urgent ticket needs some support."""
    pattern = Crisis(("violence",), certain=True)
    assert level_of(0.001, pattern) == POSSIBLE  # a certain pattern is a floor: never none
    assert level_of(0.001, Crisis(("violence",), certain=False)) == NONE
    assert level_of(0.5, pattern) == CERTAIN
    assert level_of(0.05, Crisis(("violence",), certain=False)) == POSSIBLE
    assert level_of(0.15, None) == NONE
    assert level_of(0.15, None, nlu_emergency=False) == NONE
    assert level_of(0.25, None, nlu_emergency=True) == POSSIBLE
    assert level_of(0.95, None) == CERTAIN


def test_an_empty_message_is_no_danger() -> None:
    assert assess("   ").level == NONE


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("SÍ", check.YES), ("si", check.YES), ("Sí, ayúdenme", check.YES), ("ayuda", check.YES),
        ("si estoy en peligro", check.YES), ("estoy en peligro", check.YES),
        ("NO", check.NO), ("no gracias", check.NO), ("estoy bien", check.NO),
        ("no, tranquila", check.NO), ("todo bien", check.NO),
        ("cuando empieza el curso", None), ("sisas q horario tiene", None), ("nos vemos", None),
    ],
)  # fmt: skip
def test_her_answer_to_the_check(text: str, answer: str | None) -> None:
    assert check.answer(text) == answer
