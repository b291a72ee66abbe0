"""Her case, as a case worker needs it before answering: every ticket she had (with its notes
and her rating), her programme outcomes, her reminders, her consent and opt-out, the topics she
asked about. And the outcome operations — the same for the console and the API.

Access (bot/handoff/rules.py `may_see_case`): the case worker holding this ticket of hers, or
a supervisor. Outcomes are validated and guarded by the pure rules of bot/handoff/outcomes.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from bot.content.i18n import today_in_bogota
from bot.handoff import outcomes as outcome_rules
from bot.handoff.queue import Ticket
from bot.handoff.rules import Forbidden, NotFound, may_see_case, ticket_for
from bot.store import outcomes as stored
from bot.store.handoff import handoff_events, notes_on, ratings_by_ticket
from bot.store.models import CaseWorker, HandoffEvent, HandoffNote, Outcome, as_utc
from bot.store.participants import StoredAbout, stored_about
from bot.store.reminders import reminder_outcomes
from bot.store.transcript import intents_of

if TYPE_CHECKING:
    from bot.runtime import Runtime

# The NLU's topic intents are "ask_<topic>"; tickets name the same topics without the prefix.
TOPIC_INTENT_PREFIX = "ask_"


@dataclass(frozen=True)
class PastTicket:
    """One of her tickets, from the SQL history (the topic only while Redis still has it)."""

    id: str
    opened_at: datetime
    status: str  # its latest transition
    priority: str
    case_workers: tuple[str, ...]
    topic: str = ""
    notes: tuple[HandoffNote, ...] = ()
    rating: int | None = None


@dataclass(frozen=True)
class Case:
    participant: str
    tickets: list[PastTicket]
    outcomes: list[Outcome]
    reminders: dict[str, str | None]  # scholarship id -> the reminder job's decision
    about: StoredAbout  # consent version and time, opt-out
    topics: list[tuple[str, int]]  # topic -> how many of her messages asked about it


# -- pure ------------------------------------------------------------------------------------
def tickets_from_history(
    events: list[HandoffEvent],
    notes: dict[str, list[HandoffNote]],
    ratings: dict[str, int],
    topics: dict[str, str],
) -> list[PastTicket]:
    """Her tickets, newest first, from their transitions (oldest first, as stored)."""
    by_ticket: dict[str, list[HandoffEvent]] = {}
    for event in events:
        by_ticket.setdefault(event.ticket_id, []).append(event)
    tickets = []
    for ticket_id, its in by_ticket.items():
        workers = dict.fromkeys(e.case_worker for e in its if e.case_worker)
        tickets.append(
            PastTicket(
                id=ticket_id,
                opened_at=as_utc(its[0].at),
                status=its[-1].status,
                priority=its[-1].priority,
                case_workers=tuple(w for w in workers if w),
                topic=topics.get(ticket_id, ""),
                notes=tuple(notes.get(ticket_id, ())),
                rating=ratings.get(ticket_id),
            )
        )
    return sorted(tickets, key=lambda t: t.opened_at, reverse=True)


def topics_asked(intents: dict[str, int]) -> list[tuple[str, int]]:
    """The programme topics among what the dialogue understood, most asked first."""
    topics = [
        (intent.removeprefix(TOPIC_INTENT_PREFIX), count)
        for intent, count in intents.items()
        if intent.startswith(TOPIC_INTENT_PREFIX)
    ]
    return sorted(topics, key=lambda pair: (-pair[1], pair[0]))


# -- applied ---------------------------------------------------------------------------------
def case_ticket_for(rt: Runtime, worker: CaseWorker, ticket_id: str) -> Ticket:
    """The ticket whose case this worker opens: 404 unknown, 403 not hers to open."""
    ticket = ticket_for(rt, worker, ticket_id, must_hold=False)
    if not may_see_case(worker, ticket):
        raise Forbidden("her case is open to the case worker holding her ticket and supervisors")
    return ticket


def load_case(rt: Runtime, ticket: Ticket) -> Case:
    participant = ticket.participant
    events = handoff_events(rt.sessions, participant)
    ids = {e.ticket_id for e in events}
    topics = {tid: t.topic for tid in ids if (t := rt.handoff.get(tid)) is not None}
    topics[ticket.id] = ticket.topic
    return Case(
        participant=participant,
        tickets=tickets_from_history(
            events, notes_on(rt.sessions, ids), ratings_by_ticket(rt.sessions, participant), topics
        ),
        outcomes=stored.outcomes_of(rt.sessions, participant),
        reminders=reminder_outcomes(rt.sessions, participant),
        about=stored_about(rt.sessions, participant),
        topics=topics_asked(intents_of(rt.sessions, participant)),
    )


def outcome_kinds(rt: Runtime) -> list[str]:
    return [kind.id for kind in rt.content.snapshot().outcomes]


def _valid(rt: Runtime, kind: str, day: str, today: date | None) -> date:
    happened_on = outcome_rules.parse_day(day)
    outcome_rules.check_outcome(kind, happened_on, outcome_kinds(rt), today or today_in_bogota())
    return happened_on


def record_outcome(
    rt: Runtime, worker: CaseWorker, ticket: Ticket, kind: str, day: str,
    today: date | None = None,
) -> Outcome:  # fmt: skip
    """A new outcome of hers, recorded by this worker from this ticket."""
    happened_on = _valid(rt, kind, day, today)
    return stored.add_outcome(
        rt.sessions, ticket.participant, kind, happened_on, worker.email, ticket.id
    )


def her_outcome(rt: Runtime, ticket: Ticket, outcome_id: int) -> Outcome:
    """One outcome of the participant of this ticket (404 for anyone else's: no probing)."""
    outcome = stored.get_outcome(rt.sessions, outcome_id)
    if outcome is None or outcome.participant_id != ticket.participant:
        raise NotFound(f"no outcome {outcome_id} for her")
    return outcome


def change_outcome(
    rt: Runtime, worker: CaseWorker, ticket: Ticket, outcome_id: int,
    kind: str | None = None, day: str | None = None, today: date | None = None,
) -> Outcome:  # fmt: skip
    """Change the kind and/or the day (what is not given stays)."""
    outcome = her_outcome(rt, ticket, outcome_id)
    outcome_rules.check_may_change(worker, outcome)
    kind = outcome.kind if kind is None else kind
    happened_on = _valid(rt, kind, outcome.happened_on.isoformat() if day is None else day, today)
    changed = stored.change_outcome(rt.sessions, outcome.id, kind, happened_on, worker.email)
    if changed is None:
        raise NotFound(f"no outcome {outcome_id} for her")
    return changed


def remove_outcome(rt: Runtime, worker: CaseWorker, ticket: Ticket, outcome_id: int) -> None:
    outcome = her_outcome(rt, ticket, outcome_id)
    outcome_rules.check_may_change(worker, outcome)
    if not stored.remove_outcome(rt.sessions, outcome.id):
        raise NotFound(f"no outcome {outcome_id} for her")
