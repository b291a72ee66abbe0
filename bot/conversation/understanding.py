"""What the dialogue understood of her message, for the topics report (issue 15, item 2).

After a turn answered by the dialogue gate (and only after consent: nothing before it is
stored), the worker reads the NLU's intent from her Rasa tracker and stores it, with its
confidence and whether the turn was a fallback, on her message's transcript row. A fallback is
the NLU's own `nlu_fallback`, or an answer made of the "not understood" texts (the fallback
action's and the forms'; content/texts.yml). Pure: the worker does the reading and the writing.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.content.store import Snapshot
from bot.core.messages import BotReply

NLU_FALLBACK = "nlu_fallback"
# What the dialogue says when it did not understand her (flows/actions/fallback.py, the forms).
NOT_UNDERSTOOD_RESPONSES = (
    "utter_default",
    "utter_default_again",
    "utter_level_not_understood",
    "utter_months_not_understood",
)
NOT_UNDERSTOOD_SYSTEM_TEXTS = ("fallback_options",)  # "¿es sobre alguno de estos temas?"


def not_understood_texts(snapshot: Snapshot) -> frozenset[str]:
    texts = {
        str(variant.get("text", "")).strip()
        for name in NOT_UNDERSTOOD_RESPONSES
        for variant in snapshot.responses.get(name, ())
    }
    texts |= {snapshot.system[name].strip() for name in NOT_UNDERSTOOD_SYSTEM_TEXTS
              if name in snapshot.system}  # fmt: skip
    return frozenset(t for t in texts if t)


def answered_with_not_understood(replies: Iterable[BotReply], texts: frozenset[str]) -> bool:
    return any(reply.text.strip() in texts for reply in replies)


def is_fallback(intent: str | None, not_understood_reply: bool) -> bool:
    return intent == NLU_FALLBACK or not_understood_reply
