"""Delivery fidelity: Twilio's status callbacks, and what the outbox remembers in Redis so a
message is never sent twice and a failed one can be retried by a person.

Status callbacks (POST /twilio/status?outbox_id=…, webhooks/twilio_status.py) are parsed by
bot/channels/twilio/status.py and applied here: the stored status moves queued → sent →
delivered/read (or undelivered/failed) and never backwards; ErrorCode 21610 (she replied STOP) opts
her out. Each callback is first noted in Redis under its outbox id, before the SQL update, because
the outbox writes the transcript row only after Twilio answered: a fast callback can arrive before
the row exists, and the outbox applies the note right after writing the row. The same note tells a
reconciliation that Twilio has the message (bot/outbound/sender.py).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.channels.twilio.errors import UNSUBSCRIBED
from bot.channels.twilio.status import StatusReport
from bot.core.identity import mask_address
from bot.core.messages import OutboundMessage
from bot.store import contact
from bot.store.models import STATUS_ORDER, Message
from bot.store.transcript import update_outbound_status

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

FAILED_STATUSES = frozenset({"failed", "undelivered"})
MARKER_SECONDS = 7 * 24 * 3600  # callbacks and SID owners are remembered this long
FAILED_KEEP_SECONDS = 30 * 24 * 3600  # a failed entry stays retryable this long
SID_FIELD = "sid"


def apply_status(rt: Runtime, report: StatusReport) -> Message | None:
    """Store a status callback. None: the message is unknown to the transcript (logged)."""
    if report.outbox_id:
        note_callback(rt, report)  # first: see the module docstring
    row = update_outbound_status(
        rt.sessions, report.status, report.message_sid, report.outbox_id, report.error_code
    )
    if row is None:
        log.info(
            "status %s for %s (outbox id %r): no such message in the transcript",
            report.status,
            report.message_sid,
            report.outbox_id,
        )
        return None
    if report.error_code == UNSUBSCRIBED:
        contact.set_opted_out(rt, row.participant_id, row.channel, True)
        log.info("%s: she replied STOP (21610): opted out", report.message_sid)
    if row.status in FAILED_STATUSES and report.to and row.outbox_id:
        keep_for_retry(rt, _entry_from_row(row, report.to))
    return row


def _entry_from_row(row: Message, to: str) -> OutboundMessage:
    """Rebuild an outbox entry from a transcript row (a failure Twilio reported later)."""
    return OutboundMessage(
        participant=row.participant_id,
        channel=row.channel,
        to=to,
        body=row.text,
        id=row.outbox_id or "",
    )


# -- Redis notes the outbox relies on ---------------------------------------------------------
def note_callback(rt: Runtime, report: StatusReport) -> None:
    key = rt.keys.outbox_callbacks(report.outbox_id)
    pipe = rt.redis.pipeline(transaction=True)
    pipe.hsetnx(key, SID_FIELD, report.message_sid)
    pipe.hset(key, report.status, "" if report.error_code is None else str(report.error_code))
    pipe.expire(key, MARKER_SECONDS)
    pipe.execute()


@dataclass(frozen=True)
class CallbackNote:
    sid: str
    statuses: dict[str, int | None]

    @property
    def furthest(self) -> str:
        return max(self.statuses, key=lambda s: STATUS_ORDER.get(s, 0))


def callbacks_for(rt: Runtime, outbox_id: str) -> CallbackNote | None:
    raw = rt.redis.hgetall(rt.keys.outbox_callbacks(outbox_id))
    sid = raw.pop(SID_FIELD, "")
    if not sid or not raw:
        return None
    return CallbackNote(sid=sid, statuses={s: int(c) if c else None for s, c in raw.items()})


def apply_noted_callbacks(rt: Runtime, message: OutboundMessage) -> None:
    """Callbacks that came before the transcript row existed, applied now that it does."""
    note = callbacks_for(rt, message.id)
    if note is None:
        return
    for status, code in note.statuses.items():
        update_outbound_status(rt.sessions, status, note.sid, message.id, code)


def sent(rt: Runtime, message: OutboundMessage, twilio_sid: str) -> CallbackNote | None:
    """After Twilio took an entry: its SID is owned by it, it is no longer uncertain; returns
    the callbacks noted so far (one round trip: this runs for every message)."""
    pipe = rt.redis.pipeline(transaction=False)
    pipe.set(rt.keys.outbox_sid_owner(twilio_sid), message.id, ex=MARKER_SECONDS)
    pipe.delete(rt.keys.outbox_uncertain(message.participant, message.id))
    pipe.exists(rt.keys.outbox_callbacks(message.id))
    _, _, noted = pipe.execute()
    return callbacks_for(rt, message.id) if noted else None


def sid_taken_by_other(rt: Runtime, twilio_sid: str, outbox_id: str) -> bool:
    owner = rt.redis.get(rt.keys.outbox_sid_owner(twilio_sid))
    return owner is not None and owner != outbox_id


def uncertain_key(rt: Runtime, message: OutboundMessage) -> str:
    """The marker of an attempt to send this entry (written before every send)."""
    return rt.keys.outbox_uncertain(message.participant, message.id)


def uncertain_since(rt: Runtime, message: OutboundMessage) -> datetime | None:
    raw = rt.redis.get(uncertain_key(rt, message))
    return None if raw is None else datetime.fromtimestamp(float(raw), UTC)


def clear_uncertain(rt: Runtime, message: OutboundMessage) -> None:
    rt.redis.delete(uncertain_key(rt, message))


def settle_remaining(rt: Runtime, since: datetime) -> float:
    """Seconds still to wait before Twilio's (eventually consistent) list is trusted."""
    waited = time.time() - since.timestamp()
    return max(0.0, rt.settings.outbox_reconcile_wait_seconds - waited)


def keep_for_retry(rt: Runtime, message: OutboundMessage) -> None:
    """Remember a failed entry so a supervisor can send it again (bot/handoff/redelivery.py)."""
    if not message.record:
        return  # not in the transcript, so never shown for a retry
    key = rt.keys.outbox_failed(message.participant)
    pipe = rt.redis.pipeline(transaction=True)
    pipe.hset(key, message.id, message.to_json())
    # NX: the oldest failure sets the clock; later ones must not keep the hash alive forever.
    pipe.expire(key, FAILED_KEEP_SECONDS, nx=True)
    pipe.execute()
    log.info("kept failed %s to %s for a retry", message.id, mask_address(message.to))
