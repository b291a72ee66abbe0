"""What the worker does with one message before and around Rasa. Pure logic: no I/O.

It decides what text goes to Rasa (a numbered menu choice becomes the option's payload, so
"1", "uno", "la 1" or "opción 1" work the same on SMS and WhatsApp) or answers without Rasa
(a media-only message, since media can't be understood yet).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.messages import InboundMessage
from bot.core.text import fold

MENU_PAYLOAD = "/show_menu"
MENU_WORDS = {"menu", "0", "inicio", "opciones", "volver", "volver al menu"}

NUMBER_WORDS = {
    "uno": 1, "una": 1, "primera": 1, "primero": 1,
    "dos": 2, "segunda": 2, "segundo": 2,
    "tres": 3, "tercera": 3, "tercero": 3,
    "cuatro": 4, "cuarta": 4, "cuarto": 4,
    "cinco": 5, "quinta": 5, "quinto": 5,
    "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10,
}  # fmt: skip
# Words around a choice that don't change it: "la 1", "opción 2 porfa", "quiero la tres".
CHOICE_FILLERS = {
    "la", "el", "lo", "opcion", "opc", "op", "numero", "num", "nro", "escojo", "elijo",
    "quiero", "es", "por", "favor", "porfa", "pls", "ok", "dale",
}  # fmt: skip
_GLUED_NUMBER = re.compile(r"(?:opcion|opc|op|num|nro|n)?(\d{1,2})")


def parse_choice(text: str) -> int | None:
    """The option number in "1", "uno", "la 1", "opción 1", "#2"; None for anything else."""
    words = [w for w in fold(text).replace("#", " ").split() if w not in CHOICE_FILLERS]
    if len(words) != 1:
        return None
    glued = _GLUED_NUMBER.fullmatch(words[0])
    if glued:
        return int(glued.group(1))
    return NUMBER_WORDS.get(words[0])


@dataclass(frozen=True)
class Decision:
    """What goes to Rasa: her words, or the option she chose; None for media without words.
    (Danger is read before this, by bot/conversation/crisis/assess.py.)"""

    rasa_text: str | None = None


def decide(message: InboundMessage, last_options: list[str], max_chars: int = 1000) -> Decision:
    """What goes to Rasa, given the payloads of the options she was last shown. Rasa gets at
    most `max_chars` of her words (a very long message costs, and says no more)."""
    if message.is_media_only:
        return Decision()
    if message.button_payload.startswith("/"):
        return Decision(rasa_text=message.button_payload)
    folded = fold(message.text)
    if folded in MENU_WORDS:
        return Decision(rasa_text=MENU_PAYLOAD)
    choice = parse_choice(message.text)
    if choice is not None and 1 <= choice <= len(last_options):
        return Decision(rasa_text=last_options[choice - 1])
    return Decision(rasa_text=message.text[:max_chars])
