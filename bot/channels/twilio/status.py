"""Twilio's status callbacks (form POST to the StatusCallback URL, signed like the inbound
webhook): parsed into a StatusReport, or refused with the field that is wrong. Pure: no I/O.

Our StatusCallback URL carries `?outbox_id=…` so a callback finds its outbox entry even
before Twilio's answer to the send (with the sid) has been stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# What Twilio reports for an outbound message ("read": WhatsApp only). No callback comes for
# the initial queued/accepted, but they are valid values (the create answer uses them).
VALID_STATUSES = (
    "accepted",
    "queued",
    "sending",
    "sent",
    "delivered",
    "read",
    "undelivered",
    "failed",
    "canceled",
)
MAX_OUTBOX_ID = 64  # the column's width; anything longer is not ours


class InvalidStatusCallback(ValueError):
    """A signed status callback we cannot use; the text says which field is wrong."""


@dataclass(frozen=True)
class StatusReport:
    message_sid: str
    status: str
    error_code: int | None
    outbox_id: str  # "" when the callback URL had none
    to: str


def parse_status_callback(form: Mapping[str, str], args: Mapping[str, str]) -> StatusReport:
    """Twilio's status-callback form (+ our `outbox_id` query parameter) → StatusReport."""
    sid = (form.get("MessageSid") or form.get("SmsSid") or "").strip()
    if not sid:
        raise InvalidStatusCallback("MessageSid is missing")
    status = (form.get("MessageStatus") or form.get("SmsStatus") or "").strip().lower()
    if status not in VALID_STATUSES:
        raise InvalidStatusCallback(
            f"unknown MessageStatus {status!r}; valid: {', '.join(VALID_STATUSES)}"
        )
    raw_code = (form.get("ErrorCode") or "").strip()
    if raw_code and not raw_code.isdigit():
        raise InvalidStatusCallback(f"ErrorCode is not a number: {raw_code!r}")
    outbox_id = (args.get("outbox_id") or "").strip()
    if len(outbox_id) > MAX_OUTBOX_ID:
        raise InvalidStatusCallback("outbox_id is too long")
    return StatusReport(
        message_sid=sid,
        status=status,
        error_code=int(raw_code) if raw_code else None,
        outbox_id=outbox_id,
        to=(form.get("To") or "").strip(),
    )
