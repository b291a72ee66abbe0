"""The crisis detector (bot/conversation/crisis/patterns.py).

All three data sets here are DEVELOPMENT data: the detector was widened on their misses.
crisis_messages.yml was written first by someone who had not seen the detector,
crisis_heldout.yml afterwards by someone else (the patterns alone caught 0.467 of it: they did
not generalise, hence the broad tier), crisis_dev_extra.yml by the detector's author before the
broad tier was tuned, with other verbs and structures. Recall 1.0 is required on all of them and
false alarms on their look-alikes are bounded. The honest measure is a set written without
seeing any of this (bench/crisis_eval.py reports it)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.conversation.crisis.patterns import (
    CHILDREN,
    DANGER,
    LINE_CASES,
    SEXUAL_VIOLENCE,
    SUICIDE,
    TRAFFICKING,
    VIOLENCE,
    detect,
    normalise,
)

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
SETS = {
    name: yaml.safe_load((DATA_DIR / f"{name}.yml").read_text(encoding="utf-8"))
    for name in ("crisis_messages", "crisis_heldout", "crisis_dev_extra")
}
CRISES = [(name, item) for name, data in SETS.items() for item in data["crisis"]]
# Reached: 0% / 0% / 6.9%. The bound leaves room for widening recall further, never for
# flagging everything (the brief's ceiling for look-alikes is 20-25%).
MAX_FALSE_ALARM_RATE = 0.12


def test_the_sets_are_big_enough() -> None:
    for data in SETS.values():
        assert len(data["crisis"]) >= 40 and len(data["lookalike"]) >= 40
        assert {item["case"] for item in data["crisis"]} == set(LINE_CASES)


@pytest.mark.parametrize("name", list(SETS))
def test_every_crisis_is_recognised_and_false_alarms_are_rare(name: str) -> None:
    data = SETS[name]
    missed = [item["text"] for item in data["crisis"] if detect(item["text"]) is None]
    alarms = [text for text in data["lookalike"] if detect(text) is not None]
    rate = len(alarms) / len(data["lookalike"])
    print(f"\n{name}: recall {1 - len(missed) / len(data['crisis']):.3f} "
          f"({len(data['crisis'])} crises), false alarms {rate:.1%} "
          f"({len(alarms)}/{len(data['lookalike'])}): {alarms}")  # fmt: skip
    assert missed == []
    assert rate <= MAX_FALSE_ALARM_RATE


@pytest.mark.parametrize(("name", "item"), CRISES, ids=[f"{n}:{i['text'][:40]}" for n, i in CRISES])
def test_the_lines_fit_the_case(name: str, item: dict) -> None:
    """Whatever else it matched, the lines given include those for her case."""
    crisis = detect(item["text"])
    assert crisis is not None
    assert set(LINE_CASES[item["case"]]) <= set(crisis.line_cases) | {"emergency"}


@pytest.mark.parametrize(
    ("raw", "folded"),
    [("M KIERO MORIR!!!", "me quiero morir"), ("ayudaaaa", "ayuda"), ("mi ezposo", "mi esposo"),
     ("q hago", "que hago"), ("Me violó", "me violo"), ("xfa aki", "por favor aqui")],
)  # fmt: skip
def test_chat_spelling_is_normalised(raw: str, folded: str) -> None:
    assert normalise(raw) == folded


def test_a_full_pattern_is_a_certain_crisis() -> None:
    crisis = detect("mi marido me pega")
    assert crisis is not None and crisis.certain and crisis.case == VIOLENCE


@pytest.mark.parametrize(
    ("text", "case"),
    [
        # A harm verb no pattern names, with the person who does it.
        ("mi pareja me dio una muenda anoche", VIOLENCE),
        ("el man me zampó una trompada y me dejó el ojo negro", VIOLENCE),
        # A sexual word with someone who forced it.
        ("mi padrino me toqueteaba cuando yo era chiquita", SEXUAL_VIOLENCE),
        # A child word with any harm word nearby.
        ("al bebe lo dejan sin comer dias enteros", CHILDREN),
        # A death wish said indirectly.
        ("quiero dejar de existir", SUICIDE),
        ("siento q todo seria mas facil si yo no estuviera", SUICIDE),
        # Papers kept, work to pay a debt.
        ("me pagaron el pasaje y me quitaron los papeles al llegar", TRAFFICKING),
        # Someone coming or breaking in, without saying who.
        ("rompió la ventana y está entrando", DANGER),
    ],
)
def test_the_broad_tier_flags_a_possible_crisis_no_pattern_names(text: str, case: str) -> None:
    crisis = detect(text)
    assert crisis is not None and case in crisis.cases


def test_only_the_broad_tier_firing_is_not_certain() -> None:
    crisis = detect("mi pareja me dio una muenda anoche")
    assert crisis is not None and not crisis.certain


@pytest.mark.parametrize(
    "text",
    ["amenasa con matarme", "me golpiaron entre dos", "mepega cuando llega borracho"],
)
def test_typos_and_glued_words_of_harm_are_read(text: str) -> None:
    assert detect(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "la cuota del celular me está matando",  # the mundane thing is the subject
        "me mataron con el precio de la apostilla",  # … or the cause
        "me pegó la gripa otra vez",  # things that "stick"
        "me golpeé con la mesa, nada grave",  # an accident in the first person
        "quiero morirme de la vergüenza jaja",  # dying of an emotion
        "me voy a matar estudiando pa el icfes",  # killing oneself with work
    ],
)
def test_idioms_that_only_sound_violent_are_not_crises(text: str) -> None:
    assert detect(text) is None


def test_an_accident_told_by_whoever_did_it_is_still_a_crisis() -> None:
    """ "Se cayó" is an accident; "él dice que se cayó" is a cover story."""
    assert detect("mi bebe volvio con el brazo partido y el papa dice q se cayo") is not None
