"""Text folding shared by every reader of her words (menus, keywords, the crisis check): one
definition of "the same word" whatever the accents, capitals and spacing."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def plain(text: str) -> str:
    """Lower case (casefold) without accents: "Sí, AYÚDAME" → "si, ayudame"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower case, no accents, single spaces, no punctuation at the ends."""
    return _SPACES.sub(" ", plain(text)).strip(" .,!¡?¿:;-*")
