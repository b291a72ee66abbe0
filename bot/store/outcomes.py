"""Programme outcomes per participant (issue 15): what happened to her (a course, a diploma
validated, a microcredit…), on which day, who recorded it and who changed it last.

Only storage: who may record, change or remove one is decided in bot/handoff/outcomes.py, and
which kinds exist in content/outcomes.yml. Outcomes are hers (`HER_ROWS`): erasure removes them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.store.engine import delete_count
from bot.store.models import Outcome, utcnow


def add_outcome(
    sessions: sessionmaker[Session],
    participant_id: str,
    kind: str,
    happened_on: date,
    recorded_by: str,
    ticket_id: str | None = None,
) -> Outcome:
    with sessions() as session:
        outcome = Outcome(
            participant_id=participant_id,
            kind=kind,
            happened_on=happened_on,
            ticket_id=ticket_id,
            recorded_by=recorded_by,
            recorded_at=utcnow(),
        )
        session.add(outcome)
        session.commit()
        return outcome


def get_outcome(sessions: sessionmaker[Session], outcome_id: int) -> Outcome | None:
    with sessions() as session:
        return session.get(Outcome, outcome_id)


def outcomes_of(sessions: sessionmaker[Session], participant_id: str) -> list[Outcome]:
    """Her outcomes, in the order they happened (then as recorded)."""
    with sessions() as session:
        return list(
            session.scalars(
                select(Outcome)
                .where(Outcome.participant_id == participant_id)
                .order_by(Outcome.happened_on, Outcome.id)
            )
        )


def change_outcome(
    sessions: sessionmaker[Session], outcome_id: int, kind: str, happened_on: date, by: str
) -> Outcome | None:
    """Set the kind and the day of one outcome, noting who changed it and when. None: gone."""
    with sessions() as session:
        outcome = session.get(Outcome, outcome_id)
        if outcome is None:
            return None
        outcome.kind = kind
        outcome.happened_on = happened_on
        outcome.updated_by = by
        outcome.updated_at = utcnow()
        session.commit()
        return outcome


def remove_outcome(sessions: sessionmaker[Session], outcome_id: int) -> bool:
    """Delete one outcome; False when it was not there (any more)."""
    with sessions() as session:
        removed = delete_count(session, delete(Outcome).where(Outcome.id == outcome_id))
        session.commit()
    return removed > 0
