"""What she sent besides text: a voice note, a photo or PDF of a document, something else.
Pure: the worker attaches media to her open ticket and answers with these replies.

Audio is not understood yet: a kind reply and the offer of a person. A photo or PDF is usually
a document (PPT, diploma, passport) for a case worker: acknowledged, and attached to her
ticket when one is open; otherwise she is offered a person to look at it.
"""

from __future__ import annotations

from bot.content.store import ContentStore
from bot.core.messages import BotReply, Button, Media

VOICE = "voice"
DOCUMENT = "document"
STICKER = "sticker"
CONTACT = "contact"
OTHER = "other"
# What WhatsApp says it is (Twilio's MessageType), before the file's type: a sticker is a webp
# image and a contact card a vCard, neither a document for a case worker.
_BY_MESSAGE_TYPE = {"sticker": STICKER, "contacts": CONTACT, "contact": CONTACT}
REQUEST_HUMAN = "/request_human"


def kind(media: tuple[Media, ...], message_type: str = "") -> str | None:
    """The kind of what she sent (a document wins over audio in a mixed message)."""
    types = [m.content_type.lower() for m in media]
    if not types:
        return None
    if message_type.lower() in _BY_MESSAGE_TYPE:
        return _BY_MESSAGE_TYPE[message_type.lower()]
    if all(t in ("text/vcard", "text/x-vcard") for t in types):
        return CONTACT
    if any(t.startswith("image/") or t == "application/pdf" for t in types):
        return DOCUMENT
    if any(t.startswith("audio/") for t in types):
        return VOICE
    return OTHER


def replies(media_kind: str, content: ContentStore, attached: bool) -> list[BotReply]:
    """Her answer for a media-only message (`attached`: it went to her case worker)."""
    if attached:
        return [BotReply(text=content.system_text("media_attached"))]
    offer = (Button(title=content.system_text("topic_request_human"), payload=REQUEST_HUMAN),)
    if media_kind == VOICE:
        return [BotReply(text=content.system_text("voice_note_received"), buttons=offer)]
    if media_kind == DOCUMENT:
        return [BotReply(text=content.system_text("document_received"), buttons=offer)]
    if media_kind == STICKER:
        return [BotReply(text=content.system_text("sticker_received"))]
    if media_kind == CONTACT:
        return [BotReply(text=content.system_text("contact_received"), buttons=offer)]
    return [BotReply(text=content.system_text("media_received"))]
