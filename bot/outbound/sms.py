"""SMS segments as carriers count them, and shaping an answer for SMS. Pure: no I/O.

Segments: GSM-7 (160 septets alone / 153 per part of a concatenated message) or UCS-2 (70 /
67 UTF-16 code units). One character outside GSM-7 makes the whole message UCS-2. In Spanish,
á í ó ú (and Á Í Ó Ú) are NOT in GSM-7 while ñ é ü ¿ ¡ are; ^ { } \\ [ ~ ] | € cost two
septets (escape + char). Emoji are UCS-2; those outside the BMP are 2 code units each.

Shaping (`shape_sms`, the one entry point for the outbox): optionally transliterate to GSM-7
(`transliterate_for_gsm`), then cut into numbered single-segment SMS (`split_for_sms`).
Buttons are already numbered options in the body: `bot.core.messages.render_reply` does that.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

GSM7 = "GSM-7"
UCS2 = "UCS-2"

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")

# Units per segment: a message alone, and each part of a concatenated one (the rest of the
# 140 bytes carries the concatenation header).
SINGLE_SEGMENT = {GSM7: 160, UCS2: 70}
MULTI_SEGMENT = {GSM7: 153, UCS2: 67}


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text)


def encoding(text: str) -> str:
    return GSM7 if is_gsm7(text) else UCS2


def units(text: str) -> int:
    """Length in the message's encoding units (septets for GSM-7, UTF-16 code units for UCS-2)."""
    if is_gsm7(text):
        return sum(2 if c in GSM7_EXTENDED else 1 for c in text)
    return len(text.encode("utf-16-le")) // 2


# --- characters that cannot be cut apart -------------------------------------------------

_REGIONAL_INDICATORS = range(0x1F1E6, 0x1F200)


def _extends(c: str) -> bool:
    """Whether `c` belongs to the character before it (accents, emoji modifiers, joiners)."""
    cp = ord(c)
    return (
        unicodedata.combining(c) != 0
        or 0xFE00 <= cp <= 0xFE0F  # variation selectors (emoji presentation)
        or 0x1F3FB <= cp <= 0x1F3FF  # skin tones
        or 0xE0020 <= cp <= 0xE007F  # tag sequences (subdivision flags)
        or cp in (0x200D, 0x20E3)  # zero-width joiner, keycap
    )


def _clusters(text: str) -> list[str]:
    """User-perceived characters, approximated: a base code point with its combining marks,
    emoji modifiers and ZWJ-joined followers; flags as pairs of regional indicators.

    Carriers (and Twilio's segment calculator) never cut one across two segments."""
    clusters: list[str] = []
    for c in text:
        if clusters and (
            _extends(c)
            or clusters[-1].endswith("\u200d")
            or (
                ord(c) in _REGIONAL_INDICATORS
                and len(clusters[-1]) == 1
                and ord(clusters[-1]) in _REGIONAL_INDICATORS
            )
        ):
            clusters[-1] += c
        else:
            clusters.append(c)
    return clusters


@lru_cache(maxsize=8192)  # the content check counts the same texts on every change
def segments(text: str) -> int:
    """Segments Twilio bills for `text` sent as one message.

    Multi-part messages are packed character by character: an escape pair (€, [ …) or an
    emoji is never split over two segments, so a part may hold fewer than 153 / 67 units —
    which a plain ceil(units / 153) misses."""
    if not text:
        return 1
    enc = encoding(text)
    if units(text) <= SINGLE_SEGMENT[enc]:
        return 1
    room = MULTI_SEGMENT[enc]
    count, used = 1, 0
    for cluster in _clusters(text):
        size = units(cluster) if enc == GSM7 else len(cluster.encode("utf-16-le")) // 2
        if used + size > room and used:
            count, used = count + 1, 0
        used += size
    return count


def sms_cost(parts: Iterable[str]) -> int:
    """Total segments of several SMS (each one billed on its own)."""
    return sum(segments(part) for part in parts)


# --- transliteration --------------------------------------------------------------------

