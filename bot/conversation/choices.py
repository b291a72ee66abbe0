"""What the worker does with one message before and around Rasa. Pure logic: no I/O.

It decides what text goes to Rasa (a numbered menu choice becomes the option's payload, so
"1", "uno", "la 1" or "opción 1" work the same on SMS and WhatsApp) or answers without Rasa
(a media-only message, since media can't be understood yet). WhatsApp's reply kinds never go
through the NLU: a quick reply or a list pick names its option's payload (the id we gave it in
the Content API, content/whatsapp_templates.yml), and a shared location becomes her city.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from bot.conversation.location import VIRTUAL, city_near
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
    # A system text said before Rasa's answer (content/texts.yml), with its variables.
    note: str | None = None
    note_variables: dict[str, str] = field(default_factory=dict)


def decide(message: InboundMessage, last_options: list[str], max_chars: int = 1000) -> Decision:
    """What goes to Rasa, given the payloads of the options she was last shown. Rasa gets at
    most `max_chars` of her words (a very long message costs, and says no more)."""
    if message.is_media_only:
        return Decision()
    reply_id = message.button_payload or message.list_id
    if reply_id.startswith("/") or (reply_id and reply_id in last_options):
        return Decision(rasa_text=reply_id)
    if message.latitude or message.longitude:
        city = city_near(message.latitude, message.longitude)
        if city is not None:
            note = "location_virtual" if city == VIRTUAL else "location_city"
            entities = json.dumps({"city": city}, ensure_ascii=False)
            return Decision(
                rasa_text=f"/inform{entities}", note=note, note_variables={"city": city}
            )
    text = message.text
    if reply_id and not text.strip():
        # A tap on an option we no longer know (an older message): its title, as if typed.
        text = message.button_text or message.list_title
    folded = fold(text)
    if folded in MENU_WORDS:
        return Decision(rasa_text=MENU_PAYLOAD)
    choice = parse_choice(text)
    if choice is not None and 1 <= choice <= len(last_options):
        return Decision(rasa_text=last_options[choice - 1])
    return Decision(rasa_text=text[:max_chars])
