"""The report's SQL: every aggregate runs in the database (SQLite or PostgreSQL), over the
period's rows only, and comes back as a few rows — never the transcript itself. The one
exception is handoff tickets: one row per ticket opened in the period (its first times), because
medians are taken in Python the same way on both databases (`bot.reports.stats`).

Indexes used (bot/store/models.py REPORT_INDEXES, migration 0013): `messages(created_at) INCLUDE
(…)` for every figure about messages (PostgreSQL reads the index alone), its partial twin for
reminder messages, `messages(participant_id, created_at)` for a ticket's first reply,
`handoff_events(status, at)` for the tickets opened in the period, and the period columns of
the small tables. Which statements run at once, on which connection: `bot.reports.build.fetch`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Select,
    and_,
    case,
    distinct,
    func,
    literal,
    or_,
    select,
    text,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from bot.content.i18n import TIMEZONE
from bot.handoff.queue import ABANDONED, CLAIMED, RESOLVED, SUPERSEDED, URGENT, WAITING
from bot.reports.model import Filters
from bot.reports.period import DAY, Period
from bot.store.models import (
    IN,
    OUT,
    REMINDER_MESSAGES,
    ErasureAudit,
    HandoffEvent,
    HandoffRating,
    Message,
    Outcome,
    Participant,
    ReminderSubscription,
    as_utc,
)

# Outbound statuses (bot.store.models.STATUS_ORDER) grouped for reports.
TWILIO_TOOK = ("queued", "accepted", "sending", "sent", "delivered", "read", "undelivered")
DELIVERED = ("delivered", "read")
NOT_DELIVERED = ("failed", "undelivered")
SUPPRESSED = ("suppressed",)
CLOSED_UNRESOLVED = (ABANDONED, SUPERSEDED)


@dataclass(frozen=True)
class Scope:
    """The period and the filters, as SQL conditions."""

    period: Period
    filters: Filters

    def messages(self) -> list[ColumnElement[bool]]:
        """Messages of the period, on the filtered channel, of women in the filtered topic."""
        conditions = [
            Message.created_at >= self.period.start,
            Message.created_at < self.period.end,
        ]
        if self.filters.channel:
            conditions.append(Message.channel == self.filters.channel)
        if self.filters.topic:
            conditions.append(Message.participant_id.in_(self.cohort()))
        return conditions

    def cohort(self) -> Select[tuple[str]]:
        """Women with a message in the period on the filtered channel and, with a topic, an
        inbound message of that intent."""
        query = select(Message.participant_id).where(
            Message.created_at >= self.period.start, Message.created_at < self.period.end
        )
        if self.filters.channel:
            query = query.where(Message.channel == self.filters.channel)
        if self.filters.topic:
            query = query.where(Message.direction == IN, Message.intent == self.filters.topic)
        return query

    def women(self, column: ColumnElement[str]) -> list[ColumnElement[bool]]:
        """For rows about a woman (tickets, ratings, reminders, opt-outs): hers is in the
        cohort when a filter is set."""
        return [column.in_(self.cohort())] if self.filters.any else []

    def between(self, column: ColumnElement[datetime]) -> list[ColumnElement[bool]]:
        return [column >= self.period.start, column < self.period.end]


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _positive(column: ColumnElement[int]) -> ColumnElement[int]:
    """How many rows have this column above zero (women with at least one such message)."""
    return _count_if(column > 0)


# Over messages, distinct women are counted in two steps — group by her first, then count the
# groups — rather than with count(DISTINCT …), which sorts every row of the period. (The small
# tables keep count(DISTINCT …).)


# -- participants and messages ---------------------------------------------------------------
@dataclass(frozen=True)
class MessageCounts:
    """Messages of a slice of the period (a channel, a day, all) and the women behind them."""

    key: str
    women: int
    inbound: int
    inbound_women: int
    outbound: int
    outbound_women: int


@dataclass(frozen=True)
class Topic:
    intent: str
    messages: int
    women: int


@dataclass(frozen=True)
class MessageFigures:
    total: MessageCounts
    new: int  # women whose first message ever was in the period
    channels: list[MessageCounts]
    buckets: list[MessageCounts]  # Bogotá days or months
    topics: list[Topic]  # what the dialogue understood she asked, by intent
    read: int  # inbound messages the dialogue answered (fallback recorded, true or false)
    read_women: int
    not_understood: int
    not_understood_women: int


def _bucket(session: Session, period: Period) -> tuple[ColumnElement[object], Label]:
    """How the database buckets a message (cheaply, once per message), and how it names a
    bucket (once per bucket): the Bogotá day YYYY-MM-DD, or month YYYY-MM."""
    daily = period.bucket == DAY
    if session.get_bind().dialect.name == "postgresql":
        if daily:  # whole days from the period's first Bogotá midnight (no summer time)
            bucket = func.date_bin(text("interval '1 day'"), Message.created_at, period.start)
        else:
            bucket = func.date_trunc("month", func.timezone(str(TIMEZONE), Message.created_at))
        return bucket, Label(
            lambda key: func.to_char(
                func.timezone(str(TIMEZONE), key) if daily else key,
                "YYYY-MM-DD" if daily else "YYYY-MM",
            )
        )
    # SQLite keeps UTC text; Bogotá has had one offset (UTC-5, no summer time) since 1993.
    offset = TIMEZONE.utcoffset(datetime.combine(period.first, datetime.min.time()))
    hours = int((offset or timedelta()).total_seconds() // 3600)
    pattern = "%Y-%m-%d" if daily else "%Y-%m"
    return func.strftime(pattern, Message.created_at, f"{hours} hours"), Label(lambda key: key)


@dataclass(frozen=True)
class Label:
    """Turns a bucket as grouped into its name."""

    of: Callable[[ColumnElement[object]], ColumnElement[object]]


_FIGURES = ("a", "b", "c", "d", "e", "f", "g", "h", "i", "j")


def message_figures(session: Session, scope: Scope) -> MessageFigures:
    """Every figure about her messages and ours but failures and SMS segments, in two
    statements: the period's messages are summed once per woman, day and channel (`d`), then
    `d` is summed per day, per channel and per woman; topics are summed per intent and woman.
    (Intents in `d` would multiply its rows: a woman asks several things a day.)"""
    bucket, name = _bucket(session, scope.period)
    inbound = Message.direction == IN
    d = (
        select(
            Message.participant_id.label("pid"),
            bucket.label("bucket"),
            Message.channel.label("channel"),
            _count_if(inbound).label("n_in"),
            _count_if(Message.direction == OUT).label("n_out"),
            _count_if(and_(inbound, Message.fallback.is_not(None))).label("n_read"),
            _count_if(and_(inbound, Message.fallback.is_(True))).label("n_missed"),
        )
        .where(*scope.messages())
        .group_by("pid", "bucket", "channel")
        .cte("d")
    )

    def per(key: str) -> Select[tuple[object, ...]]:
        """Women, inbound, women with inbound, outbound, women with outbound; per `key`."""
        per_woman = select(
            d.c[key].label("key"), func.sum(d.c.n_in).label("i"), func.sum(d.c.n_out).label("o")
        )
        grouped = per_woman.group_by(d.c[key], d.c.pid).subquery()
        return select(
            literal(key).label("kind"),
            name.of(grouped.c.key) if key == "bucket" else grouped.c.key,
            func.count().label("a"),
            func.sum(grouped.c.i).label("b"),
            _positive(grouped.c.i).label("c"),
            func.sum(grouped.c.o).label("d"),
            _positive(grouped.c.o).label("e"),
            *[literal(0).label(x) for x in _FIGURES[5:]],
        ).group_by(grouped.c.key)

    women = (
        select(
            d.c.pid,
            func.sum(d.c.n_in).label("i"),
            func.sum(d.c.n_out).label("o"),
            func.sum(d.c.n_read).label("r"),
            func.sum(d.c.n_missed).label("m"),
        )
        .group_by(d.c.pid)
        .subquery()
    )
    total = (
        select(
            literal("total").label("kind"),
            literal("").label("key"),
            func.count().label("a"),
            func.sum(women.c.i),
            _positive(women.c.i),
            func.sum(women.c.o),
            _positive(women.c.o),
            _count_if(Participant.first_seen >= scope.period.start),
            func.sum(women.c.r),
            _positive(women.c.r),
            func.sum(women.c.m),
            _positive(women.c.m),
        )
        .select_from(women)
        .join(Participant, Participant.id == women.c.pid)
    )
    statement = union_all(per("bucket"), per("channel"), total)
    found: dict[str, list[tuple[object, ...]]] = {k: [] for k in ("bucket", "channel", "total")}
    for kind, key, *numbers in session.execute(statement).all():
        found[str(kind)].append((str(key), *(int(n or 0) for n in numbers)))

    def counts(row: tuple[object, ...]) -> MessageCounts:
        return MessageCounts(*row[:6])  # type: ignore[arg-type]

    overall = found["total"][0] if found["total"] else ("", *([0] * len(_FIGURES)))
    return MessageFigures(
        total=counts(overall),
        new=int(overall[6]),  # type: ignore[call-overload]
        channels=sorted((counts(r) for r in found["channel"]), key=lambda c: c.key),
        buckets=sorted((counts(r) for r in found["bucket"]), key=lambda c: c.key),
        topics=topics(session, scope),
        read=int(overall[7]),  # type: ignore[call-overload]
        read_women=int(overall[8]),  # type: ignore[call-overload]
        not_understood=int(overall[9]),  # type: ignore[call-overload]
        not_understood_women=int(overall[10]),  # type: ignore[call-overload]
    )


def topics(session: Session, scope: Scope) -> list[Topic]:
    per_woman = (
        select(Message.intent.label("intent"), func.count().label("n"))
        .where(*scope.messages(), Message.direction == IN, Message.intent.is_not(None))
        .group_by(Message.intent, Message.participant_id)
        .subquery()
    )
    rows = session.execute(
        select(per_woman.c.intent, func.sum(per_woman.c.n), func.count()).group_by(
            per_woman.c.intent
        )
    ).all()
    return sorted(
        (Topic(str(r[0]), int(r[1]), int(r[2])) for r in rows),
        key=lambda t: (-t.messages, t.intent),
    )


# -- handoffs ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TicketTimes:
    """One ticket opened in the period: when she joined the line and what followed (UTC)."""

    participant: str
    urgent: bool
    joined: datetime
    claimed: datetime | None
    resolved: datetime | None
    closed_unresolved: datetime | None
    first_reply: datetime | None


def _first(status_in: tuple[str, ...]) -> ColumnElement[datetime]:
    at = case((HandoffEvent.status.in_(status_in), HandoffEvent.at), else_=None)
    return type_coerce(func.min(at), DateTime(timezone=True))


def tickets(session: Session, scope: Scope) -> list[TicketTimes]:
    """Tickets whose first "waiting" is in the period. Urgent: any of its transitions was
    urgent (a normal ticket moved up by a crisis is urgent). First reply: the first message we
    sent her from the first claim until the ticket closed."""
    opened = select(HandoffEvent.ticket_id).where(
        HandoffEvent.status == WAITING, *scope.between(HandoffEvent.at)
    )
    per_ticket = (
        select(
            func.min(HandoffEvent.participant_id).label("participant"),
            func.max(case((HandoffEvent.priority == URGENT, 1), else_=0)).label("urgent"),
            _first((WAITING,)).label("joined"),
            _first((CLAIMED,)).label("claimed"),
            _first((RESOLVED,)).label("resolved"),
            _first(CLOSED_UNRESOLVED).label("closed_unresolved"),
        )
        .where(HandoffEvent.ticket_id.in_(opened))
        .group_by(HandoffEvent.ticket_id)
        .subquery()
    )
    closed = func.coalesce(per_ticket.c.resolved, per_ticket.c.closed_unresolved)
    first_reply = (
        select(type_coerce(func.min(Message.created_at), DateTime(timezone=True)))
        .where(
            Message.participant_id == per_ticket.c.participant,
            Message.direction == OUT,
            Message.created_at >= per_ticket.c.claimed,
            or_(closed.is_(None), Message.created_at <= closed),
        )
        .scalar_subquery()
    )
    query = select(per_ticket, first_reply.label("first_reply")).where(
        per_ticket.c.joined >= scope.period.start,
        per_ticket.c.joined < scope.period.end,
        *scope.women(per_ticket.c.participant),
    )
    found = []
    for row in session.execute(query).mappings():
        found.append(
            TicketTimes(
                participant=row["participant"],
                urgent=bool(row["urgent"]),
                joined=as_utc(row["joined"]),
                claimed=_utc(row["claimed"]),
                resolved=_utc(row["resolved"]),
                closed_unresolved=_utc(row["closed_unresolved"]),
                first_reply=_utc(row["first_reply"]),
            )
        )
    return found


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)


# -- ratings, reminders, privacy ---------------------------------------------------------------
@dataclass(frozen=True)
class Counted:
    key: str
    count: int
    women: int


def ratings(session: Session, scope: Scope) -> tuple[list[Counted], int]:
    """Ratings given in the period by score, and how many women gave any."""
    conditions = [*scope.between(HandoffRating.at), *scope.women(HandoffRating.participant_id)]
    rows = session.execute(
        select(
            HandoffRating.rating, func.count(), func.count(distinct(HandoffRating.participant_id))
        )
        .where(*conditions)
        .group_by(HandoffRating.rating)
    ).all()
    women = session.scalar(
        select(func.count(distinct(HandoffRating.participant_id))).where(*conditions)
    )
    return [Counted(str(r[0]), int(r[1]), int(r[2])) for r in rows], int(women or 0)


def reminders_made(session: Session, scope: Scope) -> Counted:
    subscriptions = ReminderSubscription
    row = session.execute(
        select(func.count(), func.count(distinct(subscriptions.participant_id))).where(
            *scope.between(subscriptions.created_at),
            *scope.women(subscriptions.participant_id),
        )
    ).one()
    return Counted("", int(row[0]), int(row[1]))


def reminder_decisions(session: Session, scope: Scope) -> list[Counted]:
    subscriptions = ReminderSubscription
    rows = session.execute(
        select(
            subscriptions.reminder_outcome,
            func.count(),
            func.count(distinct(subscriptions.participant_id)),
        )
        .where(
            *scope.between(subscriptions.reminded_at),
            *scope.women(subscriptions.participant_id),
        )
        .group_by(subscriptions.reminder_outcome)
    ).all()
    return [Counted(str(r[0]), int(r[1]), int(r[2])) for r in rows]


@dataclass(frozen=True)
class ReminderMessages:
    """Reminder messages of the period (their outbox ids start with the reminders' prefix),
    by what became of them: (messages, women) each."""

    sent: tuple[int, int]  # Twilio took it
    delivered: tuple[int, int]
    not_delivered: tuple[int, int]
    suppressed: tuple[int, int]  # not sent: she had opted out


def reminder_messages(session: Session, scope: Scope) -> ReminderMessages:
    groups = (TWILIO_TOOK, DELIVERED, NOT_DELIVERED, SUPPRESSED)
    per_woman = (
        select(*[_count_if(Message.status.in_(g)).label(f"n{i}") for i, g in enumerate(groups)])
        .where(
            *scope.messages(),
            Message.direction == OUT,
            REMINDER_MESSAGES,
        )
        .group_by(Message.participant_id)
        .subquery()
    )
    columns = [per_woman.c[f"n{i}"] for i in range(len(groups))]
    row = session.execute(
        select(*[func.sum(c) for c in columns], *[_positive(c) for c in columns])
    ).one()
    numbers = [int(n or 0) for n in row]
    pairs = [(numbers[i], numbers[i + len(groups)]) for i in range(len(groups))]
    return ReminderMessages(*pairs)


def opt_outs(session: Session, scope: Scope) -> int:
    """Women whose opt-out (still in force) happened in the period."""
    return int(
        session.scalar(
            select(func.count()).where(
                *scope.between(Participant.opted_out_at), *scope.women(Participant.id)
            )
        )
        or 0
    )


def erasures(session: Session, scope: Scope) -> int:
    """Erasures carried out in the period (one per woman; the audit keeps no id)."""
    return int(session.scalar(select(func.count()).where(*scope.between(ErasureAudit.at))) or 0)


# -- delivery ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Failure:
    error_code: int | None
    channel: str
    messages: int
    women: int


def failures(session: Session, scope: Scope) -> list[Failure]:
    per_woman = (
        select(
            Message.error_code.label("code"),
            Message.channel.label("channel"),
            func.count().label("n"),
        )
        .where(*scope.messages(), Message.direction == OUT, Message.status.in_(NOT_DELIVERED))
        .group_by(Message.error_code, Message.channel, Message.participant_id)
        .subquery()
    )
    rows = session.execute(
        select(
            per_woman.c.code, per_woman.c.channel, func.sum(per_woman.c.n), func.count()
        ).group_by(per_woman.c.code, per_woman.c.channel)
    ).all()
    found = [Failure(r[0], r[1], int(r[2]), int(r[3])) for r in rows]
    return sorted(found, key=lambda f: (-f.messages, f.error_code or 0, f.channel))


@dataclass(frozen=True)
class SmsText:
    text: str
    count: int
    women: int


def sms_texts(session: Session, scope: Scope) -> tuple[list[SmsText], int]:
    """Every distinct SMS text Twilio took in the period with how often it went and to how
    many women (bot texts repeat: a few hundred rows), and how many women got any — one
    statement over the period's SMS summed per text and woman (`t`)."""
    t = (
        select(
            Message.text.label("text"),
            Message.participant_id.label("pid"),
            func.count().label("n"),
        )
        .where(
            *scope.messages(),
            Message.direction == OUT,
            Message.channel == "sms",
            Message.status.in_(TWILIO_TOOK),
        )
        .group_by(Message.text, Message.participant_id)
        .cte("t")
    )
    women = select(t.c.pid).group_by(t.c.pid).subquery()
    statement = union_all(
        select(literal(1).label("kind"), t.c.text, func.sum(t.c.n), func.count()).group_by(
            t.c.text
        ),
        select(literal(2), literal(""), func.count(), func.count()).select_from(women),
    )
    texts, total = [], 0
    for kind, text_, count, people in session.execute(statement).all():
        if kind == 1:
            texts.append(SmsText(text_ or "", int(count), int(people)))
        else:
            total = int(people)
    return texts, total


# -- outcomes ----------------------------------------------------------------------------------
def outcomes(session: Session, first: date | None, last: date) -> dict[str, int]:
    """Women with each outcome that happened between `first` and `last` (None: since ever)."""
    conditions = [Outcome.happened_on <= last]
    if first is not None:
        conditions.append(Outcome.happened_on >= first)
    rows = session.execute(
        select(Outcome.kind, func.count(distinct(Outcome.participant_id)))
        .where(and_(*conditions))
        .group_by(Outcome.kind)
    ).all()
    return {str(r[0]): int(r[1]) for r in rows}
