"""A supervisor sends a failed message again: a NEW outbox entry with the same content to the
same participant, appended to her outbox (after what is already waiting, so her order holds),
linked to the original in the transcript. Same rules for the API and the console; errors are
CaseworkError (403 not a supervisor, 404 unknown, 409 not failed / not retryable / done)."""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.channels.twilio.errors import PERMANENT_FOR_THE_NUMBER
from bot.core.messages import OutboundMessage
from bot.handoff.accounts import SUPERVISOR
from bot.handoff.rules import Conflict, Forbidden, NotFound
from bot.outbound.delivery import FAILED_STATUSES
from bot.store.models import OUT, CaseWorker, Message
from bot.store.transcript import AlreadyRetried, forget_outbound, outbound_message, record_retry

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)



def retryable_reason(row: Message) -> str | None:
    """Why this message cannot be retried, or None if it can."""
    if row.status not in FAILED_STATUSES:
        return f"the message is {row.status}, not failed"
    # Refused where the same message can never work, or must not be sent.
    if row.error_code in PERMANENT_FOR_THE_NUMBER:
        reason = PERMANENT_FOR_THE_NUMBER[row.error_code]
        return f"Twilio refused it for good ({row.error_code}: {reason})"
    return None


def retried_as(rows: Iterable[Message]) -> dict[str, str]:
    """Original outbox id -> the outbox id of its retry, among these transcript rows."""
    return {m.retry_of: m.outbox_id for m in rows if m.retry_of and m.outbox_id}


def can_retry(row: Message, retried: Mapping[str, str]) -> bool:
    """Whether to offer a retry of this row (a supervisor still has to ask for it)."""
    return (
        row.direction == OUT
        and bool(row.outbox_id)
        and row.outbox_id not in retried
        and retryable_reason(row) is None
    )


def retry_failed(
    rt: Runtime, worker: CaseWorker, outbox_id: str, participant: str | None = None
) -> OutboundMessage:
    """Queue a new send of a failed message (of `participant`, when given: the console asks
    from her ticket). Returns the new outbox entry."""
    if worker.role != SUPERVISOR:
        raise Forbidden("only a supervisor can retry a failed message")
    row = outbound_message(rt.sessions, outbox_id)
    if row is None or (participant is not None and row.participant_id != participant):
        raise NotFound(f"no outbound message {outbox_id}")
    reason = retryable_reason(row)
    if reason:
        raise Conflict(reason)
    raw = rt.redis.hget(rt.keys.outbox_failed(row.participant_id), outbox_id)
    if raw is None:
        raise Conflict("the failed message's details have expired; write to her again")
    again = dataclasses.replace(
        OutboundMessage.from_json(raw),
        id="out_" + uuid.uuid4().hex,
        created_at=datetime.now(UTC).isoformat(),
    )
    try:
        record_retry(rt.sessions, row, again.id)
    except AlreadyRetried as exc:
        raise Conflict("the message was retried already") from exc
    try:
        rt.outbox.enqueue(again.participant, [again.to_json()])
    except Exception:
        forget_outbound(rt.sessions, again.id)  # nothing queued: no half-done retry
        raise
    rt.redis.hdel(rt.keys.outbox_failed(row.participant_id), outbox_id)
    log.info("%s retried %s as %s", worker.email, outbox_id, again.id)
    return again
