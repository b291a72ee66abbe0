"""The gentle check for possible danger: one warm sentence with the emergency line for her
case, and the question whether she is in danger now. Pure: what the check says, how her
answer reads, and what is kept while we wait for it.

Her answer: SÍ (or "ayuda", "sí estoy en peligro"…) → certain: urgent ticket and alert at once;
NO (or "estoy bien", "no gracias"…) → the normal answer to what she had asked, no ticket; any
other message → the normal path for that message, no ticket; no answer within
CHECK_ANSWER_MINUTES → a normal-priority ticket so that a person looks at it (the scheduler,
bot/ops/scheduler.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass

from bot.content.store import ContentStore
from bot.conversation.support_lines import lines_for
from bot.core.text import fold

YES = "yes"
NO = "no"
CHECK_ANSWER_MINUTES = 30
# Kept until answered (with her words and address: erased with her data), at most this long.
CHECK_KEEP_SECONDS = 2 * 24 * 3600

_YES = re.compile(
    r"^(?:si+|sip|s|claro|sí|ayuda+|auxilio|socorro|help|"
    r"si,? ?(?:estoy|estamos|me|necesito|ayud\w*|auxilio|por favor|porfa|urgente)\b.*|"
    r"estoy en peligro.*|necesito ayuda.*|ayudenme.*|ayudame.*)$"
)
_NO = re.compile(
    r"^(?:no+|nop|nope|no,? gracias|no estoy en peligro.*|estoy bien.*|todo bien.*|"
    r"no,? (?:estoy|todo|tranquila|gracias|era|es|fue|no)\b.*|tranquila.*|"
    r"(?:fue|era) (?:un chiste|broma|en broma|sin querer).*|no es nada.*)$"
)


@dataclass(frozen=True)
class PendingCheck:
    kind: str  # the kind of danger we asked about
    text: str  # what she wrote, answered normally if she says NO
    address: str  # where a person reaches her if she does not answer
    channel: str
    asked_at: float  # epoch seconds

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | None) -> PendingCheck | None:
        if not raw:
            return None
        try:
            return cls(**json.loads(raw))
        except (ValueError, TypeError):
            return None


def answer(text: str) -> str | None:
    """YES, NO, or None when the message is neither (she moved on)."""
    folded = fold(text)
    if _NO.match(folded):
        return NO
    if _YES.match(folded):
        return YES
    return None


def question(store: ContentStore, line_cases: tuple[str, ...]) -> str:
    """The check, with the emergency line for her case in one sentence."""
    dials = [line.dial for line in lines_for(store.snapshot().support_lines, line_cases)][:3]
    lines = dials[0] if len(dials) == 1 else ", ".join(dials[:-1]) + " o al " + dials[-1]
    return store.system_text("crisis_check", lines=lines)
