"""Consent on first contact (Ley 1581 de 2012, Decreto 1377 de 2013). Pure: no I/O.

Until she accepts the current notice version nothing about her is stored (the worker keeps
only a short-lived "we asked" flag in Redis). A clear ACEPTO accepts; NO ACEPTO declines (she
still gets the emergency lines and general information, and nothing is kept).
"""

from __future__ import annotations

from bot.core.text import fold

ACCEPT = "accept"
DECLINE = "decline"

ACCEPT_WORDS = frozenset({
    "acepto", "si acepto", "yo acepto", "ok acepto", "acepto gracias", "si, acepto",
    "acepto el aviso", "acepto los terminos", "accept", "i accept", "aceptar",
})  # fmt: skip
# Only as an answer to the notice she was just shown.
ACCEPT_WHEN_ASKED = frozenset({"si", "sii", "sí", "dale", "ok", "de acuerdo", "yes"})
DECLINE_WORDS = frozenset({
    "no acepto", "no", "no quiero", "no gracias", "rechazo", "no acepto gracias",
    "decline", "i do not accept", "i don't accept",
})  # fmt: skip


def answer_to_notice(text: str, asked: bool) -> str | None:
    """ACCEPT, DECLINE or None (not an answer: she wrote something else)."""
    words = fold(text).replace(",", "")
    if words in ACCEPT_WORDS or (asked and words in ACCEPT_WHEN_ASKED):
        return ACCEPT
    if asked and words in DECLINE_WORDS:
        return DECLINE
    return None


def needs_consent(accepted_version: str | None, current_version: str) -> bool:
    return accepted_version != current_version
