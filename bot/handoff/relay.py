"""What a case worker sends to a participant goes through the outbox like every reply: in
her order, retried, recorded. (The WhatsApp 24-hour window check lands with the console.)"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.core.addresses import WHATSAPP
from bot.core.messages import OutboundMessage
from bot.handoff.queue import Ticket
from bot.outbound.shaping import for_channel
from bot.store.transcript import last_inbound_at

if TYPE_CHECKING:
    from bot.runtime import Runtime

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
        proactive=True,
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
    # On SMS a long reply goes as numbered parts; the first one stands for the reply.
    entries = for_channel(message, rt.settings.sms_transliterate, rt.settings.sms_budget_segments)
    rt.outbox.enqueue(ticket.participant, [e.to_json() for e in entries])
    return entries[0]


NUDGE_TEMPLATE = "respuesta-pendiente"
NUDGE_AFTER = timedelta(hours=23)  # nudge her before the 24-hour window closes


def window_open(rt: Runtime, ticket: Ticket, now: datetime | None = None) -> bool:
    if ticket.channel != WHATSAPP:
        return True
    return whatsapp_window_open(
        last_inbound_at(rt.sessions, ticket.participant), now or datetime.now(UTC)
    )


def send_template(
    rt: Runtime, ticket: Ticket, template_id: str, proactive: bool = True
) -> OutboundMessage:
    """An approved WhatsApp template (works outside the 24-hour window). Proactive: she has
    not written for a day, so Ley 2300's hours and one-a-day apply, and an opt-out stops it."""
    template = next(
        (t for t in rt.content.snapshot().whatsapp_templates if t.id == template_id), None
    )
    if template is None:
        raise RelayError(f"no approved template {template_id!r} in content/")
    if "{{" in template.text:  # e.g. scholarship_reminder: its values come from its job
        raise RelayError(f"template {template_id!r} is filled in by the bot, not sent by hand")
    if ticket.channel != WHATSAPP or not ticket.address:
        raise RelayError("templates are for WhatsApp conversations")
    message = OutboundMessage(
        participant=ticket.participant,
        channel=ticket.channel,
        to=ticket.address,
        body=template.text,
        content_sid=template.content_sid,
        content_variables=json.dumps(template.variables) if template.variables else "",
        proactive=proactive,
    )
    rt.outbox.enqueue(ticket.participant, [message.to_json()])
    return message


def nudge_before_window_closes(rt: Runtime, now: datetime | None = None) -> list[str]:
    """Waiting WhatsApp tickets whose window closes within the hour get the template once:
    "hay una respuesta para ti, responde SÍ" — her "sí" reopens the window."""
    now = now or datetime.now(UTC)
    nudged = []
    for ticket in rt.handoff.waiting():
        if ticket.channel != WHATSAPP:
            continue
        last = last_inbound_at(rt.sessions, ticket.participant)
        if last is None or not (NUDGE_AFTER <= now - last < WHATSAPP_WINDOW):
            continue
        if not rt.redis.set(rt.keys.handoff_nudged(ticket.id), "1", nx=True, ex=2 * 86400):
            continue
        send_template(rt, ticket, NUDGE_TEMPLATE, proactive=True)
        nudged.append(ticket.id)
    return nudged
