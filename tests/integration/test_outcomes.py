"""Programme outcomes per participant (issue 15), on SQLite and on PostgreSQL: recorded from her
ticket with a day and who recorded it, only kinds content/outcomes.yml names and no future
days, changed or removed only by whoever recorded them or a supervisor, her case open only to
the case worker holding her ticket or a supervisor, and erased with her data."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import create_engine, text

from bot.content.store import ContentStore
from bot.core.settings import load_settings
from bot.handoff import case
from bot.handoff.accounts import add
from bot.handoff.outcomes import BadDay, FutureDay, UnknownKind
from bot.handoff.queue import Ticket
from bot.handoff.rules import Forbidden, NotFound
from bot.privacy.erasure import erase_everything
from bot.runtime import Runtime, build_runtime
from bot.store.db import upgrade
from bot.store.handoff import add_note, record_rating
from bot.store.models import CaseWorker
from bot.store.outcomes import outcomes_of
from bot.store.participants import erasure_audit, record_consent
from bot.store.reminders import subscribe_reminders
from bot.store.transcript import Understood, record_inbound
from tests.support.environment import POSTGRES_URL, base_environment

TODAY = date(2026, 11, 30)
PASSWORD = "una-clave-muy-larga"


@pytest.fixture(params=["sqlite", "postgresql"])
def rt(request, tmp_path, prefix: str) -> Iterator[Runtime]:  # type: ignore[no-untyped-def]
    """A runtime on a database of this test's own: SQLite, or a PostgreSQL schema."""
    schema = ""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'outcomes.db'}"
    else:
        schema = "t_" + uuid.uuid4().hex[:10]
        admin = create_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
        sep = "&" if "?" in POSTGRES_URL else "?"
        url = f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    upgrade(url)
    runtime = build_runtime(
        load_settings(environ=base_environment(prefix, url)), content=ContentStore()
    )
    yield runtime
    runtime.redis.close()
    runtime.engine.dispose()
    if schema:
        admin = create_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def account(rt: Runtime, role: str = "case_worker") -> CaseWorker:
    return add(rt.sessions, f"{role}.{uuid.uuid4().hex[:8]}@almas.example.org", role, PASSWORD,
               role)  # fmt: skip


def her_ticket(rt: Runtime, held_by: CaseWorker | None = None) -> Ticket:
    """A participant who accepted the notice and waits for a person (held by `held_by`)."""
    pid = "p_" + uuid.uuid4().hex[:12]
    record_consent(rt.sessions, pid, "whatsapp", "v1")
    ticket = rt.handoff.open(pid, "whatsapp", "credit", "quiere un crédito", "normal",
                             "whatsapp:+573005550101")  # fmt: skip
    if held_by is not None:
        claimed = rt.handoff.claim(held_by.email, 120)
        assert claimed is not None and claimed.id == ticket.id
        return claimed
    return ticket


def test_an_outcome_is_kept_with_its_day_who_recorded_it_and_the_ticket(rt: Runtime) -> None:
    ana = account(rt)
    ticket = her_ticket(rt, held_by=ana)
    recorded = case.record_outcome(rt, ana, ticket, "course_enrolled", "2026-11-20", today=TODAY)
    [kept] = outcomes_of(rt.sessions, ticket.participant)
    assert (kept.id, kept.kind, kept.happened_on) == (recorded.id, "course_enrolled",
                                                      date(2026, 11, 20))  # fmt: skip
    assert (kept.recorded_by, kept.ticket_id, kept.updated_by) == (ana.email, ticket.id, None)
    assert kept.recorded_at is not None


def test_her_outcomes_are_listed_in_the_order_they_happened(rt: Runtime) -> None:
    ana = account(rt)
    ticket = her_ticket(rt, held_by=ana)
    case.record_outcome(rt, ana, ticket, "course_completed", "2026-11-25", today=TODAY)
    case.record_outcome(rt, ana, ticket, "referred_to_course", "2026-09-01", today=TODAY)
    case.record_outcome(rt, ana, ticket, "course_enrolled", "2026-10-01", today=TODAY)
    kinds = [o.kind for o in outcomes_of(rt.sessions, ticket.participant)]
    assert kinds == ["referred_to_course", "course_enrolled", "course_completed"]


