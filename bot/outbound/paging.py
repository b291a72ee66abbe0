"""Cut long answers into pages that each fit an SMS budget, offering "MÁS" for the rest.

A participant on SMS pays per segment: an answer fits 3 segments, or it is paged. Pages are cut
at paragraph, line, then sentence boundaries (words only as a last resort); the "más" offer is
counted inside the budget.
"""

from __future__ import annotations

import re

from bot.outbound.sms import segments

DEFAULT_BUDGET = 3
SHORT_LEAD_IN = 80  # characters: a header this short stays with what follows it
# Boundaries from coarse to fine, kept when splitting: blank lines (paragraphs, list items);
# line breaks and spaces after a sentence end; spaces between words.
_LEVELS = (
    re.compile(r"(\n\n+)"),
    re.compile(r"(\n|(?<=[.!?…:])[ \t]+)"),
    re.compile(r"( +)"),
)


def fits(text: str, budget: int = DEFAULT_BUDGET) -> bool:
    return segments(text) <= budget


def _units(text: str, boundary: re.Pattern[str]) -> list[tuple[str, str]]:
    parts = boundary.split(text)
    return [(parts[i], parts[i + 1] if i + 1 < len(parts) else "") for i in range(0, len(parts), 2)]


def paginate(text: str, more_offer: str, budget: int = DEFAULT_BUDGET) -> list[str]:
    """Pages of `text`; every page but the last ends with `more_offer`; each fits `budget`.

    Whole paragraphs (list items) stay together when they fit; a paragraph too long for a page
    is cut at lines and sentences — continuing the page already open — and a sentence at words."""
    text = text.strip()
    if fits(text, budget):
        return [text]
    suffix = "\n\n" + more_offer
    pages: list[str] = []

    def pack(units: list[tuple[str, str]], level: int, current: str) -> str:
        for piece, separator in units:
            if fits(current + piece + suffix, budget):
                current += piece + separator
            elif fits(piece + suffix, budget) and len(current.strip()) >= SHORT_LEAD_IN:
                # whole on a fresh page rather than cut (a short lead-in is never left alone)
                pages.append(current.strip())
                current = piece + separator
            elif level + 1 < len(_LEVELS):  # too big for any page: cut finer, filling this one
                current = pack(_units(piece, _LEVELS[level + 1]), level + 1, current) + separator
            else:  # a single word longer than a page
                pages.append(current.strip())
                current = piece + separator
        return current

    pages.append(pack(_units(text, _LEVELS[0]), 0, "").strip())
    pages = [page for page in pages if page]
    return [page + suffix for page in pages[:-1]] + pages[-1:]
