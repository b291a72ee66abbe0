"""Issue 16, item 1: a form never asks what her first message already answered, and asks
everything it did not. Table tests over messages written apart from the training data and the
code: tests/data/form_first_messages_v2.yml is held out (never tuned on); the readings were
tuned on tests/data/form_dev_messages.yml and on the first held-out set,
tests/data/form_first_messages.yml, whose misses were read and answered (development now)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from flows.actions import answers

DATA = Path(__file__).resolve().parents[1] / "data"
HELD_OUT = yaml.safe_load((DATA / "form_first_messages_v2.yml").read_text(encoding="utf-8"))
FIRST_HELD_OUT = yaml.safe_load((DATA / "form_first_messages.yml").read_text(encoding="utf-8"))
DEVELOPMENT = yaml.safe_load((DATA / "form_dev_messages.yml").read_text(encoding="utf-8"))
FORMS = (answers.COURSE_FORM, answers.CREDENTIAL_FORM, answers.CREDIT_FORM)


def expected(slots: dict[str, Any]) -> dict[str, Any]:
    """The writers give the business's age in months and topics in their own words; the form
    keeps the pre-check's three categories and the content's topics."""
    slots = dict(slots)
    if str(slots.get("business_months", "")).isdigit():
        slots["business_months"] = answers.months_category(int(slots["business_months"]))
    return slots


# Measured once on the held-out set v2, before anything was changed after seeing its results
# (2026-11-30): 69/70 course, 69/70 credential, 65/70 credit first messages, 19/20 changes of
# mind. The issue asks for all of them; these floors keep what was reached from going
# back; only the counts are printed.
HELD_OUT_FLOOR = {answers.COURSE_FORM: 69, answers.CREDENTIAL_FORM: 69, answers.CREDIT_FORM: 65}
CHANGES_FLOOR = 19
# The first held-out set (measured once: 67/69, 60/65, 63/68, 16/18), its misses answered
# since: development figures now.
FIRST_HELD_OUT_FLOOR = {
    answers.COURSE_FORM: 69,
    answers.CREDENTIAL_FORM: 65,
    answers.CREDIT_FORM: 68,
    "changes_of_mind": 17,
}
# Development figures (the readings were tuned on this set): 207/210 read exactly.
DEVELOPMENT_FLOOR = 207


def questions_asked(form: str, text: str) -> list[str]:
    return answers.questions_left(form, answers.read(form, text))


def test_each_form_has_at_least_sixty_first_messages_held_out() -> None:
    assert all(len(HELD_OUT[form]) >= 60 for form in FORMS)


def asked_wrong(cases: list[dict[str, Any]], form: str) -> list[str]:
    """Each first message whose questions are not exactly the ones she has not answered."""
    misses = []
    for case in cases:
        wanted = answers.questions_left(form, expected(case.get("slots") or {}))
        asked = questions_asked(form, case["text"])
        if asked != wanted:
            misses.append(f"  {case['text']!r}: asks {asked}, should ask {wanted}")
    return misses


@pytest.mark.parametrize("form", FORMS)
def test_held_out_first_messages_ask_only_what_she_has_not_said(form: str, capsys) -> None:
    # Only counts: a held-out set's messages are not printed (nobody tunes on them).
    right = len(HELD_OUT[form]) - len(asked_wrong(HELD_OUT[form], form))
    with capsys.disabled():
        print(f"\n{form}: {right}/{len(HELD_OUT[form])} held-out (v2) first messages asked right")
    assert right >= HELD_OUT_FLOOR[form]


@pytest.mark.parametrize("form", FORMS)
def test_first_held_out_set_now_development_asks_only_what_she_has_not_said(
    form: str, capsys
) -> None:
    misses = asked_wrong(FIRST_HELD_OUT[form], form)
    right = len(FIRST_HELD_OUT[form]) - len(misses)
    with capsys.disabled():
        print(f"\n{form}: {right}/{len(FIRST_HELD_OUT[form])} first messages (development)")
        print("\n".join(misses))
    assert right >= FIRST_HELD_OUT_FLOOR[form]


def test_development_first_messages_read_every_answer() -> None:
    right = 0
    for form in FORMS:
        for case in DEVELOPMENT[form]:
            slots = expected(case.get("slots") or {})
            got = answers.read(form, case["text"])
            if slots.get("modality") == "virtual" and "city" not in slots:
                got.pop("city", None)  # "virtual" stands for the city too
            right += {k: v for k, v in got.items() if k in answers.FORM_SLOTS[form]} == slots
    assert right >= DEVELOPMENT_FLOOR


def converse(form: str, turns: list[str]) -> dict[str, Any]:
    """Her turns through the form's readings, each with the question the form asked."""
    slots: dict[str, Any] = {}
    for turn in turns:
        left = answers.questions_left(form, slots)
        slots.update(answers.read(form, turn, None, left[0] if left else None, slots))
    return slots


def changed_wrong(cases: list[dict[str, Any]]) -> list[str]:
    misses = []
    for case in cases:
        final = expected(case["final_slots"])
        slots = converse(case["form"], case["turns"])
        if {k: slots.get(k) for k in final} != final:
            misses.append(f"  {case['turns']}: {slots}, should be {final}")
    return misses


def test_held_out_changes_of_mind_replace_the_answer(capsys) -> None:
    cases = HELD_OUT["changes_of_mind"]
    right = len(cases) - len(changed_wrong(cases))
    with capsys.disabled():
        print(f"\nchanges of mind: {right}/{len(cases)} held out (v2) right")
    assert right >= CHANGES_FLOOR


def test_first_held_out_changes_of_mind_now_development(capsys) -> None:
    cases = FIRST_HELD_OUT["changes_of_mind"]
    misses = changed_wrong(cases)
    with capsys.disabled():
        print(f"\nchanges of mind: {len(cases) - len(misses)}/{len(cases)} (development)")
        print("\n".join(misses))
    assert len(cases) - len(misses) >= FIRST_HELD_OUT_FLOOR["changes_of_mind"]


def test_development_changes_of_mind_replace_the_answer() -> None:
    right = sum(
        {k: converse(c["form"], c["turns"]).get(k) for k in c["final_slots"]}
        == expected(c["final_slots"])
        for c in DEVELOPMENT["changes_of_mind"]
    )
    assert right >= 18  # development figure: 18/20