@pytest.mark.parametrize(
    ("kind", "day", "error"),
    [
        ("won_the_lottery", "2026-11-20", UnknownKind),
        ("", "2026-11-20", UnknownKind),
        ("course_enrolled", "2026-12-01", FutureDay),
        ("course_enrolled", "20/11/2026", BadDay),
        ("course_enrolled", "", BadDay),
    ],
    ids=["unknown kind", "no kind", "tomorrow", "not ISO", "no day"],
)
def test_only_kinds_content_names_and_days_not_in_the_future_are_accepted(
    rt: Runtime, kind: str, day: str, error: type[Exception]
) -> None:
    ana = account(rt)
    ticket = her_ticket(rt, held_by=ana)
    with pytest.raises(error):
        case.record_outcome(rt, ana, ticket, kind, day, today=TODAY)
    assert outcomes_of(rt.sessions, ticket.participant) == []
    # Today itself is fine.
    case.record_outcome(rt, ana, ticket, "course_enrolled", TODAY.isoformat(), today=TODAY)


def test_a_change_keeps_what_is_not_sent_and_says_who_changed_it(rt: Runtime) -> None:
    ana = account(rt)
    ticket = her_ticket(rt, held_by=ana)
    recorded = case.record_outcome(rt, ana, ticket, "credit_referral", "2026-11-01", today=TODAY)
    changed = case.change_outcome(rt, ana, ticket, recorded.id, kind="credit_granted",
                                  today=TODAY)  # fmt: skip
    assert (changed.kind, changed.happened_on) == ("credit_granted", date(2026, 11, 1))
    changed = case.change_outcome(rt, ana, ticket, recorded.id, day="2026-11-15", today=TODAY)
    assert (changed.kind, changed.happened_on) == ("credit_granted", date(2026, 11, 15))
    assert changed.updated_by == ana.email and changed.updated_at is not None
    assert changed.recorded_by == ana.email  # who recorded it does not change
    with pytest.raises(FutureDay):
        case.change_outcome(rt, ana, ticket, recorded.id, day="2027-01-01", today=TODAY)


def test_only_who_recorded_it_or_a_supervisor_may_change_or_remove_it(rt: Runtime) -> None:
    ana, bea, boss = account(rt), account(rt), account(rt, "supervisor")
    ticket = her_ticket(rt, held_by=ana)
    recorded = case.record_outcome(rt, ana, ticket, "job_placement", "2026-11-10", today=TODAY)
    assert rt.handoff.transfer(ticket.id, ana.email, bea.email)
    moved = rt.handoff.get(ticket.id)
    assert moved is not None
    # Bea holds her ticket now and sees her case, but the outcome is Ana's.
    assert case.case_ticket_for(rt, bea, ticket.id).id == ticket.id
    with pytest.raises(Forbidden):
        case.change_outcome(rt, bea, moved, recorded.id, kind="business_started", today=TODAY)
    with pytest.raises(Forbidden):
        case.remove_outcome(rt, bea, moved, recorded.id)
    # Ana no longer holds the ticket: her case is closed to her.
    with pytest.raises(Forbidden):
        case.case_ticket_for(rt, ana, ticket.id)
    # A supervisor may do both.
    changed = case.change_outcome(rt, boss, moved, recorded.id, kind="business_started",
                                  today=TODAY)  # fmt: skip
    assert (changed.kind, changed.updated_by) == ("business_started", boss.email)
    case.remove_outcome(rt, boss, moved, recorded.id)
    assert outcomes_of(rt.sessions, ticket.participant) == []
    with pytest.raises(NotFound):
        case.remove_outcome(rt, boss, moved, recorded.id)


def test_the_recorder_may_remove_her_own_outcome(rt: Runtime) -> None:
    ana = account(rt)
    ticket = her_ticket(rt, held_by=ana)
    recorded = case.record_outcome(rt, ana, ticket, "apostille_done", "2026-11-10", today=TODAY)
    case.remove_outcome(rt, ana, ticket, recorded.id)
    assert outcomes_of(rt.sessions, ticket.participant) == []


