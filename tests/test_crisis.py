"""The crisis detector (bot/crisis.py).

tests/data/crisis_messages.yml was written by someone who had not seen the detector; the
detector was then widened on its misses, so it is now the DEVELOPMENT set: recall 1.0 and few
false alarms are required there as a regression guard. tests/data/crisis_heldout.yml was
written afterwards without seeing either: the honest measure, reported (and bounded)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.crisis import LINE_CASES, detect, normalise

DATA = yaml.safe_load(
    (Path(__file__).parent / "data" / "crisis_messages.yml").read_text(encoding="utf-8")
)
MAX_FALSE_ALARM_RATE = 0.10


def test_the_set_is_big_enough() -> None:
    assert len(DATA["crisis"]) >= 60 and len(DATA["lookalike"]) >= 60
    assert {item["case"] for item in DATA["crisis"]} <= set(LINE_CASES)


def test_every_crisis_is_recognised_and_false_alarms_are_rare() -> None:
    missed = [item["text"] for item in DATA["crisis"] if detect(item["text"]) is None]
    alarms = [text for text in DATA["lookalike"] if detect(text) is not None]
    rate = len(alarms) / len(DATA["lookalike"])
    print(f"\ncrisis detector: recall {1 - len(missed) / len(DATA['crisis']):.3f} "
          f"({len(DATA['crisis'])} crises), false alarms {rate:.1%} "
          f"({len(alarms)}/{len(DATA['lookalike'])}): {alarms}")  # fmt: skip
    assert missed == []
    assert rate <= MAX_FALSE_ALARM_RATE


@pytest.mark.parametrize("item", DATA["crisis"], ids=[i["text"][:40] for i in DATA["crisis"]])
def test_the_lines_fit_the_case(item: dict) -> None:
    """Whatever else it matched, the lines given include those for her case."""
    crisis = detect(item["text"])
    assert crisis is not None
    assert set(LINE_CASES[item["case"]]) <= set(crisis.line_cases) | {"emergency"}


@pytest.mark.parametrize(
    ("raw", "folded"),
    [("M KIERO MORIR!!!", "me quiero morir"), ("ayudaaaa", "ayuda"), ("mi ezposo", "mi esposo"),
     ("q hago", "que hago"), ("Me violó", "me violo")],
)  # fmt: skip
def test_chat_spelling_is_normalised(raw: str, folded: str) -> None:
    assert normalise(raw) == folded
