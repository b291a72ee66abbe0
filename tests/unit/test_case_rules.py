"""The pure rules of issue 15: who may change an outcome, what a valid one is, her case built
from the ticket history, the topics she asked about, what counts as a fallback, and that the
console names every topic and danger kind in its three languages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.content.store import ContentStore
from bot.conversation.crisis import kinds
from bot.conversation.understanding import (
    NOT_UNDERSTOOD_RESPONSES,
    NOT_UNDERSTOOD_SYSTEM_TEXTS,
    answered_with_not_understood,
    is_fallback,
    not_understood_texts,
)
from bot.core.messages import BotReply
from bot.handoff.case import tickets_from_history, topics_asked
from bot.handoff.outcomes import BadDay, FutureDay, UnknownKind, check_outcome, may_change
from bot.handoff.outcomes import parse_day as day
from bot.store.models import CaseWorker, HandoffEvent, HandoffNote, Outcome
from flows.actions.handoff import TOPIC_INTENTS
from webhooks.console_labels import (
    DANGER_KINDS,
    DANGER_TOPICS,
    REMINDER_CONTEXT,
    REMINDER_DECISIONS,
    TOPIC_CONTEXT,
    TOPICS,
)

CATALOGS = Path(__file__).resolve().parents[2] / "webhooks" / "translations"
T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


def worker(email: str, role: str = "case_worker") -> CaseWorker:
    return CaseWorker(email=email, name=email, role=role, password_hash="x")


def test_only_who_recorded_an_outcome_or_a_supervisor_may_change_it() -> None:
    outcome = Outcome(participant_id="p", kind="job_placement", happened_on=date(2026, 11, 1),
                      recorded_by="ana@x.org")  # fmt: skip
    assert may_change(worker("ana@x.org"), outcome)
    assert not may_change(worker("bea@x.org"), outcome)
    assert may_change(worker("boss@x.org", "supervisor"), outcome)
    assert not may_change(worker("pat@x.org", "programme"), outcome)


def test_an_outcome_needs_a_kind_from_content_and_a_day_not_in_the_future() -> None:
    known = {"job_placement"}
    check_outcome("job_placement", date(2026, 11, 30), known, today=date(2026, 11, 30))
    with pytest.raises(UnknownKind):
        check_outcome("promoted", date(2026, 11, 1), known, today=date(2026, 11, 30))
    with pytest.raises(FutureDay):
        check_outcome("job_placement", date(2026, 12, 1), known, today=date(2026, 11, 30))
    assert day(" 2026-02-28 ") == date(2026, 2, 28)
    for wrong in ("2026-02-30", "28/02/2026", "ayer", ""):
        with pytest.raises(BadDay):
            day(wrong)


def test_her_tickets_come_from_the_history_newest_first_with_notes_and_ratings() -> None:
    def event(ticket: str, status: str, minutes: int, who: str | None = None) -> HandoffEvent:
        return HandoffEvent(ticket_id=ticket, participant_id="p", status=status,
                            priority="normal", case_worker=who,
                            at=T0 + timedelta(minutes=minutes))  # fmt: skip

    events = [
        event("t1", "waiting", 0), event("t1", "claimed", 5, "ana@x.org"),
        event("t1", "transferred", 6, "bea@x.org"), event("t1", "resolved", 9, "bea@x.org"),
        event("t2", "waiting", 60),
    ]  # fmt: skip
    note = HandoffNote(ticket_id="t1", author="ana@x.org", text="Trae el PPT")
    newest, oldest = tickets_from_history(events, {"t1": [note]}, {"t1": 5}, {"t2": "courses"})
    assert (newest.id, newest.status, newest.topic, newest.rating) == ("t2", "waiting",
                                                                       "courses", None)  # fmt: skip
    assert (oldest.id, oldest.status, oldest.topic, oldest.rating) == ("t1", "resolved", "", 5)
    assert oldest.case_workers == ("ana@x.org", "bea@x.org")
    assert oldest.notes == (note,) and oldest.opened_at == T0


def test_the_topics_she_asked_about_are_the_programme_intents_most_asked_first() -> None:
    intents = {"ask_credit": 1, "greet": 7, "ask_courses": 3, "inform": 2, "ask_scholarships": 3}
    assert topics_asked(intents) == [("courses", 3), ("scholarships", 3), ("credit", 1)]


def test_a_fallback_is_the_nlus_or_an_answer_of_not_understood_texts() -> None:
    snapshot = ContentStore().snapshot()
    texts = not_understood_texts(snapshot)
    for name in NOT_UNDERSTOOD_RESPONSES:  # every one of them exists in content
        assert snapshot.responses[name][0]["text"].strip() in texts, name
    for name in NOT_UNDERSTOOD_SYSTEM_TEXTS:
        assert snapshot.system[name] in texts, name
    default = BotReply(snapshot.responses["utter_default"][0]["text"])
    greeting = BotReply(snapshot.responses["utter_greet"][0]["text"])
    assert answered_with_not_understood([greeting, default], texts)
    assert not answered_with_not_understood([greeting], texts)
    assert is_fallback("nlu_fallback", False) and is_fallback("ask_courses", True)
    assert not is_fallback("ask_courses", False) and not is_fallback(None, False)


def _entries(lang: str) -> dict[tuple[str | None, str], str]:
    with (CATALOGS / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {(m.context, m.id): m.string for m in read_po(po) if m.id}  # type: ignore[misc]


@pytest.mark.parametrize("lang", ["es", "en", "it"])
def test_the_console_names_every_topic_danger_kind_and_reminder_decision(lang: str) -> None:
    entries = _entries(lang)
    topics = {intent.removeprefix("ask_") for intent in TOPIC_INTENTS}
    assert topics <= set(TOPICS)  # every topic the dialogue can hand over has a name
    assert {*kinds.KINDS, kinds.UNKNOWN} == set(DANGER_KINDS)
    wanted = [(TOPIC_CONTEXT, s) for s in (*TOPICS.values(), *DANGER_TOPICS.values(),
                                           *DANGER_KINDS.values())]  # fmt: skip
    wanted += [(REMINDER_CONTEXT, s) for s in REMINDER_DECISIONS.values()]
    missing = [key for key in wanted if not entries.get(key)]
    assert missing == []


@pytest.mark.parametrize("lang", ["es", "en", "it"])
def test_no_catalog_entry_is_written_twice(lang: str) -> None:
    """Several people add to these files: a duplicate would silently hide one translation."""
    text = (CATALOGS / lang / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    keys = re.findall(r'^(?:msgctxt "((?:[^"\\]|\\.)*)"\n)?msgid "((?:[^"\\]|\\.)*)"$', text,
                      flags=re.MULTILINE)  # fmt: skip
    seen = [key for key in keys if key[1]]
    assert sorted({k for k in seen if seen.count(k) > 1}) == []
