"""SQL models (SQLAlchemy 2): participants, the transcript, reminders, handoff history,
notes, ratings, case workers and the erasure audit. Columns holding free text she or a case
worker wrote are marked `info={"sensitive": True}`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    mapped_column,
    relationship,
)

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
    # What the dialogue understood of an inbound message (after consent only; issue 15): the
    # NLU's intent and confidence, and whether the answer was "not understood". For reports.
    intent: Mapped[str | None] = mapped_column(String(64), nullable=True)
    intent_confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    fallback: Mapped[bool | None] = mapped_column(nullable=True)
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
    role: Mapped[str] = mapped_column(String(16))  # bot.handoff.accounts.ROLES
    password_hash: Mapped[str] = mapped_column(String(255))
    # SHA-256 of the API token (the token itself is shown once and never stored).
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands datetimes back without a timezone; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# What is about one participant, for erasure (bot/store/participants.py) and MIS DATOS. A new
# table must be listed in exactly one of these (tests/integration/test_keys.py checks every model).
class SenderAlias(Base):
    """Her WhatsApp user id (as a keyed hash, like her number) linked to her participant id:
    written when one message of hers carried both (and only once she accepted the notice), so
    a later message under the user id alone is still hers (bot/privacy/senders.py)."""

    __tablename__ = "sender_aliases"

    alias_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    participant_id: Mapped[str] = mapped_column(String(64), index=True)
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Outcome(Base):
    """A programme result for one participant (content/outcomes.yml names the kinds), recorded
    by a case worker from her ticket: what happened, on which day, who recorded it."""

    __tablename__ = "outcomes"
    __table_args__ = (Index("ix_outcomes_kind_on", "kind", "happened_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    participant_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    happened_on: Mapped[date] = mapped_column(Date)
    ticket_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(254))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(254), nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ContentFile(Base):
    """A file of content/ as developers review it in git: its header comment and its sections
    (order, shape, leading comment), so `almas content export` writes the same file back."""

    __tablename__ = "content_files"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    layout: Mapped[str] = mapped_column(Text)  # JSON (bot/content/documents.py)


class ContentItem(Base):
    """One item of content: a course, a scholarship, a support line, a response, a system
    text, or a whole small section (credit, programme, privacy). Its text lives in versions;
    `live_version_id` is the one participants read (None: not published, or unpublished)."""

    __tablename__ = "content_items"
    __table_args__ = (UniqueConstraint("section", "key", name="uq_content_items_section_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file: Mapped[str] = mapped_column(String(64))
    section: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(128))
    position: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    live_version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    unpublish_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ContentVersion(Base):
    """A version of an item: its YAML, who wrote it, and where it is in draft -> review ->
    published (or superseded by a later one, or discarded)."""

    __tablename__ = "content_versions"
    __table_args__ = (UniqueConstraint("item_id", "number", name="uq_content_versions_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("content_items.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # bot.publishing.workflow.STATUSES
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_by: Mapped[str | None] = mapped_column(String(254), nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    publish_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    published_by: Mapped[str | None] = mapped_column(String(254), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ContentAudit(Base):
    """Every change to what participants read: publish, schedule, unpublish, approve,
    import, revert — who, when, which item and version."""

    __tablename__ = "content_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="")


class ReviewedMessage(Base):
    """An editor's decision on a message of hers the assistant did not understand (the
    review page): an intent it should have been (exported to nlu/ for the next training), a
    new topic for the programme, or nothing to do. Hers: erased with her."""

    __tablename__ = "reviewed_messages"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    participant_id: Mapped[str] = mapped_column(String(64), index=True)
    decision: Mapped[str] = mapped_column(String(16))  # "intent", "new_topic", "dismissed"
    intent: Mapped[str | None] = mapped_column(String(64), nullable=True)
    topic: Mapped[str | None] = mapped_column(String(120), nullable=True)
    decided_by: Mapped[str] = mapped_column(String(254))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


HER_ROWS = (
    ReviewedMessage,  # before Message: its rows point at her messages
    Message,
    ReminderSubscription,
    HandoffEvent,
    HandoffRating,
    SenderAlias,
    Outcome,
)
# (HER_ROWS: by participant_id)
HER_TICKETS_ROWS = (HandoffNote,)  # by the ids of her tickets: they carry no participant id
# (the audits hold no id of hers; content is the programme's)
NOT_ABOUT_A_PARTICIPANT = (
    ErasureAudit,
    CaseWorker,
    ContentFile,
    ContentItem,
    ContentVersion,
    ContentAudit,
)


# Outbox ids of scholarship reminders start with this (bot/reminders/job.py), so the
# transcript tells them apart for the reports. In the LIKE pattern "_" matches any character:
# outbox ids are hex after "out_", so nothing else matches.
REMINDER_OUTBOX_PREFIX = "out_reminder_"
REMINDER_MESSAGES = text(f"outbox_id LIKE '{REMINDER_OUTBOX_PREFIX}%'")

# Indexes for the reports (bot/reports/queries.py; migration 0013). A period's messages are
# read from ix_messages_created_at alone on PostgreSQL (the columns the figures need are
# carried in it).
_REPORTED_MESSAGE_COLUMNS = (
    "participant_id", "direction", "channel", "intent", "fallback", "status", "error_code",
)  # fmt: skip
REPORT_INDEXES = (
    Index(
        "ix_messages_created_at",
        Message.created_at,
        postgresql_include=[*_REPORTED_MESSAGE_COLUMNS],
    ),
    Index(
        "ix_messages_reminders",
        Message.created_at,
        postgresql_include=["participant_id", "status", "channel"],
        postgresql_where=REMINDER_MESSAGES,
        sqlite_where=REMINDER_MESSAGES,
    ),
    Index("ix_handoff_events_status_at", HandoffEvent.status, HandoffEvent.at),
    Index("ix_participants_opted_out_at", Participant.opted_out_at),
    Index("ix_handoff_ratings_at", HandoffRating.at),
    Index("ix_reminder_subscriptions_created_at", ReminderSubscription.created_at),
    Index("ix_reminder_subscriptions_reminded_at", ReminderSubscription.reminded_at),
    Index("ix_erasure_audit_at", ErasureAudit.at),
)
