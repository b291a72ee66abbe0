"""What she would receive if an item (as drafted) went live: on WhatsApp and on SMS, side by side
in the console. Pure: no I/O (the content store gives the live system texts).

The preview goes through the bot's own code: courses, scholarships, credential steps, credit
and support lines are worded by bot/content/describe.py (what the actions say); answers the
dialogue pages are cut by bot/outbound/paging.py with "MÁS"; buttons become numbered options as
bot/core/messages.render_reply does when WhatsApp buttons cannot be sent; an SMS is shaped as
the outbox shapes it (WhatsApp markup removed, transliterated to GSM-7 when the deployment says
so, split within the segment budget: bot/outbound/shaping.py, bot/outbound/sms.py), with its
segments, its encoding and what it costs.

WhatsApp's HTML is built from escaped text: *bold* → <b>, _italic_ → <i>, ~strike~ → <s>, and
nothing of the content is ever markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from markupsafe import Markup, escape
from pydantic import ValidationError

from bot.content.describe import (
    describe_course,
    describe_credit,
    describe_line,
    describe_scholarship,
    describe_step,
)
from bot.content.schema import Course, CredentialPath, Credit, Scholarship, SupportLine
from bot.content.store import ContentError, ContentStore
from bot.core.messages import BotReply, render_reply
from bot.outbound.paging import paginate
from bot.outbound.shaping import _MARKUP as WHATSAPP_MARKUP  # the markup SMS shaping strips
from bot.outbound.shaping import strip_whatsapp_markup
from bot.outbound.sms import GSM7, UCS2, encoding, segments, shape_sms, units

TAGS = {"*": "b", "_": "i", "~": "s"}
MORE_OFFER = "MÁS"
# Why a kind has no message to preview (Spanish; the console translates them).
NOT_A_MESSAGE = "Esto no se envía como mensaje: no hay vista previa."
NOT_VALID = "Corrige los errores del formulario para ver la vista previa."
NOT_SHOWN = "Línea sin verificar: nunca se le muestra a una participante."


@dataclass(frozen=True)
class Options:
    """The deployment's SMS settings and what the dialogue pages."""

    transliterate: bool = True
    budget_segments: int = 3
    price_per_segment: float = 0.0  # 0: unknown, no cost shown
    paged: frozenset[str] = frozenset()  # responses sent through paging (check.dialogue_needs)
    today: date = field(default_factory=date.today)


@dataclass(frozen=True)
class SmsPart:
    """One SMS as the outbox sends it."""

    text: str
    segments: int
    encoding: str
    units: int  # characters in its encoding's units (septets or UTF-16 code units)


@dataclass(frozen=True)
class Page:
    """One message of the bot (a "MÁS" page, or the whole answer)."""

    whatsapp: Markup
    sms: tuple[SmsPart, ...]


@dataclass(frozen=True)
class MessagePreview:
    label: str
    pages: tuple[Page, ...]
    buttons: tuple[str, ...] = ()  # shown as WhatsApp buttons when the content is approved
    numbered: Markup | None = None  # the text with its buttons as numbered options
    paged: bool = False

    @property
    def sms_segments(self) -> int:
        return sum(part.segments for page in self.pages for part in page.sms)

    @property
    def sms_encoding(self) -> str:
        found = {part.encoding for page in self.pages for part in page.sms}
        return UCS2 if UCS2 in found else GSM7

    @property
    def sms_parts(self) -> int:
        return sum(len(page.sms) for page in self.pages)


@dataclass(frozen=True)
class Preview:
    messages: tuple[MessagePreview, ...] = ()
    note: str = ""  # why there is nothing (or something less) to see
    transliterate: bool = True
    price_per_segment: float = 0.0

    @property
    def sms_segments(self) -> int:
        return sum(m.sms_segments for m in self.messages)

    def cost(self, message: MessagePreview | None = None) -> float | None:
        """Segments × SMS_PRICE_PER_SEGMENT (of one message, or of all); None when unknown."""
        if self.price_per_segment <= 0:
            return None
        count = message.sms_segments if message is not None else self.sms_segments
        return round(count * self.price_per_segment, 4)


