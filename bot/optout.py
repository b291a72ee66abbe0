"""Opt-out and opt-in by keyword, in Spanish and English, as the whole message. Pure.

"salir" is not here: it leaves a handoff. "inicio" opts back in only when she had opted out
(otherwise it is the menu)."""

from __future__ import annotations

from bot.conversation import fold

OPT_OUT = frozenset({
    "baja", "parar", "cancelar", "alto", "stop", "stopall", "unsubscribe", "end", "quit",
    "revoke", "optout", "opt out", "dar de baja", "darme de baja", "de baja", "no mas mensajes",
    "no me escriban mas", "no mas",
})  # fmt: skip
OPT_IN = frozenset({"alta", "start", "unstop", "darme de alta", "dar de alta", "yes"})
OPT_IN_WHEN_OUT = OPT_IN | {"inicio"}

OUT = "out"
IN = "in"


def keyword(text: str, opted_out: bool) -> str | None:
    words = fold(text)
    if words in OPT_OUT:
        return OUT
    if words in (OPT_IN_WHEN_OUT if opted_out else OPT_IN):
        return IN
    return None
