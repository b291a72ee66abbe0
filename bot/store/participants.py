"""Participants: consent to the notice (Ley 1581), opt-out, what is stored about her, erasure
and its audit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    delete,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import (
    Session,
    sessionmaker,
)

from bot.store.engine import delete_count
from bot.store.models import (
    HER_ROWS,
    HER_TICKETS_ROWS,
    Base,
    ErasureAudit,
    HandoffEvent,
    HandoffRating,
    Message,
    Participant,
    ReminderSubscription,
    SenderAlias,
    as_utc,
    utcnow,
)


def touch_participant(session: Session, participant_id: str, channel: str) -> Participant:
    """Create her row on first contact; otherwise update the channel and last-seen time."""
    participant = session.get(Participant, participant_id)
    now = utcnow()
    if participant is None:
        participant = Participant(id=participant_id, channel=channel, first_seen=now, last_seen=now)
        session.add(participant)
    else:
        participant.channel = channel
        participant.last_seen = now
    return participant


def set_opted_out(
    sessions: sessionmaker[Session], participant_id: str, channel: str, opted_out: bool
) -> None:
    with sessions() as session:
        participant = touch_participant(session, participant_id, channel)
        participant.opted_out_at = utcnow() if opted_out else None
        session.commit()


def is_opted_out(sessions: sessionmaker[Session], participant_id: str) -> bool:
    with sessions() as session:
        return bool(
            session.scalar(select(Participant.opted_out_at).where(Participant.id == participant_id))
        )


def record_consent(
    sessions: sessionmaker[Session], participant_id: str, channel: str, version: str
) -> None:
    """She accepted this version of the privacy notice, now. Her row exists from here on."""
    with sessions() as session:
        participant = touch_participant(session, participant_id, channel)
        participant.consent_version = version
        participant.consented_at = utcnow()
        session.commit()


def consent_and_opt_out(
    sessions: sessionmaker[Session], participant_id: str
) -> tuple[str | None, bool]:
    """Her accepted notice version (None: none) and whether she opted out, in one query: the
    worker needs both for every message."""
    with sessions() as session:
        row = session.execute(
            select(Participant.consent_version, Participant.opted_out_at).where(
                Participant.id == participant_id
            )
        ).first()
    return (None, False) if row is None else (row[0], row[1] is not None)


def consent_version(sessions: sessionmaker[Session], participant_id: str) -> str | None:
    """The notice version she accepted, or None (never, or erased)."""
    with sessions() as session:
        return session.scalar(
            select(Participant.consent_version).where(Participant.id == participant_id)
        )


@dataclass(frozen=True)
class StoredAbout:
    """What the database holds about one participant (what "MIS DATOS" tells her)."""

    exists: bool
    consent_version: str | None = None
    consented_at: datetime | None = None
    opted_out: bool = False
    messages: int = 0
    first_message_at: datetime | None = None
    reminders: int = 0
    handoffs: int = 0
    ratings: int = 0


def stored_about(sessions: sessionmaker[Session], participant_id: str) -> StoredAbout:
    with sessions() as session:
        participant = session.get(Participant, participant_id)
        if participant is None:
            return StoredAbout(exists=False)
        count_messages, first = session.execute(
            select(func.count(Message.id), func.min(Message.created_at)).where(
                Message.participant_id == participant_id
            )
        ).one()
        return StoredAbout(
            exists=True,
            consent_version=participant.consent_version,
            consented_at=participant.consented_at and as_utc(participant.consented_at),
            opted_out=participant.opted_out_at is not None,
            messages=int(count_messages),
            first_message_at=first and as_utc(first),
            reminders=_count(session, ReminderSubscription, participant_id),
            handoffs=len(_ticket_ids(session, participant_id)),
            ratings=_count(session, HandoffRating, participant_id),
        )


def _count(session: Session, model: type[Base], participant_id: str) -> int:
    column = model.participant_id  # type: ignore[attr-defined]
    return int(session.scalar(select(func.count()).where(column == participant_id)) or 0)


def _ticket_ids(session: Session, participant_id: str) -> set[str]:
    query = select(HandoffEvent.ticket_id).where(HandoffEvent.participant_id == participant_id)
    return set(session.scalars(query))


def ticket_ids_of(sessions: sessionmaker[Session], participant_id: str) -> set[str]:
    """Every ticket she ever had (the Redis side of erasure needs them)."""
    with sessions() as session:
        return _ticket_ids(session, participant_id)


def erase_participant(sessions: sessionmaker[Session], participant_id: str) -> dict[str, int]:
    """Delete every row about her, in one transaction; returns how many rows per table.

    Handoff notes hang on her tickets (they carry no participant id), so they go by ticket."""
    removed: dict[str, int] = {}
    with sessions() as session:
        tickets = _ticket_ids(session, participant_id)
        for by_ticket in HER_TICKETS_ROWS:
            removed[by_ticket.__tablename__] = delete_count(
                session, delete(by_ticket).where(by_ticket.ticket_id.in_(tickets))
            ) if tickets else 0
        for model in HER_ROWS:
            removed[model.__tablename__] = delete_count(
                session, delete(model).where(model.participant_id == participant_id)
            )
        removed["participants"] = delete_count(
            session, delete(Participant).where(Participant.id == participant_id)
        )
        session.commit()
    return removed


def record_erasure(sessions: sessionmaker[Session], removed: dict[str, int]) -> None:
    with sessions() as session:
        session.add(
            ErasureAudit(reason="participant_request", removed=json.dumps(removed, sort_keys=True))
        )
        session.commit()


def erasure_audit(sessions: sessionmaker[Session]) -> list[ErasureAudit]:
    with sessions() as session:
        return list(session.scalars(select(ErasureAudit).order_by(ErasureAudit.id)))


def sensitive_columns() -> list[str]:
    """Columns marked sensitive (free text she or a case worker wrote): "table.column"."""
    return sorted(
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if column.info.get("sensitive")
    )


def link_alias(sessions: sessionmaker[Session], alias_id: str, participant_id: str) -> None:
    """Link her WhatsApp user id (hashed) to her participant id; the latest link wins."""
    with sessions() as session:
        row = session.get(SenderAlias, alias_id)
        if row is None:
            session.add(SenderAlias(alias_id=alias_id, participant_id=participant_id))
        elif row.participant_id == participant_id:
            return
        else:
            row.participant_id = participant_id
        try:
            session.commit()
        except IntegrityError:
            session.rollback()  # linked by another worker at the same moment


def participant_of_alias(sessions: sessionmaker[Session], alias_id: str) -> str | None:
    with sessions() as session:
        return session.scalar(
            select(SenderAlias.participant_id).where(SenderAlias.alias_id == alias_id)
        )
