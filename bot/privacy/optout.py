"""Opt-out and opt-in in Spanish and English: keywords as the whole message, and free
phrasing ("ya no me manden más mensajes"). Pure.

"salir" is not here: it leaves a handoff. "inicio" opts back in only when she had opted out
(otherwise it is the menu). Phrasings the patterns miss reach the NLU's opt_out intent, whose
action signals the worker (BotReply.signal) to do the same.
"""

from __future__ import annotations

import re

from bot.core.text import fold

OPT_OUT = frozenset({
    "baja", "parar", "cancelar", "alto", "stop", "stopall", "unsubscribe", "end", "quit",
    "revoke", "optout", "opt out", "dar de baja", "darme de baja", "de baja", "no mas mensajes",
    "no me escriban mas", "no mas",
    # On a shared phone: she asks us never to write first (her ticket stays open).
    "no me escribas", "no me escriban", "no me escribas mas", "no escriban",
    "no me escriban primero", "no me escribas primero", "no me escribas tu primero",
    "no me escriban ustedes primero",
})  # fmt: skip
OPT_IN = frozenset({"alta", "start", "unstop", "darme de alta", "dar de alta", "yes"})
OPT_IN_WHEN_OUT = OPT_IN | {"inicio"}

# Free phrasing, on the folded text. A question about opting out is not a wish to do so.
_OUT_PHRASES = [
    r"\b(no|ya no) (me )?(escriban|escriba|manden|mande|envien|envie|mandes|escribas)"
    r"( \w+){0,2} (mas|nada|mensajes)",
    r"\b(dejen|deja|dejar|paren|para) de (escribirme|enviarme|mandarme|escribir|mandar)",
    r"\b(ya )?no quiero (recibir|que me (escriban|manden|envien|lleguen))( mas)? "
    r"(mensajes|avisos|recordatorios|nada)",
    r"\b(ya )?no quiero (recibir )?mas (mensajes|avisos|recordatorios)",
    r"\b(quiero |quisiera )?(darme|dame|dar) de baja( (ya|por favor|porfa))?"
    r"( de (los|sus|estos)? ?(mensajes|avisos|recordatorios|whatsapp|esta lista))?$",
    r"\b(sacar|saquen|quiten|quitar|borren)(me)? de (la|su|sus|esta) (lista|listas|difusion)",
    r"\bunsubscribe\b|\bstop (sending|texting|messaging)",
    r"\bno me (escriban|escribas|manden|mandes|vuelvan a escribir|vuelvas a escribir)"
    r"( nada| mensajes)?( ustedes| tu)? (primero|de primeras|por su cuenta|por tu cuenta)",
    r"\bno me vuelvan a escribir\b|\bno me vuelvas a escribir\b",
    r"\b(yo les escribo|yo te escribo|solo yo les escribo)( cuando (pueda|este sola))?\b",
]
_IN_PHRASES = [
    r"\b(quiero|quisiera) (volver a )?recibir (los |sus )?(mensajes|avisos|recordatorios)",
    r"\b(darme|dame|dar) de alta",
]
_OUT_RE = [re.compile(p) for p in _OUT_PHRASES]
_IN_RE = [re.compile(p) for p in _IN_PHRASES]

OUT = "out"
IN = "in"


def keyword(text: str, opted_out: bool) -> str | None:
    """OUT, IN or None, from a keyword as the whole message or a free phrasing."""
    words = fold(text)
    if words in OPT_OUT:
        return OUT
    if words in (OPT_IN_WHEN_OUT if opted_out else OPT_IN):
        return IN
    plain = re.sub(r"[^\w\s]", " ", words)
    plain = re.sub(r"\s+", " ", plain)
    if "?" in text:
        return None  # "¿cómo me doy de baja?" asks; the dialogue answers it
    if any(p.search(plain) for p in _OUT_RE):
        return OUT
    if any(p.search(plain) for p in _IN_RE):
        return IN
    return None
