"""Scholarship reminder subscriptions and the decision taken on each (bot/reminders/).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    select,
    update,
)
from sqlalchemy.orm import (
    Session,
    sessionmaker,
)

from bot.store.models import Participant, ReminderSubscription, as_utc


def subscribe_reminders(
    sessions: sessionmaker[Session], participant_id: str, scholarship_ids: list[str]
) -> int:
    """Subscribe her to reminders for these calls (again is harmless). Returns how many new."""
    added = 0
    with sessions() as session:
        existing = set(
            session.scalars(
                select(ReminderSubscription.scholarship_id).where(
                    ReminderSubscription.participant_id == participant_id
                )
            )
        )
        for scholarship_id in scholarship_ids:
            if scholarship_id not in existing:
                session.add(
                    ReminderSubscription(
                        participant_id=participant_id, scholarship_id=scholarship_id
                    )
                )
                added += 1
        session.commit()
    return added


def reminder_subscriptions(
    sessions: sessionmaker[Session], participant_id: str
) -> list[str]:
    with sessions() as session:
        return list(
            session.scalars(
                select(ReminderSubscription.scholarship_id)
                .where(ReminderSubscription.participant_id == participant_id)
                .order_by(ReminderSubscription.id)
            )
        )


@dataclass(frozen=True)
class PendingReminder:
    """A subscription the reminder job has not decided about, with what it needs of her."""

    id: int
    participant_id: str
    scholarship_id: str
    created_at: datetime
    consent_version: str | None
    opted_out: bool


def pending_reminders(
    sessions: sessionmaker[Session], scholarship_ids: list[str]
) -> list[PendingReminder]:
    """Undecided subscriptions to these calls (her row may be missing: then no consent)."""
    if not scholarship_ids:
        return []
    with sessions() as session:
        rows = session.execute(
            select(
                ReminderSubscription.id,
                ReminderSubscription.participant_id,
                ReminderSubscription.scholarship_id,
                ReminderSubscription.created_at,
                Participant.consent_version,
                Participant.opted_out_at,
            )
            .outerjoin(Participant, Participant.id == ReminderSubscription.participant_id)
            .where(
                ReminderSubscription.reminded_at.is_(None),
                ReminderSubscription.scholarship_id.in_(scholarship_ids),
            )
            .order_by(ReminderSubscription.id)
        ).all()
    return [
        PendingReminder(
            id=row[0],
            participant_id=row[1],
            scholarship_id=row[2],
            created_at=as_utc(row[3]),
            consent_version=row[4],
            opted_out=row[5] is not None,
        )
        for row in rows
    ]


def decide_reminder(
    sessions: sessionmaker[Session], subscription_id: int, outcome: str, at: datetime
) -> bool:
    """Record the job's decision about one subscription, once: False if already decided."""
    with sessions() as session:
        done = session.execute(
            update(ReminderSubscription)
            .where(
                ReminderSubscription.id == subscription_id,
                ReminderSubscription.reminded_at.is_(None),
            )
            .values(reminded_at=at, reminder_outcome=outcome)
        )
        session.commit()
    return bool(done.rowcount)  # type: ignore[attr-defined]


def reminder_outcomes(
    sessions: sessionmaker[Session], participant_id: str
) -> dict[str, str | None]:
    """scholarship id -> the job's decision (None: pending), for one participant."""
    with sessions() as session:
        rows = session.execute(
            select(
                ReminderSubscription.scholarship_id, ReminderSubscription.reminder_outcome
            ).where(ReminderSubscription.participant_id == participant_id)
        ).all()
    return {scholarship: outcome for scholarship, outcome in rows}
