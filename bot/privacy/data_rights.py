"""Her data rights in the chat (Ley 1581, art. 8): MIS DATOS and BORRAR MIS DATOS. Pure.

Whole-message commands, like BAJA: recognised before the dialogue, whatever state she is in.
Erasure asks for a confirmation first (BORRAR), because it cannot be undone.
"""

from __future__ import annotations

from bot.core.text import fold

SHOW = "show"
ERASE = "erase"

SHOW_WORDS = frozenset({
    "mis datos", "ver mis datos", "que datos tienen", "que datos tienen de mi",
    "que guardan de mi", "my data",
})  # fmt: skip
ERASE_WORDS = frozenset({
    "borrar mis datos", "borra mis datos", "borren mis datos", "eliminar mis datos",
    "elimina mis datos", "eliminen mis datos", "borrar todos mis datos", "delete my data",
})  # fmt: skip
CONFIRM_WORDS = frozenset({"borrar", "si borrar", "borrar todo", "si, borrar", "confirmo"})
KEEP_WORDS = frozenset({"no", "no gracias", "mejor no", "no borrar", "dejalo asi", "dejalo"})


def command(text: str) -> str | None:
    """SHOW, ERASE (a request, still to be confirmed) or None."""
    words = fold(text)
    if words in SHOW_WORDS:
        return SHOW
    if words in ERASE_WORDS:
        return ERASE
    return None


def confirms_erasure(text: str) -> bool:
    return fold(text).replace(",", "") in {w.replace(",", "") for w in CONFIRM_WORDS}


def keeps_her_data(text: str) -> bool:
    """Her "no" to the erasure question (anything else is just her next message)."""
    return fold(text).replace(",", "") in KEEP_WORDS
