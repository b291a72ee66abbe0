"""What a case worker sends to a participant goes through the outbox like every reply: in
her order, retried, recorded. (The WhatsApp 24-hour window check lands with the console.)"""

from __future__ import annotations

from bot.handoff import Ticket
from bot.messages import OutboundMessage
from bot.runtime import Runtime

MAX_REPLY_CHARACTERS = 1600  # Twilio refuses longer bodies (error 21617)


class RelayError(ValueError):
    """The reply cannot be sent; the message says why."""


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
    message = OutboundMessage(
        participant=ticket.participant, channel=ticket.channel, to=ticket.address, body=text
    )
    rt.outbox.enqueue(ticket.participant, [message.to_json()])
    return message
