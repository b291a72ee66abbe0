"""What a case worker sends to a participant goes through the outbox like every reply: in
her order, retried, recorded. (The WhatsApp 24-hour window check lands with the console.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.handoff import Ticket
from bot.messages import WHATSAPP, OutboundMessage
from bot.runtime import Runtime
from bot.storage import last_inbound_at

# WhatsApp allows free text only within 24 h of her last message (else Twilio error 63016).
WHATSAPP_WINDOW = timedelta(hours=24)

MAX_REPLY_CHARACTERS = 1600  # Twilio refuses longer bodies (error 21617)


class RelayError(ValueError):
    """The reply cannot be sent; the message says why."""


class WindowClosed(RelayError):
    """WhatsApp free text is not allowed any more: an approved template is needed."""


def whatsapp_window_open(last_message_at: datetime | None, now: datetime) -> bool:
    return last_message_at is not None and now - last_message_at < WHATSAPP_WINDOW


RATING_WAIT_SECONDS = 2 * 24 * 3600


def ask_for_rating(rt: Runtime, ticket: Ticket) -> None:
    """After a case worker resolved her ticket: the bot is back, and asks how it went."""
    if not ticket.address:
        return
    question = OutboundMessage(
        participant=ticket.participant,
        channel=ticket.channel,
        to=ticket.address,
        body=rt.content.system_text("rating_question"),
    )
    rt.redis.set(rt.keys.rating_pending(ticket.participant), ticket.id, ex=RATING_WAIT_SECONDS)
    rt.outbox.enqueue(ticket.participant, [question.to_json()])


def reply(rt: Runtime, ticket: Ticket, text: str) -> OutboundMessage:
    text = text.strip()
    if not text:
        raise RelayError("write a reply")
    if len(text) > MAX_REPLY_CHARACTERS:
        raise RelayError(f"a reply has at most {MAX_REPLY_CHARACTERS} characters")
    if not ticket.address:
        raise RelayError("this ticket has no address to reply to")
    if ticket.channel == WHATSAPP:
        last = last_inbound_at(rt.sessions, ticket.participant)
        if not whatsapp_window_open(last, datetime.now(UTC)):
            raise WindowClosed(
                "her last WhatsApp message is older than 24 hours: free text would be refused "
                "(63016); an approved template is needed"
            )
    message = OutboundMessage(
        participant=ticket.participant, channel=ticket.channel, to=ticket.address, body=text
    )
    rt.outbox.enqueue(ticket.participant, [message.to_json()])
    return message
