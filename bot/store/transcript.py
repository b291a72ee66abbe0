"""The transcript: her messages and ours, idempotent by Twilio's MessageSid (inbound) and the
outbox id (outbound), because the queues deliver at least once; delivery statuses (forward
only), supervisor retries, the retention purge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    delete,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import (
    Session,
    sessionmaker,
)

from bot.store.engine import delete_count
from bot.store.models import IN, OUT, STATUS_ORDER, HandoffNote, Message, as_utc
from bot.store.participants import touch_participant


def record_inbound(
    sessions: sessionmaker[Session],
    participant_id: str,
    channel: str,
    text_: str,
    twilio_sid: str,
    num_media: int = 0,
    understood: Understood | None = None,
) -> bool:
    """Store an inbound message once per MessageSid. False when it was stored already.
    `understood`: what the dialogue made of it (after consent only; None: not asked)."""
    with sessions() as session:
        if session.scalar(select(Message.id).where(Message.twilio_sid == twilio_sid)):
            return False
        participant = touch_participant(session, participant_id, channel)
        session.add(
            Message(
                participant=participant,
                direction=IN,
                channel=channel,
                text=text_,
                twilio_sid=twilio_sid,
                status="received",
                num_media=num_media,
                **(understood.columns() if understood else {}),
            )
        )
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            if session.scalar(select(Message.id).where(Message.twilio_sid == twilio_sid)):
                return False  # another worker stored the same MessageSid first
            raise
    return True


@dataclass(frozen=True)
class Understood:
    """What the dialogue understood of one of her messages: the NLU's intent and confidence,
    and whether she was answered with a "not understood" (issue 15: the topics report)."""

    intent: str
    confidence: float
    fallback: bool

    def columns(self) -> dict[str, str | float | bool]:
        return {
            "intent": self.intent[:64],
            "intent_confidence": self.confidence,
            "fallback": self.fallback,
        }


def record_understanding(
    sessions: sessionmaker[Session], twilio_sid: str, understood: Understood
) -> bool:
    """Add what the dialogue understood to her stored message (stored before it was asked,
    when a person needed it first). False: no such message (not stored, or erased)."""
    with sessions() as session:
        done = session.execute(
            update(Message)
            .where(Message.twilio_sid == twilio_sid, Message.direction == IN)
            .values(**understood.columns())
        )
        session.commit()
    return bool(done.rowcount)  # type: ignore[attr-defined]


def intents_of(sessions: sessionmaker[Session], participant_id: str) -> dict[str, int]:
    """How many of her messages the dialogue understood as each intent (fallbacks left out)."""
    with sessions() as session:
        rows = session.execute(
            select(Message.intent, func.count(Message.id))
            .where(
                Message.participant_id == participant_id,
                Message.direction == IN,
                Message.intent.is_not(None),
                Message.fallback.is_not(True),
            )
            .group_by(Message.intent)
        ).all()
    return {str(intent): int(count) for intent, count in rows}


def record_outbound(
    sessions: sessionmaker[Session],
    participant_id: str,
    channel: str,
    text_: str,
    outbox_id: str,
    status: str,
    twilio_sid: str | None = None,
    error_code: int | None = None,
) -> None:
    """Store (or update) the row of one outbox entry; its status never moves backwards."""
    with sessions() as session:
        message = session.scalar(select(Message).where(Message.outbox_id == outbox_id))
        if message is None:
            message = Message(
                participant=touch_participant(session, participant_id, channel),
                direction=OUT,
                channel=channel,
                text=text_,
                outbox_id=outbox_id,
                status=status,
            )
            session.add(message)
        elif STATUS_ORDER.get(status, 0) < STATUS_ORDER.get(message.status, 0):
            status = message.status
        message.status = status
        if twilio_sid:
            message.twilio_sid = twilio_sid
        if error_code is not None:
            message.error_code = error_code
        session.commit()


def transcript(sessions: sessionmaker[Session], participant_id: str) -> list[Message]:
    with sessions() as session:
        return list(
            session.scalars(
                select(Message)
                .where(Message.participant_id == participant_id)
                .order_by(Message.created_at, Message.id)
            )
        )


def last_inbound_at(sessions: sessionmaker[Session], participant_id: str) -> datetime | None:
    with sessions() as session:
        moment = session.scalar(
            select(Message.created_at)
            .where(Message.participant_id == participant_id, Message.direction == IN)
            .order_by(Message.created_at.desc())
            .limit(1)
        )
    return None if moment is None else as_utc(moment)


def purge_transcripts(sessions: sessionmaker[Session], older_than: datetime) -> dict[str, int]:
    """The retention job: messages and case notes older than `older_than` are deleted."""
    with sessions() as session:
        removed = {
            "messages": delete_count(
                session, delete(Message).where(Message.created_at < older_than)
            ),
            "handoff_notes": delete_count(
                session, delete(HandoffNote).where(HandoffNote.at < older_than)
            ),
        }
        session.commit()
    return removed


class AlreadyRetried(Exception):
    """This failed message was retried already (one retry per failed message)."""


def outbound_message(sessions: sessionmaker[Session], outbox_id: str) -> Message | None:
    with sessions() as session:
        return session.scalar(
            select(Message).where(Message.outbox_id == outbox_id, Message.direction == OUT)
        )


def _outbound_row(session: Session, outbox_id: str, twilio_sid: str) -> Message | None:
    row = None
    if outbox_id:
        row = session.scalar(
            select(Message).where(Message.outbox_id == outbox_id, Message.direction == OUT)
        )
    if row is None and twilio_sid:
        row = session.scalar(
            select(Message).where(Message.twilio_sid == twilio_sid, Message.direction == OUT)
        )
    return row


def update_outbound_status(
    sessions: sessionmaker[Session],
    status: str,
    twilio_sid: str,
    outbox_id: str = "",
    error_code: int | None = None,
) -> Message | None:
    """Apply what Twilio says about one of our messages (by outbox id, else by Twilio SID).

    The status never moves backwards (callbacks arrive in any order). Exception: a row that
    has no Twilio SID yet holds only our own verdict (e.g. "failed" after an uncertain last
    attempt), so Twilio's first word about it wins. None: no such message."""
    with sessions() as session:
        row = _outbound_row(session, outbox_id, twilio_sid)
        if row is None:
            return None
        if row.twilio_sid and twilio_sid and row.twilio_sid != twilio_sid:
            return row  # another Twilio message claims to be this entry: keep the one we know
        first_word = row.twilio_sid is None
        if first_word or STATUS_ORDER.get(status, 0) > STATUS_ORDER.get(row.status, 0):
            row.status = status
            row.twilio_sid = row.twilio_sid or twilio_sid or None
            if error_code is not None:
                row.error_code = error_code
            session.commit()
        return row


def record_retry(sessions: sessionmaker[Session], original: Message, new_outbox_id: str) -> None:
    """The row of a supervisor's resend ("pending" until the outbox sends it), linked to the
    failed original. Raises AlreadyRetried if the original was retried before."""
    with sessions() as session:
        session.add(
            Message(
                participant_id=original.participant_id,
                direction=OUT,
                channel=original.channel,
                text=original.text,
                outbox_id=new_outbox_id,
                status="pending",
                retry_of=original.outbox_id,
            )
        )
        try:
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            raise AlreadyRetried(original.outbox_id) from exc


def forget_outbound(sessions: sessionmaker[Session], outbox_id: str) -> None:
    """Remove a row that never went anywhere (a retry whose enqueue failed)."""
    with sessions() as session:
        session.execute(delete(Message).where(Message.outbox_id == outbox_id))
        session.commit()
