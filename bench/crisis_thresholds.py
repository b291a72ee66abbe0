"""How the crisis thresholds were chosen, reproducibly, on development data only.

Out-of-sample scores for every development message: each writer's file of nlu/crisis (and the
dialogue's NLU examples, one more source) is scored by a classifier trained on the others, and
the v1 family of crisis sets (tests/data: crisis_messages, crisis_heldout, crisis_dev_extra —
development data since issue 5) by a classifier trained on all writers. The patterns and, with
--nlu, Rasa's report_emergency are added as the live system adds them. Then a grid of
thresholds is scored against issue 12's targets — emergency lines for ≥ 99 % of crises, urgent
tickets for ≤ 5 % of look-alikes, the gentle check for ≤ 20 % — and the constants in
bot/conversation/crisis/assess.py are shown against them. The held-out sets (v2, v3) are never
read here.

    python -m bench.crisis_thresholds [--nlu]
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass

import yaml

from bot.conversation.crisis import assess
from bot.conversation.crisis.classifier import (
    CrisisModel,
    Examples,
    load_examples,
    train,
)
from bot.conversation.crisis.patterns import Crisis, detect
from bot.core.settings import PROJECT_ROOT

DEV_SETS = ("crisis_messages.yml", "crisis_heldout.yml", "crisis_dev_extra.yml")
TARGET_LINES, TARGET_URGENT, TARGET_CHECK = 0.99, 0.05, 0.20


@dataclass(frozen=True)
class Scored:
    text: str
    danger: bool
    score: float
    pattern: Crisis | None
    nlu: bool = False


def dev_examples() -> Examples:
    examples = Examples()
    for name in DEV_SETS:
        data = yaml.safe_load((PROJECT_ROOT / "tests" / "data" / name).read_text())
        for item in data["crisis"]:
            examples.add(item["text"], 1, None, "dev")
        for text in data["lookalike"]:
            examples.add(text, 0, None, "dev")
    return examples


def subset(examples: Examples, keep: set[str]) -> Examples:
    out = Examples()
    for row in zip(examples.texts, examples.danger, examples.kinds, examples.sources, strict=True):
        if row[3] in keep:
            out.add(*row)
    return out


def _score(model: CrisisModel, text: str) -> float:
    return model.score(text) if assess.classifier_counts(text) else 0.0


def out_of_sample() -> list[Scored]:
    writers = load_examples()
    names = set(writers.sources)
    scored: list[Scored] = []
    for held in sorted(names):
        model = train(subset(writers, names - {held}))
        test = subset(writers, {held})
        scored += [
            Scored(t, bool(d), _score(model, t), detect(t))
            for t, d in zip(test.texts, test.danger, strict=True)
        ]
    model = train(writers)
    dev = dev_examples()
    scored += [
        Scored(t, bool(d), _score(model, t), detect(t))
        for t, d in zip(dev.texts, dev.danger, strict=True)
    ]
    return scored


def with_nlu(scored: list[Scored]) -> list[Scored]:
    from bench.crisis_eval import nlu_emergencies

    crises = sorted({s.text for s in scored if s.danger})
    lookalikes = sorted({s.text for s in scored if not s.danger} - set(crises))
    flagged = nlu_emergencies(crises, lookalikes)
    return [Scored(s.text, s.danger, s.score, s.pattern, s.text in flagged) for s in scored]


def rates(scored: list[Scored], **thresholds: float) -> tuple[float, float, float, float]:
    """(crises given the lines, crises answered as certain, look-alikes with an urgent
    ticket, look-alikes given the check) with these thresholds."""
    saved = {name: getattr(assess, name) for name in thresholds}
    for name, value in thresholds.items():
        setattr(assess, name, value)
    try:
        levels = [(s.danger, assess.level_of(s.score, s.pattern, s.nlu)) for s in scored]
    finally:
        for name, value in saved.items():
            setattr(assess, name, value)
    crises = [level for danger, level in levels if danger]
    looks = [level for danger, level in levels if not danger]
    return (
        sum(level != assess.NONE for level in crises) / len(crises),
        sum(level == assess.CERTAIN for level in crises) / len(crises),
        sum(level == assess.CERTAIN for level in looks) / len(looks),
        sum(level == assess.POSSIBLE for level in looks) / len(looks),
    )


def line(label: str, figures: tuple[float, float, float, float]) -> str:
    lines, certain, urgent, check = figures
    ok = lines >= TARGET_LINES and urgent <= TARGET_URGENT and check <= TARGET_CHECK
    return (
        f"{label}: lines {lines:.3f} (certain {certain:.3f}) | look-alikes urgent {urgent:.1%}, "
        f"check {check:.1%} {'— meets the targets' if ok else ''}"
    )


def main() -> int:
    scored = out_of_sample()
    if "--nlu" in sys.argv:
        scored = with_nlu(scored)
    crises = sum(s.danger for s in scored)
    print(f"development data, out of sample: {crises} crises, {len(scored) - crises} look-alikes")
    current = {
        name: getattr(assess, name)
        for name in ("CERTAIN_SCORE", "POSSIBLE_SCORE", "PATTERN_CERTAIN_FLOOR",
                     "PATTERN_POSSIBLE_FLOOR", "NLU_FLOOR")
    }  # fmt: skip
    print(line(f"chosen {current}", rates(scored)))
    print(line("patterns alone (as before)", rates(
        scored, CERTAIN_SCORE=2, POSSIBLE_SCORE=2, PATTERN_CERTAIN_FLOOR=0,
        PATTERN_POSSIBLE_FLOOR=0, NLU_FLOOR=2,
    )))  # fmt: skip
    grid = itertools.product(
        (0.7, 0.8, 0.9), (0.2, 0.25, 0.3, 0.35), (0.05, 0.1, 0.2), (0.01, 0.03, 0.05), (0.1, 0.2)
    )
    feasible = []
    for tc, tp, fc, fp, fn in grid:
        figures = rates(scored, CERTAIN_SCORE=tc, POSSIBLE_SCORE=tp, PATTERN_CERTAIN_FLOOR=fc,
                        PATTERN_POSSIBLE_FLOOR=fp, NLU_FLOOR=fn)  # fmt: skip
        if figures[0] >= TARGET_LINES and figures[2] <= TARGET_URGENT:
            feasible.append(((tc, tp, fc, fp, fn), figures))
    # Recall first, then as many crises certain as possible, then the fewest checks.
    feasible.sort(key=lambda f: (-round(f[1][0], 3), f[1][3] > TARGET_CHECK, -f[1][1], f[1][3]))
    print("best of the grid (certain, possible, pattern certain floor, pattern floor, NLU floor):")
    for values, figures in feasible[:8]:
        print("  " + line(str(values), figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
