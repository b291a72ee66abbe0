"""The gate every proactive message passes, at the last moment, in the outbox (Ley 2300 de 2023).

Proactive = `OutboundMessage.proactive`: not an answer to her (scholarship reminders, the
rating question, the template nudge). The rule itself is pure and lives in
bot/outbound/proactive_hours.py (`earliest_send`): Monday to Friday 7:00–19:00, Saturday 8:00–15:00,
never Sundays or Colombian holidays, at most one proactive message per participant per Bogotá
day. This module applies it to the outbox:

* **Checked in the outbox sender, right before the send** (`OutboxSender._proactive_hold`),
  next to the opt-out suppression: whatever path put a proactive message in the outbox, and
  however long it waited there, it cannot leave outside the allowed hours or as her second
  proactive message of the day.
* **A held message waits in a mailbox of its own** (`Keys.proactive_mailbox`: her id +
  ":proactive", in the same outbox queue, served by the same senders). A mailbox keeps its
  order by holding everything behind its head, so a reminder held until Monday 7:00 in her
  normal mailbox would also hold her replies until Monday. Producers that know they are
  proactive (the reminder job) enqueue straight into it (`enqueue`); a proactive message
  found held in her normal mailbox (the rating question, the nudge: the case-work code puts
  them there, in order after the case worker's last words) is moved there atomically and her
  next replies go on at once. The held mailbox is retried when `earliest_send` says, through
  the mailbox's own delay (no attempts used up, nothing dead-lettered).
* **One a day: the slot is taken before the send**, atomically (WATCH/MULTI on one key), and
  remembers which message took it. Taken before, so two senders serving her two mailboxes at
  once cannot both send, and a crash between Twilio's answer and our bookkeeping cannot make a
  second one go out the same day. A retry of the message that holds the slot keeps it (a
  network error at 18:59 retries the next allowed morning); a message refused for good still
  used the day's slot, which errs on the side of sending less. The key expires after two days
  (only "today" matters).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from redis.client import Pipeline

from bot.core.messages import OutboundMessage
from bot.outbound.proactive_hours import earliest_send
from bot.queue.mailbox import Lease

if TYPE_CHECKING:
    from bot.runtime import Runtime

LAST_SENT_SECONDS = 2 * 24 * 3600
# Never ask the mailbox to come back sooner than this: the boundary itself is allowed, and a
# clock a little behind Redis's must not spin on "not yet".
MIN_WAIT_SECONDS = 1.0


def enqueue(
    rt: Runtime,
    participant: str,
    messages: Sequence[OutboundMessage],
    dedupe_id: str | None = None,
    dedupe_seconds: int = 0,
) -> bool:
    """Put proactive messages in her proactive mailbox (never in front of her replies)."""
    if not all(m.proactive and m.participant == participant for m in messages):
        raise ValueError("only her proactive messages go to her proactive mailbox")
    return rt.outbox.enqueue(
        rt.keys.proactive_mailbox(participant),
        [m.to_json() for m in messages],
        dedupe_id=dedupe_id,
        dedupe_seconds=dedupe_seconds,
    )


def pending(rt: Runtime, participant: str) -> list[OutboundMessage]:
    """What waits in her proactive mailbox, oldest first."""
    return [
        OutboundMessage.from_json(raw)
        for raw in rt.outbox.pending(rt.keys.proactive_mailbox(participant))
    ]


def last_sent(rt: Runtime, participant: str) -> tuple[datetime | None, str]:
    """When her last proactive message took its daily slot, and which message it was."""
    return _parse(rt.redis.get(rt.keys.proactive_last(participant)))


def _parse(raw: str | bytes | None) -> tuple[datetime | None, str]:
    if not raw:
        return None, ""
    try:
        data = json.loads(raw)
        return datetime.fromisoformat(data["at"]), str(data["id"])
    except (ValueError, KeyError, TypeError):
        return None, ""  # unreadable: treated as no slot taken (the key expires anyway)


def take_slot(rt: Runtime, message: OutboundMessage, now: datetime) -> datetime | None:
    """None: `message` may go now and holds her slot for today. Otherwise the instant from
    which it may (allowed hours, and a later day than her last proactive message)."""
    key = rt.keys.proactive_last(message.participant)

    def attempt(pipe: Pipeline) -> datetime | None:
        last_at, last_id = _parse(pipe.get(key))
        if last_id == message.id:
            last_at = None  # its own slot: a retry of the same message
        until = earliest_send(last_at, now)
        if until > now:
            return until
        pipe.multi()
        pipe.set(key, json.dumps({"at": now.isoformat(), "id": message.id}), ex=LAST_SENT_SECONDS)
        return None

    return rt.redis.transaction(attempt, key, value_from_callable=True)


def hold(
    rt: Runtime, lease: Lease, head: str, message: OutboundMessage, now: datetime
) -> float | None:
    """The outbox's answer for a proactive head entry: None to send it now; otherwise the
    seconds her mailbox must wait (0 when the entry was moved aside to her proactive mailbox,
    so her next replies go at once)."""
    until = take_slot(rt, message, now)
    if until is None:
        return None
    wait = max((until - now).total_seconds(), MIN_WAIT_SECONDS)
    held_box = rt.keys.proactive_mailbox(message.participant)
    if lease.participant != held_box:
        rt.outbox.move_head(lease, head, held_box, delay_seconds=wait)
        return 0.0
    return wait


def wait_until(rt: Runtime, participant: str, now: datetime) -> datetime:
    """When a new proactive message for her could go out, seen from `now`."""
    last_at, _ = last_sent(rt, participant)
    return earliest_send(last_at, now)