# Explicit replacements, applied first. Letters with accents (á í ó ú, Á Í Ó Ú, À, â, ã, ç…)
# need no entry: any character still outside GSM-7 is decomposed and its accents dropped.
_REPLACEMENTS = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′´`ʹʻʼ", "'"),
        **dict.fromkeys("“”„‟″«»", '"'),
        **dict.fromkeys("‐‑‒–—―−", "-"),
        **dict.fromkeys("•‣◦▪▫●∙·", "-"),  # list bullets, the "·" separator in listings
        **dict.fromkeys("\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007", " "),
        **dict.fromkeys("\u2008\u2009\u200a\u202f\u205f\u3000\t", " "),
        **dict.fromkeys("\u200b\u2060\ufeff\u00ad", ""),  # invisible: zero-width, soft hyphen
        **dict.fromkeys("\u2028\u2029", "\n"),
        "…": "...",
        "º": "o",
        "ª": "a",
        "ç": "c",  # GSM-7 only has the capital Ç
        "œ": "oe",
        "Œ": "OE",
        "×": "x",
        "÷": "/",
        "½": "1/2",
        "¼": "1/4",
        "¾": "3/4",
        "™": "TM",
        "©": "(c)",
        "®": "(R)",
        "→": "->",
        "⇒": "->",
        "←": "<-",
    }
)

# Emoji and their glue (skin tones, variation selectors, joiners, keycaps, tags).
_EMOJI = (
    "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u231a\u231b\u23e9-\u23fa"
    "\ufe0e\ufe0f\u200d\u20e3\U000e0020-\U000e007f"
)
_EMOJI_CHAR = re.compile(f"[{_EMOJI}]")
_EMOJI_RUN = re.compile(f"[ \\t]*[{_EMOJI}]+[ \\t]*")
_CLOSING = ".,;:!?)]…'\""


def _closest_gsm(c: str) -> str:
    """`c` if it is GSM-7 (or an emoji, left alone); else its compatibility form or its
    letters without accents, when those are GSM-7; else `c` unchanged (the SMS stays UCS-2)."""
    if c in GSM7_BASIC or c in GSM7_EXTENDED or _EMOJI_CHAR.match(c):
        return c
    compatible = unicodedata.normalize("NFKC", c)
    if compatible != c and is_gsm7(compatible):
        return compatible  # fullwidth letters, ligatures
    bare = "".join(
        ch for ch in unicodedata.normalize("NFD", compatible) if not unicodedata.combining(ch)
    )
    return bare if is_gsm7(bare) else c


def strip_emoji(text: str) -> str:
    """`text` without emoji; the spaces around a removed emoji are tidied (one space between
    words, none before punctuation or at a line's ends)."""

    def tidy(match: re.Match[str]) -> str:
        before = text[match.start() - 1] if match.start() else "\n"
        after = text[match.end()] if match.end() < len(text) else "\n"
        spaced = match.group() != match.group().strip(" \t")
        if spaced and not before.isspace() and not after.isspace() and after not in _CLOSING:
            return " "
        return ""

    return _EMOJI_RUN.sub(tidy, text)


def transliterate_for_gsm(text: str, *, drop_emoji: bool = False) -> str:
    """`text` with characters outside GSM-7 replaced by the closest GSM-7 ones, so that a
    Spanish SMS is GSM-7 (160 characters a segment instead of 70) when possible.

    á í ó ú Á Í Ó Ú → a i o u A I O U (and other accented letters likewise); ñ é ü ¿ ¡ stay,
    they are GSM-7. Curly quotes → straight, dashes → "-", "…" → "...", bullets and "·" → "-",
    odd spaces → " ", invisible characters removed.

    Emoji are kept by default: one emoji keeps the whole SMS in UCS-2, but whether it is
    worth it is the caller's choice (content staff put them there on purpose).
    `drop_emoji=True` removes them. Anything else without a GSM-7 equivalent is kept as is.
    """
    text = unicodedata.normalize("NFC", text).translate(_REPLACEMENTS)
    text = "".join(_closest_gsm(c) for c in text)
    return strip_emoji(text) if drop_emoji else text


# --- splitting --------------------------------------------------------------------------

# Where a long SMS may be cut, coarse to fine; the separators are dropped at a cut.
# 1: sentence ends and blank lines; 2: line breaks; 3: spaces between words;
# 4 (last resort): between characters.
_SENTENCE_END = re.compile(r"\n[ \t]*\n\s*|(?<=[.!?…:])\s+|(?<=[.!?…][\"')»])\s+")
_LIST_NUMBER = re.compile(r"(?:^|\n)[ \t]*\d{1,3}\.$")  # "2." of a numbered option: no end
_LINE = re.compile(r"(\s*\n\s*)")
_WORD = re.compile(r"([ \t]+)")
_LEVELS = 4


def _pairs(parts: list[str]) -> list[tuple[str, str]]:
    pairs = [
        (parts[i], parts[i + 1] if i + 1 < len(parts) else "") for i in range(0, len(parts), 2)
    ]
    return [(piece, sep) for piece, sep in pairs if piece]


def _sentences(text: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if "\n" not in match.group() and _LIST_NUMBER.search(
            text, max(0, match.start() - 8), match.start()
        ):
            continue
        parts += [text[start : match.start()], match.group()]
        start = match.end()
    return [*parts, text[start:]]


def _pieces(text: str, level: int) -> list[tuple[str, str]]:
    """(piece, separator after it) pairs of `text` at cutting `level` (0 = coarsest)."""
    if level == 0:
        return _pairs(_sentences(text))
    if level == 1:
        return _pairs(_LINE.split(text))
    if level == 2:
        return _pairs(_WORD.split(text))
    return [(cluster, "") for cluster in _clusters(text)]


def _pack(text: str, prefix: str, part_segments: int = 1) -> list[str]:
    """Greedy: as much of `text` as fits `part_segments` segments after `prefix`, per part,
    cutting at the coarsest boundary that works; a piece too long for any part is cut finer,
    filling the part already open."""
    parts: list[str] = []
    current = ""

    def fits(candidate: str) -> bool:
        return segments(prefix + candidate.strip()) <= part_segments

    def add(pieces: list[tuple[str, str]], level: int) -> None:
        nonlocal current
        for piece, separator in pieces:
            if fits(current + piece):
                current += piece + separator
            elif current.strip() and fits(piece):
                parts.append(current.strip())
                current = piece + separator
            elif level + 1 < _LEVELS:
                add(_pieces(piece, level + 1), level + 1)
                current += separator
            else:  # one character (an emoji sequence) longer than a segment: alone
                if current.strip():
                    parts.append(current.strip())
                current = piece + separator

    add(_pieces(text, 0), 0)
    if current.strip():
        parts.append(current.strip())
    return parts


def split_for_sms(text: str, budget_segments: int) -> list[str]:
    """`text` as one SMS when it fits `budget_segments` (phones join a concatenated SMS, and
    it wastes no room at cuts); else as numbered parts "(1/3) ", "(2/3) "… of at most
    `budget_segments` segments each.

    Cuts fall at sentence ends, then line breaks, then between words (between characters only
    for a "word" longer than a part); the number prefix counts in each part's length, and each
    part is GSM-7 or UCS-2 on its own. Deterministic; nothing is dropped or reworded except
    whitespace at the cuts. Keeping answers short is the job of `bot.outbound.paging.paginate`,
    which pages them with "MÁS" (and `almas content check`); this is for what is still longer, such
    as a case worker's long reply.
    """
    if budget_segments < 1:
        raise ValueError(f"budget_segments must be at least 1, got {budget_segments}")
    text = text.strip()
    if segments(text) <= budget_segments:
        return [text]
    digits = 1
    while True:  # reserve room for the widest number: "(9/9) ", then "(99/99) "…
        widest = "9" * digits
        parts = _pack(text, f"({widest}/{widest}) ", budget_segments)
        if len(parts) <= int(widest):
            break
        digits += 1
    return [f"({i}/{len(parts)}) {part}" for i, part in enumerate(parts, start=1)]


def shape_sms(
    body: str, *, transliterate: bool, budget_segments: int, drop_emoji: bool = False
) -> list[str]:
    """The SMS to send for one outbound body, in order (the outbox's one entry point).

    `transliterate`: replace characters outside GSM-7 first (`transliterate_for_gsm`), so
    most Spanish answers cost 160 characters a segment instead of 70. `drop_emoji`: remove
    emoji (with or without transliteration). Then `split_for_sms(…, budget_segments)`: see
    there for what happens when the body cannot fit the budget.

    SMS only. The caller must NOT call this for WhatsApp: WhatsApp text is sent exactly as
    written (accents, emoji, length), never transliterated nor split.
    """
    if transliterate:
        body = transliterate_for_gsm(body, drop_emoji=drop_emoji)
    elif drop_emoji:
        body = strip_emoji(body)
    return split_for_sms(body, budget_segments)
