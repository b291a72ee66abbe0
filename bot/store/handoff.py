"""The SQL side of handoff: every ticket transition, case notes, ratings, and the claim waits
that estimate her wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.orm import (
    Session,
    sessionmaker,
)

from bot.store.models import HandoffEvent, HandoffNote, HandoffRating, Message, as_utc


def record_handoff_events(
    sessions: sessionmaker[Session], events: list[dict[str, str | None]]
) -> None:
    """Append ticket transitions (dicts with ticket_id, participant_id, status, priority,
    case_worker) to the history."""
    if not events:
        return
    with sessions() as session:
        session.add_all(HandoffEvent(**event) for event in events)
        session.commit()


def add_note(sessions: sessionmaker[Session], ticket_id: str, author: str, text_: str) -> None:
    with sessions() as session:
        session.add(HandoffNote(ticket_id=ticket_id, author=author, text=text_))
        session.commit()


def notes(sessions: sessionmaker[Session], ticket_id: str) -> list[HandoffNote]:
    with sessions() as session:
        return list(
            session.scalars(
                select(HandoffNote)
                .where(HandoffNote.ticket_id == ticket_id)
                .order_by(HandoffNote.id)
            )
        )


def recent_claim_waits(sessions: sessionmaker[Session], limit: int = 20) -> list[float]:
    """Seconds between joining the line and being claimed, for the latest claimed tickets."""
    with sessions() as session:
        claims = session.execute(
            select(HandoffEvent.ticket_id, HandoffEvent.at)
            .where(HandoffEvent.status == "claimed")
            .order_by(HandoffEvent.id.desc())
            .limit(limit)
        ).all()
        waits = []
        for ticket_id, claimed_at in claims:
            joined = session.scalar(
                select(HandoffEvent.at)
                .where(HandoffEvent.ticket_id == ticket_id, HandoffEvent.status == "waiting")
                .order_by(HandoffEvent.id)
                .limit(1)
            )
            if joined is not None:
                waits.append((as_utc(claimed_at) - as_utc(joined)).total_seconds())
    return waits


def record_rating(
    sessions: sessionmaker[Session], ticket_id: str, participant_id: str, rating: int
) -> None:
    """Her rating of a ticket (once; a second answer replaces nothing)."""
    with sessions() as session:
        if session.scalar(select(HandoffRating.id).where(HandoffRating.ticket_id == ticket_id)):
            return
        session.add(
            HandoffRating(ticket_id=ticket_id, participant_id=participant_id, rating=rating)
        )
        session.commit()


def ratings(sessions: sessionmaker[Session], participant_id: str) -> list[int]:
    with sessions() as session:
        return list(
            session.scalars(
                select(HandoffRating.rating)
                .where(HandoffRating.participant_id == participant_id)
                .order_by(HandoffRating.id)
            )
        )


def handoff_events(sessions: sessionmaker[Session], participant_id: str) -> list[HandoffEvent]:
    """Every handoff event of one participant, oldest first (her history with case workers)."""
    with sessions() as session:
        return list(
            session.scalars(
                select(HandoffEvent)
                .where(HandoffEvent.participant_id == participant_id)
                .order_by(HandoffEvent.id)
            )
        )


@dataclass(frozen=True)
class OpenInHistory:
    """A ticket the history says is still open (its latest transition is not a closing one)."""

    ticket_id: str
    participant_id: str
    priority: str
    status: str
    joined_at: datetime  # when it first waited
    last_at: datetime


def open_tickets_in_history(
    sessions: sessionmaker[Session], closing: set[str], since: datetime
) -> list[OpenInHistory]:
    """Tickets with a transition after `since` whose latest transition is not in `closing`."""
    with sessions() as session:
        latest = (
            select(HandoffEvent.ticket_id, func.max(HandoffEvent.id).label("last_id"))
            .group_by(HandoffEvent.ticket_id)
            .subquery()
        )
        rows = session.execute(
            select(HandoffEvent)
            .join(latest, HandoffEvent.id == latest.c.last_id)
            .where(HandoffEvent.at >= since, HandoffEvent.status.not_in(closing))
        ).scalars()
        found = []
        for row in rows:
            joined = session.scalar(
                select(func.min(HandoffEvent.at)).where(HandoffEvent.ticket_id == row.ticket_id)
            )
            found.append(
                OpenInHistory(
                    ticket_id=row.ticket_id,
                    participant_id=row.participant_id,
                    priority=row.priority,
                    status=row.status,
                    joined_at=as_utc(joined or row.at),
                    last_at=as_utc(row.at),
                )
            )
        return found


def last_channel(sessions: sessionmaker[Session], participant_id: str) -> str | None:
    """The channel of her latest message in the transcript, if any."""
    with sessions() as session:
        return session.scalar(
            select(Message.channel)
            .where(Message.participant_id == participant_id)
            .order_by(Message.id.desc())
            .limit(1)
        )


def ratings_by_ticket(sessions: sessionmaker[Session], participant_id: str) -> dict[str, int]:
    """Her 1-5 rating of each ticket she rated."""
    with sessions() as session:
        rows = session.execute(
            select(HandoffRating.ticket_id, HandoffRating.rating).where(
                HandoffRating.participant_id == participant_id
            )
        ).all()
    return {ticket_id: rating for ticket_id, rating in rows}


def notes_on(sessions: sessionmaker[Session], ticket_ids: set[str]) -> dict[str, list[HandoffNote]]:
    """The notes of several tickets, oldest first (her case page)."""
    if not ticket_ids:
        return {}
    with sessions() as session:
        found: dict[str, list[HandoffNote]] = {}
        for note in session.scalars(
            select(HandoffNote)
            .where(HandoffNote.ticket_id.in_(ticket_ids))
            .order_by(HandoffNote.id)
        ):
            found.setdefault(note.ticket_id, []).append(note)
    return found
