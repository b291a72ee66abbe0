"""Shaping a reply for its channel, before it enters the outbox. Pure: no I/O.

WhatsApp: the text goes exactly as written; options become quick-reply buttons or a list
picker when content/ has an enabled Content API item for exactly those options, else numbered
text. SMS: WhatsApp markup is removed (*bold* shows as asterisks on a phone), characters outside
GSM-7 are transliterated when the deployment says so, and a long answer is split into numbered
parts within the segment budget (bot/outbound/sms.py). Each part is its own outbox entry, so each is
sent once and in order.
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid

from bot.content.schema import WhatsAppInteractive
from bot.core.addresses import SMS, WHATSAPP
from bot.core.messages import BotReply, OutboundMessage
from bot.outbound.sms import shape_sms

# *bold*, _italic_, ~strike~ (WhatsApp's markup), only around words: "5 * 3" stays.
_MARKUP = re.compile(r"(?<![\w*_~])([*_~])(?=\S)(.+?)(?<=\S)\1(?![\w*_~])")


def strip_whatsapp_markup(text: str) -> str:
    return _MARKUP.sub(r"\2", text)


def interactive_for(
    reply: BotReply, channel: str, items: tuple[WhatsAppInteractive, ...]
) -> WhatsAppInteractive | None:
    """The enabled Content API item showing exactly this reply's options, on WhatsApp."""
    if channel != WHATSAPP or not reply.buttons:
        return None
    payloads = tuple(b.payload for b in reply.buttons)
    return next((i for i in items if i.enabled and i.payloads == payloads), None)


def with_interactive(
    message: OutboundMessage, item: WhatsAppInteractive, text: str
) -> OutboundMessage:
    """Send the options as buttons/list; `body` keeps the numbered text for the transcript."""
    return dataclasses.replace(
        message, content_sid=item.content_sid, content_variables=json.dumps({"1": text})
    )


def for_channel(
    message: OutboundMessage, transliterate: bool, budget_segments: int
) -> list[OutboundMessage]:
    """The outbox entries for one message: itself, or its SMS parts (new ids, in order)."""
    if message.channel != SMS or message.content_sid or not message.body:
        return [message]
    # Emoji go too when transliterating: one emoji makes the whole SMS UCS-2 (70 characters a
    # segment), and the phones that rely on SMS often show it as a box anyway.
    parts = shape_sms(
        strip_whatsapp_markup(message.body),
        transliterate=transliterate,
        budget_segments=budget_segments,
        drop_emoji=transliterate,
    )
    if len(parts) == 1:
        return [dataclasses.replace(message, body=parts[0])]
    return [
        dataclasses.replace(
            message,
            body=part,
            id="out_" + uuid.uuid4().hex,
            media_url=message.media_url if i == 0 else "",
        )
        for i, part in enumerate(parts)
    ]