def test_an_outcome_of_someone_else_cannot_be_reached_through_her_ticket(rt: Runtime) -> None:
    boss = account(rt, "supervisor")
    hers, other = her_ticket(rt), her_ticket(rt)
    theirs = case.record_outcome(rt, boss, other, "credit_granted", "2026-11-10", today=TODAY)
    with pytest.raises(NotFound):
        case.change_outcome(rt, boss, hers, theirs.id, kind="job_placement", today=TODAY)
    with pytest.raises(NotFound):
        case.remove_outcome(rt, boss, hers, theirs.id)
    assert [o.kind for o in outcomes_of(rt.sessions, other.participant)] == ["credit_granted"]


def test_her_case_is_open_to_the_case_worker_holding_her_ticket_and_supervisors(
    rt: Runtime,
) -> None:
    ana, bea = account(rt), account(rt)
    boss, programme = account(rt, "supervisor"), account(rt, "programme")
    held = her_ticket(rt, held_by=ana)
    waiting = her_ticket(rt)
    for nobody in (ana, programme):  # nobody holds it yet: not even a case worker
        with pytest.raises(Forbidden):
            case.case_ticket_for(rt, nobody, waiting.id)
    assert case.case_ticket_for(rt, boss, waiting.id).id == waiting.id
    assert case.case_ticket_for(rt, ana, held.id).id == held.id
    assert case.case_ticket_for(rt, boss, held.id).id == held.id
    for not_hers in (bea, programme):
        with pytest.raises(Forbidden):
            case.case_ticket_for(rt, not_hers, held.id)
    with pytest.raises(NotFound):
        case.case_ticket_for(rt, boss, "t_nope")


def test_her_case_gathers_tickets_notes_ratings_outcomes_reminders_consent_and_topics(
    rt: Runtime,
) -> None:
    ana = account(rt)
    first = her_ticket(rt, held_by=ana)
    pid = first.participant
    add_note(rt.sessions, first.id, ana.email, "Tiene negocio de arepas")
    assert rt.handoff.resolve(first.id, ana.email)
    record_rating(rt.sessions, first.id, pid, 5)
    subscribe_reminders(rt.sessions, pid, ["beca-sena-2026"])
    for n, (intent, fallback) in enumerate(
        [("ask_credit", False), ("ask_credit", False), ("ask_courses", False), ("greet", False),
         ("nlu_fallback", True)]
    ):  # fmt: skip
        record_inbound(rt.sessions, pid, "whatsapp", "…", f"SM{pid}{n}",
                       understood=Understood(intent, 0.9, fallback))  # fmt: skip
    second = rt.handoff.open(pid, "whatsapp", "courses", "cursos", "normal", "whatsapp:+5730")
    claimed = rt.handoff.claim(ana.email, 120)
    assert claimed is not None and claimed.id == second.id
    case.record_outcome(rt, ana, claimed, "credit_referral", "2026-11-20", today=TODAY)

    her = case.load_case(rt, claimed)

    assert [t.id for t in her.tickets] == [second.id, first.id]  # newest first
    newest, oldest = her.tickets
    assert (newest.status, newest.topic, newest.rating) == ("claimed", "courses", None)
    assert (oldest.status, oldest.topic, oldest.rating) == ("resolved", "credit", 5)
    assert [n.text for n in oldest.notes] == ["Tiene negocio de arepas"]
    assert oldest.case_workers == (ana.email,)
    assert [o.kind for o in her.outcomes] == ["credit_referral"]
    assert her.reminders == {"beca-sena-2026": None}
    assert (her.about.consent_version, her.about.opted_out) == ("v1", False)
    assert her.topics == [("credit", 2), ("courses", 1)]  # topics only; fallbacks left out


def test_erasure_removes_her_outcomes_and_nobody_elses(rt: Runtime) -> None:
    boss = account(rt, "supervisor")
    hers, other = her_ticket(rt), her_ticket(rt)
    case.record_outcome(rt, boss, hers, "scholarship_applied", "2026-11-01", today=TODAY)
    case.record_outcome(rt, boss, hers, "scholarship_granted", "2026-11-20", today=TODAY)
    case.record_outcome(rt, boss, other, "course_enrolled", "2026-11-20", today=TODAY)
    removed = erase_everything(rt, hers.participant)
    assert removed["outcomes"] == 2
    assert outcomes_of(rt.sessions, hers.participant) == []
    assert [o.kind for o in outcomes_of(rt.sessions, other.participant)] == ["course_enrolled"]
    assert '"outcomes": 2' in erasure_audit(rt.sessions)[-1].removed
