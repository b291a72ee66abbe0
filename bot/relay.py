"""What a case worker sends to a participant goes through the outbox like every reply: in
her order, retried, recorded. (The WhatsApp 24-hour window check lands with the console.)"""

from __future__ import annotations

from bot.handoff import Ticket
from bot.messages import OutboundMessage
from bot.runtime import Runtime

MAX_REPLY_CHARACTERS = 1600  # Twilio refuses longer bodies (error 21617)


class RelayError(ValueError):
    """The reply cannot be sent; the message says why."""


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
