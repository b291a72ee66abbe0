"""SQL storage (SQLAlchemy 2): participants and the transcript of their messages.

The same code runs on SQLite (the embedded default) and PostgreSQL. Writes are idempotent by
Twilio's MessageSid (inbound) and the outbox id (outbound), because the queues deliver at least
once: a redelivered message must not appear twice in a transcript.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    func,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    sessionmaker,
)
from sqlalchemy.sql.dml import Delete

IN = "in"
OUT = "out"

# Outbound status, in the order Twilio moves through it; a status never moves backwards.
STATUS_ORDER = {
    "received": 0,
    "pending": 0,
    "queued": 1,
    "accepted": 1,
    "sending": 2,
    "sent": 3,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,  # a scheduled send that was called off (final)
    "delivered": 5,
    "read": 6,
    "suppressed": 7,  # not sent: she had opted out (final)
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Participant(Base):
    __tablename__ = "participants"

    # Keyed hash of her number (bot.core.identity): the pseudonymous id used everywhere else.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # the channel she last wrote on
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Set when she opted out (keyword, or Twilio's 21610): nothing proactive goes to her.
    opted_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Ley 1581: the version of the privacy notice she accepted, and when. None: not (yet).
    consent_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    consented_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    messages: Mapped[list[Message]] = relationship(
        back_populates="participant", cascade="all, delete-orphan", passive_deletes=True
    )


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    participant_id: Mapped[str] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(String(3))  # "in" or "out"
    channel: Mapped[str] = mapped_column(String(16))
    # What she wrote or what we answered: sensitive, purged after the retention period.
    text: Mapped[str] = mapped_column(Text, default="", info={"sensitive": True})
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    twilio_sid: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    outbox_id: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="received")
    error_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    num_media: Mapped[int] = mapped_column(Integer, default=0)
    # A supervisor's resend of a failed message: the outbox id of the one it repeats (once).
    retry_of: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)

    participant: Mapped[Participant] = relationship(back_populates="messages")

    __table_args__ = (Index("ix_messages_participant_created", "participant_id", "created_at"),)


class ReminderSubscription(Base):
    """She asked to be reminded before a scholarship call closes (bot/reminders/job.py)."""

    __tablename__ = "reminder_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    participant_id: Mapped[str] = mapped_column(String(64), index=True)
    scholarship_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # When the reminder job decided about it (once), and what: "queued" (in the outbox), or
    # why not: "opted_out", "no_consent", "no_address", "expired". None: not decided yet.
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reminder_outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)

    __table_args__ = (
        UniqueConstraint("participant_id", "scholarship_id", name="uq_reminder_subscription"),
    )


class HandoffEvent(Base):
    """Every state change of a handoff ticket, for history and reporting."""

    __tablename__ = "handoff_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[str] = mapped_column(String(64), index=True)
    participant_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))  # waiting, claimed, expired, resolved…
    priority: Mapped[str] = mapped_column(String(16))
    case_worker: Mapped[str | None] = mapped_column(String(120), nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HandoffNote(Base):
    """An internal note on a ticket: case workers only, never sent to her."""

    __tablename__ = "handoff_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[str] = mapped_column(String(64), index=True)
    author: Mapped[str] = mapped_column(String(254))
    text: Mapped[str] = mapped_column(Text, info={"sensitive": True})
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HandoffRating(Base):
    """Her 1-5 rating of the help she got from a case worker."""

    __tablename__ = "handoff_ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[str] = mapped_column(String(64), unique=True)
    participant_id: Mapped[str] = mapped_column(String(64), index=True)
    rating: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ErasureAudit(Base):
    """That an erasure happened, and how much it removed: no personal data, not even her id."""

    __tablename__ = "erasure_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reason: Mapped[str] = mapped_column(String(32))  # "participant_request"
    # Rows and keys removed per store, as JSON: {"messages": 12, "redis_keys": 4, ...}
    removed: Mapped[str] = mapped_column(Text)


class CaseWorker(Base):
    """A person who answers participants from the console or the API."""

    __tablename__ = "case_workers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))  # "case_worker" or "supervisor"
    password_hash: Mapped[str] = mapped_column(String(255))
    # SHA-256 of the API token (the token itself is shown once and never stored).
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def make_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        if str(path) not in ("", ":memory:"):
            path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(database_url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        # Several processes share the file: wait for locks instead of failing, keep FKs on.
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; no fsync per commit
            cursor.close()

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


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


def record_inbound(
    session_factory: sessionmaker[Session],
    participant_id: str,
    channel: str,
    text_: str,
    twilio_sid: str,
    num_media: int = 0,
) -> bool:
    """Store an inbound message once per MessageSid. False when it was stored already."""
    with session_factory() as session:
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


def record_outbound(
    session_factory: sessionmaker[Session],
    participant_id: str,
    channel: str,
    text_: str,
    outbox_id: str,
    status: str,
    twilio_sid: str | None = None,
    error_code: int | None = None,
) -> None:
    """Store (or update) the row of one outbox entry; its status never moves backwards."""
    with session_factory() as session:
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


def transcript(session_factory: sessionmaker[Session], participant_id: str) -> list[Message]:
    with session_factory() as session:
        return list(
            session.scalars(
                select(Message)
                .where(Message.participant_id == participant_id)
                .order_by(Message.created_at, Message.id)
            )
        )


def subscribe_reminders(
    session_factory: sessionmaker[Session], participant_id: str, scholarship_ids: list[str]
) -> int:
    """Subscribe her to reminders for these calls (again is harmless). Returns how many new."""
    added = 0
    with session_factory() as session:
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
    session_factory: sessionmaker[Session], participant_id: str
) -> list[str]:
    with session_factory() as session:
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
            created_at=_aware(row[3]),
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


def record_handoff_events(
    session_factory: sessionmaker[Session], events: list[dict[str, str | None]]
) -> None:
    """Append ticket transitions (dicts with ticket_id, participant_id, status, priority,
    case_worker) to the history."""
    if not events:
        return
    with session_factory() as session:
        session.add_all(HandoffEvent(**event) for event in events)
        session.commit()


def handoff_history(session_factory: sessionmaker[Session], ticket_id: str) -> list[str]:
    with session_factory() as session:
        return list(
            session.scalars(
                select(HandoffEvent.status)
                .where(HandoffEvent.ticket_id == ticket_id)
                .order_by(HandoffEvent.id)
            )
        )


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
                waits.append((_aware(claimed_at) - _aware(joined)).total_seconds())
    return waits


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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


def last_inbound_at(sessions: sessionmaker[Session], participant_id: str) -> datetime | None:
    with sessions() as session:
        moment = session.scalar(
            select(Message.created_at)
            .where(Message.participant_id == participant_id, Message.direction == IN)
            .order_by(Message.created_at.desc())
            .limit(1)
        )
    return None if moment is None else _aware(moment)


def handoff_history_for(sessions: sessionmaker[Session], participant_id: str) -> list[HandoffEvent]:
    """Every handoff event of one participant, oldest first (her history with case workers)."""
    with sessions() as session:
        return list(
            session.scalars(
                select(HandoffEvent)
                .where(HandoffEvent.participant_id == participant_id)
                .order_by(HandoffEvent.id)
            )
        )


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


# --- consent and data rights (Ley 1581 de 2012) ---------------------------------------------
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
            consented_at=participant.consented_at and _aware(participant.consented_at),
            opted_out=participant.opted_out_at is not None,
            messages=int(count_messages),
            first_message_at=first and _aware(first),
            reminders=_count(session, ReminderSubscription, participant_id),
            handoffs=len(_ticket_ids(session, participant_id)),
            ratings=_count(session, HandoffRating, participant_id),
        )


def _count(session: Session, model: type[Base], participant_id: str) -> int:
    column = model.participant_id  # type: ignore[attr-defined]
    return int(session.scalar(select(func.count()).where(column == participant_id)) or 0)


def _ticket_ids(session: Session, participant_id: str) -> set[str]:
    return set(
        session.scalars(
            select(HandoffEvent.ticket_id).where(HandoffEvent.participant_id == participant_id)
        )
    )


def ticket_ids_of(sessions: sessionmaker[Session], participant_id: str) -> set[str]:
    with sessions() as session:
        return _ticket_ids(session, participant_id)


def erase_participant(sessions: sessionmaker[Session], participant_id: str) -> dict[str, int]:
    """Delete every row about her, in one transaction; returns how many rows per table.

    Handoff notes hang on her tickets (they carry no participant id), so they go by ticket."""
    removed: dict[str, int] = {}
    with sessions() as session:
        tickets = _ticket_ids(session, participant_id)
        if tickets:
            removed["handoff_notes"] = _deleted(
                session, delete(HandoffNote).where(HandoffNote.ticket_id.in_(tickets))
            )
        for model in (Message, ReminderSubscription, HandoffEvent, HandoffRating):
            removed[model.__tablename__] = _deleted(
                session, delete(model).where(model.participant_id == participant_id)
            )
        removed["participants"] = _deleted(
            session, delete(Participant).where(Participant.id == participant_id)
        )
        session.commit()
    return removed


def _deleted(session: Session, statement: Delete) -> int:
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]


def record_erasure(sessions: sessionmaker[Session], removed: dict[str, int]) -> None:
    with sessions() as session:
        session.add(
            ErasureAudit(reason="participant_request", removed=json.dumps(removed, sort_keys=True))
        )
        session.commit()


def erasure_audit(sessions: sessionmaker[Session]) -> list[ErasureAudit]:
    with sessions() as session:
        return list(session.scalars(select(ErasureAudit).order_by(ErasureAudit.id)))


def purge_transcripts(sessions: sessionmaker[Session], older_than: datetime) -> dict[str, int]:
    """The retention job: messages and case notes older than `older_than` are deleted."""
    with sessions() as session:
        removed = {
            "messages": _deleted(session, delete(Message).where(Message.created_at < older_than)),
            "handoff_notes": _deleted(
                session, delete(HandoffNote).where(HandoffNote.at < older_than)
            ),
        }
        session.commit()
    return removed


def sensitive_columns() -> list[str]:
    """Columns marked sensitive (free text she or a case worker wrote): "table.column"."""
    return sorted(
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if column.info.get("sensitive")
    )


# --- delivery fidelity: status callbacks and supervisor retries (bot/outbound/delivery.py) ---
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
