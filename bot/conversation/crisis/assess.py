"""Three answers, not two: is her message certain danger, possible danger, or neither?

Three sources, combined with thresholds chosen on development data (leave-one-writer-out on
the training data, and the v1 family of crisis sets; `python -m bench.crisis_thresholds`
prints how each choice fares), never on a held-out set:

* the classifier's calibrated score `p` (bot/conversation/crisis/classifier.py);
* the patterns (bot/conversation/crisis/patterns.py): a floor for the unmistakable cases —
  a certain-tier pattern is never answered as no danger; but with the classifier sure it is
  everyday talk it gets the gentle check, not an urgent ticket, and a broad-tier pattern alone
  nothing: that is where most false alarms came from ("me pegó la gripa", a loan "que me está
  matando");
* Rasa's `report_emergency` intent, when the dialogue sees one (the emergency action asks
  again here with `nlu_emergency=True`).

    certain   p ≥ CERTAIN_SCORE, or a certain-tier pattern with p ≥ PATTERN_CERTAIN_FLOOR
    possible  p ≥ POSSIBLE_SCORE, or a certain-tier pattern, or a broad-tier one with
              p ≥ PATTERN_POSSIBLE_FLOOR, or report_emergency with p ≥ NLU_FLOOR
    none      otherwise

Certain: the lines for her case, an urgent ticket at the head of the queue, supervisors
alerted. Possible: a short, warm check with the emergency line, asking whether she is in
danger now (bot/conversation/gates.py). Pure apart from loading the model once.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.conversation.crisis import kinds
from bot.conversation.crisis.classifier import CrisisModel, current_model
from bot.conversation.crisis.patterns import Crisis, detect

CERTAIN = "certain"
POSSIBLE = "possible"
NONE = "none"

# Chosen on development data (see the module docstring); written down in the README. Out of
# sample on 2,240 crises and 3,819 look-alikes (`python -m bench.crisis_thresholds --nlu`):
# lines for 99.0 % of crises (88.4 % certain), urgent tickets for 4.2 % of look-alikes, the
# gentle check for 19.2 %.
CERTAIN_SCORE = 0.70
POSSIBLE_SCORE = 0.20
PATTERN_CERTAIN_FLOOR = 0.20
PATTERN_POSSIBLE_FLOOR = 0.03
NLU_FLOOR = 0.10


@dataclass(frozen=True)
class Danger:
    level: str  # CERTAIN, POSSIBLE or NONE
    kind: str  # one of kinds.KINDS, or kinds.UNKNOWN
    score: float  # the classifier's probability of danger
    pattern: Crisis | None = None

    @property
    def line_cases(self) -> tuple[str, ...]:
        return kinds.LINE_CASES[self.kind]

    @property
    def is_danger(self) -> bool:
        return self.level != NONE


NO_DANGER = Danger(level=NONE, kind=kinds.UNKNOWN, score=0.0)


# Under this many words the classifier has too little to go on ("no", "si", "salir" share
# their letters with a thousand crises); the patterns know the short cries ("ayuda",
# "auxilio", "me quiero morir").
MIN_WORDS_FOR_CLASSIFIER = 3


def level_of(score: float, pattern: Crisis | None, nlu_emergency: bool = False) -> str:
    if score >= CERTAIN_SCORE or (
        pattern is not None and pattern.certain and score >= PATTERN_CERTAIN_FLOOR
    ):
        return CERTAIN
    if (
        score >= POSSIBLE_SCORE
        or (pattern is not None and (pattern.certain or score >= PATTERN_POSSIBLE_FLOOR))
        or (nlu_emergency and score >= NLU_FLOOR)
    ):
        return POSSIBLE
    return NONE


# The classifier names her kind when it is this sure; below, a specific pattern names it.
KIND_CONFIDENCE = 0.4


def kind_of(classified: str, confidence: float, pattern: Crisis | None) -> str:
    """Her kind of danger: the classifier's (it knows nine kinds; the patterns' cases are
    coarser), or a specific pattern's when the classifier is unsure."""
    if (
        confidence < KIND_CONFIDENCE
        and pattern is not None
        and pattern.case in kinds.SPECIFIC_PATTERN_CASES
    ):
        return kinds.FROM_PATTERN_CASE[pattern.case]
    return classified


def classifier_counts(text: str) -> bool:
    """Whether the classifier's score counts for this text (see MIN_WORDS_FOR_CLASSIFIER)."""
    return len(text.split()) >= MIN_WORDS_FOR_CLASSIFIER


def assess(text: str, nlu_emergency: bool = False, model: CrisisModel | None = None) -> Danger:
    if not text.strip():
        return NO_DANGER
    pattern = detect(text)
    counts = classifier_counts(text)
    if not counts and pattern is None:
        return NO_DANGER  # "hola", "2", "menu": most messages; no transform on the hot path
    reading = (model or current_model()).read(text)
    score = reading.score if counts else 0.0
    level = level_of(score, pattern, nlu_emergency)
    kind = (
        kinds.UNKNOWN if level == NONE else kind_of(reading.kind, reading.kind_probability, pattern)
    )
    return Danger(level=level, kind=kind, score=score, pattern=pattern)
