"""Supervisors are told at once when an urgent ticket (a crisis) opens: the console shows a
banner while an urgent ticket waits (webhooks/console.py reads the queue), and, if
SUPERVISOR_ALERT_TO is set, a message goes to each of those numbers through the outbox. No
personal data in it: the topic and a link, nothing else."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.addresses import channel_of
from bot.core.identity import participant_id
from bot.core.messages import OutboundMessage
from bot.handoff.queue import Ticket

if TYPE_CHECKING:
    from bot.runtime import Runtime



ALERT_MEMORY_SECONDS = 7 * 24 * 3600


def alert_urgent(rt: Runtime, ticket: Ticket, message_sid: str) -> bool:
    """Alert supervisors once per message: a message processed again (a retry after a later
    step failed, a worker that died) must not alert them twice. False: alerted before."""
    if not rt.redis.set(rt.keys.alerted(message_sid), "1", nx=True, ex=ALERT_MEMORY_SECONDS):
        return False
    text = rt.content.system_text(
        "supervisor_urgent_alert",
        topic=ticket.topic,
        console_url=rt.settings.public_base_url + "/console",
    )
    for address in rt.settings.supervisor_alert_to:
        # Each supervisor has her own mailbox, keyed like a participant's, so alerts to one
        # person stay in order and never wait behind a participant's replies.
        mailbox = "staff_" + participant_id(rt.settings.participant_id_key, address)
        message = OutboundMessage(
            participant=mailbox,
            channel=channel_of(address),
            to=address,
            body=text,
            record=False,
        )
        rt.outbox.enqueue(mailbox, [message.to_json()])
    return True
