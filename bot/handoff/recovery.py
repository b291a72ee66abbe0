"""The handoff line rebuilt from SQL when Redis lost part of it.

Redis with `appendfsync everysec` can lose the last second of writes on a crash; a failover to
a replica, a partial restore or an eviction can lose more. SQL's history (handoff_events) is
written after every transition, so it knows which tickets are open. This compares the two and
makes Redis agree: a ticket missing from Redis is rebuilt and put back in line at its place (by
priority and when she first waited); one that fell out of the line goes back; a claimed one
whose lease is gone goes back to the line. Her number was only ever in Redis: a rebuilt ticket
gets it back from her next message (gates.handed_off), and the console says so meanwhile.
Run by the scheduler at start and every minute (bot/ops/scheduler.py).
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.handoff.queue import CLOSING, REPLACED, SUPERSEDED, Ticket
from bot.store.handoff import last_channel, open_tickets_in_history

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

# Older open tickets are not rebuilt: longer than anyone waits, shorter than a closed ticket
# is kept in Redis (a ticket closed in Redis whose SQL row was lost stays closed).
RESTORE_WINDOW = timedelta(days=7)


def restore_line(rt: Runtime, now: datetime | None = None) -> dict[str, int]:
    """Make Redis's line agree with SQL; returns how many tickets had each outcome."""
    now = now or datetime.now(UTC)
    outcomes: Counter[str] = Counter()
    for found in open_tickets_in_history(rt.sessions, CLOSING, now - RESTORE_WINDOW):
        channel = last_channel(rt.sessions, found.participant_id) or "sms"
        outcome = rt.handoff.restore(
            found.ticket_id,
            found.participant_id,
            found.priority,
            int(found.joined_at.timestamp() * 1000),
            channel,
        )
        outcomes[outcome] += 1
        if outcome == REPLACED:
            # She is in line with a newer ticket: the lost one is closed in the history.
            rt.handoff.record(
                Ticket(
                    id=found.ticket_id,
                    participant=found.participant_id,
                    channel=channel,
                    topic="restored",
                    summary="",
                    priority=found.priority,
                    status=SUPERSEDED,
                    enqueued_ms=int(found.joined_at.timestamp() * 1000),
                ),
                SUPERSEDED,
            )
    changed = {k: v for k, v in outcomes.items() if k != "in_place"}
    if changed:
        log.warning("handoff line rebuilt from SQL after Redis lost part of it: %s", changed)
    return dict(outcomes)
