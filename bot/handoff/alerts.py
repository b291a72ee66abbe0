"""Supervisors are told at once when an urgent ticket (a crisis) opens: a banner in the
console (a capped list in Redis) and, if SUPERVISOR_ALERT_TO is set, a message to each of those
numbers through the outbox. No personal data in either: the topic and a link, nothing else."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from bot.core.addresses import channel_of
from bot.core.identity import participant_id
from bot.core.messages import OutboundMessage
from bot.handoff.queue import Ticket

if TYPE_CHECKING:
    from bot.runtime import Runtime

KEEP_ALERTS = 50


def alert_urgent(rt: Runtime, ticket: Ticket) -> None:
    alert = {"ticket_id": ticket.id, "topic": ticket.topic, "at_ms": int(time.time() * 1000)}
    pipe = rt.redis.pipeline()
    pipe.lpush(rt.keys.alerts(), json.dumps(alert))
    pipe.ltrim(rt.keys.alerts(), 0, KEEP_ALERTS - 1)
    pipe.execute()
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


def recent_alerts(rt: Runtime, since_ms: int = 0) -> list[dict[str, object]]:
    """The latest alerts, newest first (those after `since_ms`)."""
    alerts = [json.loads(raw) for raw in rt.redis.lrange(rt.keys.alerts(), 0, KEEP_ALERTS - 1)]
    return [a for a in alerts if int(a.get("at_ms", 0)) > since_ms]