def whatsapp_html(text: str) -> Markup:
    """The text as WhatsApp shows it: escaped first, then *bold*, _italic_ and ~strike~ as
    tags (line breaks stay; the page shows them with `white-space: pre-wrap`)."""
    html = str(escape(text))
    for _ in range(3):  # nested markup: *bold with _italic_ inside*
        changed = WHATSAPP_MARKUP.sub(
            lambda m: f"<{TAGS[m.group(1)]}>{m.group(2)}</{TAGS[m.group(1)]}>", html
        )
        if changed == html:
            break
        html = changed
    return Markup(html)  # noqa: S704 -- built from escaped text: only our tags are markup


def sms_parts(body: str, options: Options) -> tuple[SmsPart, ...]:
    """One message's SMS, as the outbox shapes them (bot/outbound/shaping.for_channel)."""
    parts = shape_sms(
        strip_whatsapp_markup(body),
        transliterate=options.transliterate,
        budget_segments=options.budget_segments,
        drop_emoji=options.transliterate,
    )
    return tuple(SmsPart(p, segments(p), encoding(p), units(p)) for p in parts)


def message(label: str, reply: BotReply, options: Options, more_offer: str,
            paged: bool = False) -> MessagePreview:  # fmt: skip
    """What she receives for one reply. `paged`: sent through paging (the text is cut into
    pages with `more_offer`, buttons are not sent), as the action server does."""
    if paged:
        pages = paginate(reply.text, more_offer)
        return MessagePreview(
            label=label,
            pages=tuple(Page(whatsapp_html(p), sms_parts(p, options)) for p in pages),
            paged=len(pages) > 1,
        )
    body = render_reply(reply)
    return MessagePreview(
        label=label,
        pages=(Page(whatsapp_html(reply.text), sms_parts(body, options)),),
        buttons=tuple(b.title for b in reply.buttons),
        numbered=whatsapp_html(body) if reply.buttons else None,
    )


def _more_offer(store: ContentStore) -> str:
    try:
        return store.system_text("more_offer")
    except ContentError:
        return MORE_OFFER


def preview(section: str, key: str, value: Any, store: ContentStore, options: Options) -> Preview:
    """What she would receive for item `key` of `section` with this `value`."""
    base = {"transliterate": options.transliterate, "price_per_segment": options.price_per_segment}
    more = _more_offer(store)
    try:
        messages, note = _messages(section, key, value, store, options, more)
    except (ValidationError, ContentError, TypeError, ValueError, KeyError, IndexError):
        return Preview(note=NOT_VALID, **base)  # type: ignore[arg-type]
    return Preview(messages=tuple(messages), note=note, **base)  # type: ignore[arg-type]


def _messages(section: str, key: str, value: Any, store: ContentStore, options: Options,
              more: str) -> tuple[list[MessagePreview], str]:  # fmt: skip
    if section == "responses":
        paged = key in options.paged
        return [
            message(f"{key} [{i + 1}]", store.render_variant(variant), options, more, paged)
            for i, variant in enumerate(value)
        ], ""
    if section == "system":
        return [message(key, BotReply(text=str(value)), options, more)], ""
    if section == "courses":
        course = Course.model_validate(value)
        text = describe_course(course, store)
        return [message(course.name, BotReply(text=text), options, more, paged=True)], ""
    if section == "scholarships":
        call = Scholarship.model_validate(value)
        text = describe_scholarship(call, options.today, store)
        return [message(call.name, BotReply(text=text), options, more, paged=True)], ""
    if section == "credential_paths":
        path = CredentialPath.model_validate(value)
        return [
            message(step.title, BotReply(text=describe_step(path, i, store)), options, more)
            for i, step in enumerate(path.steps)
        ], ""
    if section == "credit":
        text = describe_credit(Credit.model_validate(value), store)
        return [message(key, BotReply(text=text), options, more, paged=True)], ""
    if section == "support_lines":
        line = SupportLine.model_validate(value)
        text = store.system_text("emergency_intro") + "\n" + describe_line(line)
        return [message(line.name, BotReply(text=text), options, more)], (
            "" if line.verified else NOT_SHOWN
        )
    if section == "whatsapp_templates":
        return [message(key, BotReply(text=str(value["text"])), options, more)], ""
    return [], NOT_A_MESSAGE
