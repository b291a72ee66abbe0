"""The worker's gates are listed once, in the order the module says, and the first that
answers decides the turn."""

from __future__ import annotations

import re

from bot.conversation import gates


def test_the_gates_run_in_the_documented_order() -> None:
    documented = re.findall(r"^\d+\. ([a-z -]+) —", gates.__doc__ or "", re.MULTILINE)
    listed = [gate.__name__ for gate in gates.GATES]
    assert len(documented) == len(listed) == 10
    expected = ["crisis", "crisis_check_answer", "opt_out_keyword", "data_rights_request",
                "handed_off", "consent", "rate_limit", "rating", "dialogue",
                "media_only"]  # fmt: skip
    assert listed == expected
    # The docstring names them in the same order.
    for words, name in zip(documented, listed, strict=True):
        first = words.split()[0].replace("-", "_")
        assert first in name.replace("handed_off", "handoff"), (
            words,
            name,
        )


def test_the_last_gate_always_answers() -> None:
    assert gates.GATES[-1] is gates.media_only
    assert "Answer | None" not in str(gates.media_only.__annotations__.get("return"))
