"""Two questions in one message ("cuánto dura el curso y hasta cuándo me inscribo"): Rasa
answers one intent per message, so the other is offered as her next option instead of being
dropped silently. Pure logic: splitting her words and choosing the other topic; the worker asks
Rasa's NLU about each part (`RasaClient.parse`) only when there are two parts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.text import fold

# Where a second question starts: after a question mark with more words, or at "y también",
# "y además", "también", "además", "y" (only between two parts of three words or more).
_STRONG = re.compile(r"\?+\s*|\s(?:y\s+)?(?:tambien|ademas|aparte)\b\s*|\s*;\s*")
_AND = re.compile(
    r"\s(?:y|e)\s(?=(?:como|cuanto|cuantos|cuando|donde|hasta|que|q|cual|cuales|quien|hay|me|"
    r"quiero|necesito|saber|tienen|dan|puedo|ustedes|lo|la|las|los|el|pa|para|si|con)\b)"
)
_LEADING = re.compile(r"^(?:(?:y|e|tambien|ademas|aparte)\b\s*)+")
MIN_WORDS = 2
# How sure the NLU must be of a part's topic to offer it.
MIN_CONFIDENCE = 0.6


@dataclass(frozen=True)
class Parse:
    intent: str
    confidence: float


def question_parts(text: str) -> list[str]:
    """Her message cut where a second question starts; [] when it is one question."""
    folded = fold(text.replace("¿", " "))
    parts = [p.strip(" ,.") for p in _STRONG.split(folded)]
    parts = [q.strip(" ,.") for p in parts for q in _AND.split(p)]
    parts = [_LEADING.sub("", p) for p in parts]
    parts = [p for p in parts if len(p.split()) >= MIN_WORDS]
    return parts if len(parts) >= 2 else []


def other_topic(answered: Parse, parts: Iterable[Parse], topics: Iterable[str]) -> str | None:
    """The topic one part asks about that the whole message's answer (`answered`) is not about:
    the first, if the NLU is sure of it."""
    offerable = set(topics)
    for part in parts:
        if (
            part.intent in offerable
            and part.intent != answered.intent
            and part.confidence >= MIN_CONFIDENCE
        ):
            return part.intent
    return None
