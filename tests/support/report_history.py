"""A known history for the reports' tests (tests/integration/test_reports.py and the browser
test): sixteen women over the third quarter of 2026, their messages, tickets, ratings,
reminders, opt-outs, erasures and outcomes, written straight into SQL — the reports read SQL
only. The figures it must give are written out in the tests, by hand.

In the quarter (2026-07-01 to 2026-09-30, Bogotá):
- W01–W10 on WhatsApp (W01–W05 wrote before, in June: returning), S01–S06 on SMS (new);
  X01 and X02 wrote only outside the quarter (X02 a second before and at its end).
- W*: "ask_courses" on 07-10 and our answer; W01–W06 "ask_credit" on 08-20, W07–W08
  "out_of_scope" not understood; W10 at the first and the last second of the quarter.
- S*: "ask_scholarships" on 08-02 and our answer (GSM-7, one segment); S01–S05 a long answer
  (two segments); S06 an answer with an emoji (UCS-2).
- Failures on 09-01: W01–W05 undelivered 30003, S01 failed 21610. Reminder messages on
  09-10: W06–W10 delivered, S02 suppressed.
- Tickets: T1–T6 (W01–W06) claimed after 2…12 min, a case worker's reply 3 min later,
  resolved 30 min after the claim, rated 5; T7 (W07) abandoned; T8 (W08) still waiting;
  U1–U5 (S01–S05) urgent, claimed after 1, 1, 2, 3, 5 min, resolved 20 min after joining,
  rated 4; T9 (W09) normal, moved up to urgent 5 min later, claimed at 7, resolved at 20;
  T0 (W01) joined on June 30 and claimed in July (not the quarter's).
- Reminders: S01–S06 subscribed on 08-02; S01–S05 queued, S06 opted_out, on 09-09.
- Opt-outs in the quarter: W09, W10, S03–S05 (X01 in June). Erasures: five in, one before.
- Outcomes: course_enrolled W01–W05 (08-01) and W01 again (09-01), W06 (June), W07 (October);
  job_placement S01–S02 (09-20).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.store.models import (
    REMINDER_OUTBOX_PREFIX,
    ErasureAudit,
    HandoffEvent,
    HandoffRating,
    Message,
    Outcome,
    Participant,
    ReminderSubscription,
)
from tests.support.environment import POSTGRES_URL

FIRST, LAST = date(2026, 7, 1), date(2026, 9, 30)
WA = [f"w{n:02d}" + "a" * 61 for n in range(1, 11)]  # 64 characters, like real ids
SMS = [f"s{n:02d}" + "b" * 61 for n in range(1, 7)]
OUTSIDE = ["x01" + "c" * 61, "x02" + "c" * 61]
LONG_SMS = "Para validar tu titulo necesitas el diploma apostillado. " * 4  # 228 chars: 2 segments
EMOJI_SMS = "Hola 🌻"


def at(day: str, hour: int = 17, minute: int = 0, second: int = 0) -> datetime:
    """A UTC instant (17:00 UTC is noon in Bogotá)."""
    y, m, d = (int(x) for x in day.split("-"))
    return datetime(y, m, d, hour, minute, second, tzinfo=UTC)


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A schema of the caller's own inside the `test` database, dropped afterwards."""
    schema = "t_" + uuid.uuid4().hex[:10]
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


class _Writer:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.serial = 0

    def participant(self, pid: str, channel: str, first_seen: datetime) -> None:
        self.session.add(
            Participant(
                id=pid, channel=channel, first_seen=first_seen, last_seen=first_seen,
                consent_version="v1", consented_at=first_seen,
            )
        )  # fmt: skip

    def message(
        self, pid: str, direction: str, channel: str, when: datetime, **extra: object
    ) -> None:
        self.serial += 1
        fields: dict[str, object] = {"text": "hola", "status": "received"}
        if direction == "in":
            fields["twilio_sid"] = f"SMin{self.serial:030d}"
        else:
            fields.update(status="delivered", twilio_sid=f"SMout{self.serial:029d}")
            fields["outbox_id"] = f"out_{self.serial:032x}"
        fields.update(extra)
        self.session.add(
            Message(participant_id=pid, direction=direction, channel=channel, created_at=when,
                    **fields)
        )  # fmt: skip

    def ticket(self, ticket_id: str, pid: str, events: list[tuple[str, str, datetime]]) -> None:
        for status, priority, when in events:
            self.session.add(
                HandoffEvent(ticket_id=ticket_id, participant_id=pid, status=status,
                             priority=priority, case_worker=None, at=when)
            )  # fmt: skip


def write_history(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        w = _Writer(session)
        june, july5, aug1 = at("2026-06-15"), at("2026-07-05"), at("2026-08-01")
        for i, pid in enumerate(WA):
            w.participant(pid, "whatsapp", june if i < 5 else july5)
        for pid in SMS:
            w.participant(pid, "sms", aug1)
        w.participant(OUTSIDE[0], "whatsapp", at("2026-06-01"))
        w.participant(OUTSIDE[1], "sms", at("2026-06-30"))
        session.flush()

        # Outside the quarter: X01 in June; X02 one second before and exactly at its end.
        w.message(OUTSIDE[0], "in", "whatsapp", at("2026-06-01"), intent="greet", fallback=False)
        w.message(OUTSIDE[1], "in", "sms", at("2026-07-01", 4, 59, 59))
        w.message(OUTSIDE[1], "in", "sms", at("2026-10-01", 5, 0, 0))
        # W10 at the quarter's first and last second (Bogotá midnight = 05:00 UTC).
        w.message(WA[9], "in", "whatsapp", at("2026-07-01", 5, 0, 0))
        w.message(WA[9], "in", "whatsapp", at("2026-10-01", 4, 59, 59))

        for pid in WA:
            w.message(pid, "in", "whatsapp", at("2026-07-10"), intent="ask_courses",
                      fallback=False, intent_confidence=0.9)  # fmt: skip
            w.message(pid, "out", "whatsapp", at("2026-07-10", 17, 1), text="¡Hola!")
        for pid in WA[:6]:
            w.message(pid, "in", "whatsapp", at("2026-08-20"), intent="ask_credit", fallback=False)
        for pid in WA[6:8]:
            w.message(pid, "in", "whatsapp", at("2026-08-20"), intent="out_of_scope",
                      fallback=True)  # fmt: skip
        for pid in SMS:
            w.message(pid, "in", "sms", at("2026-08-02"), intent="ask_scholarships",
                      fallback=False)  # fmt: skip
            w.message(pid, "out", "sms", at("2026-08-02", 17, 1), text="Hola, te ayudo con becas.")
        for pid in SMS[:5]:
            w.message(pid, "out", "sms", at("2026-08-02", 17, 2), text=LONG_SMS)
        w.message(SMS[5], "out", "sms", at("2026-08-02", 17, 3), text=EMOJI_SMS, status="sent")
        for pid in WA[:5]:
            w.message(pid, "out", "whatsapp", at("2026-09-01"), status="undelivered",
                      error_code=30003)  # fmt: skip
        w.message(SMS[0], "out", "sms", at("2026-09-01"), status="failed", error_code=21610,
                  twilio_sid=None)  # fmt: skip
        for pid in WA[5:]:
            w.message(pid, "out", "whatsapp", at("2026-09-10"),
                      outbox_id=f"{REMINDER_OUTBOX_PREFIX}{uuid.uuid4().hex}")  # fmt: skip
        w.message(SMS[1], "out", "sms", at("2026-09-10"), status="suppressed", twilio_sid=None,
                  outbox_id=f"{REMINDER_OUTBOX_PREFIX}{uuid.uuid4().hex}")  # fmt: skip

        joined = at("2026-07-10", 17, 5)
        for k, pid in enumerate(WA[:6], start=1):
            claimed = joined + timedelta(minutes=2 * k)
            w.ticket(f"T{k}", pid, [
                ("waiting", "normal", joined), ("claimed", "normal", claimed),
                ("resolved", "normal", claimed + timedelta(minutes=30)),
            ])  # fmt: skip
            w.message(pid, "out", "whatsapp", claimed + timedelta(minutes=3),
                      text="Hola, soy Luz, tu asesora.")  # fmt: skip
            session.add(HandoffRating(ticket_id=f"T{k}", participant_id=pid, rating=5,
                                      at=claimed + timedelta(hours=1)))  # fmt: skip
        w.ticket("T7", WA[6], [("waiting", "normal", at("2026-08-20", 17, 5)),
                               ("abandoned", "normal", at("2026-08-20", 17, 15))])  # fmt: skip
        w.ticket("T8", WA[7], [("waiting", "normal", at("2026-09-29"))])
        urgent_joined = at("2026-08-02", 17, 10)
        for k, (pid, wait) in enumerate(zip(SMS[:5], (1, 1, 2, 3, 5), strict=True), start=1):
            w.ticket(f"U{k}", pid, [
                ("waiting", "urgent", urgent_joined),
                ("claimed", "urgent", urgent_joined + timedelta(minutes=wait)),
                ("resolved", "urgent", urgent_joined + timedelta(minutes=20)),
            ])  # fmt: skip
            session.add(HandoffRating(ticket_id=f"U{k}", participant_id=pid, rating=4,
                                      at=urgent_joined + timedelta(hours=1)))  # fmt: skip
        t9 = at("2026-09-15")
        w.ticket("T9", WA[8], [
            ("waiting", "normal", t9), ("waiting", "urgent", t9 + timedelta(minutes=5)),
            ("claimed", "urgent", t9 + timedelta(minutes=7)),
            ("resolved", "urgent", t9 + timedelta(minutes=20)),
        ])  # fmt: skip
        w.ticket("T0", WA[0], [("waiting", "normal", at("2026-07-01", 4, 50)),
                               ("claimed", "normal", at("2026-07-01", 5, 10))])  # fmt: skip

        for pid in SMS:
            decision = "opted_out" if pid == SMS[5] else "queued"
            session.add(ReminderSubscription(
                participant_id=pid, scholarship_id="beca-1", created_at=at("2026-08-02"),
                reminded_at=at("2026-09-09"), reminder_outcome=decision,
            ))  # fmt: skip

        optouts = {WA[8]: "2026-09-01", WA[9]: "2026-09-01", OUTSIDE[0]: "2026-06-02"}
        optouts |= {pid: "2026-08-03" for pid in SMS[2:5]}
        for pid, day in optouts.items():
            session.get(Participant, pid).opted_out_at = at(day)  # type: ignore[union-attr]
        erased = ("2026-07-02", "2026-07-20", "2026-08-05", "2026-09-01", "2026-09-30")
        for day in (*erased, "2026-06-01"):
            session.add(ErasureAudit(at=at(day), reason="participant_request",
                                     removed=json.dumps({"messages": 3})))  # fmt: skip

        outcomes = [(pid, "course_enrolled", date(2026, 8, 1)) for pid in WA[:5]]
        outcomes += [
            (WA[0], "course_enrolled", date(2026, 9, 1)),
            (WA[5], "course_enrolled", date(2026, 6, 1)),
            (WA[6], "course_enrolled", date(2026, 10, 5)),
            (SMS[0], "job_placement", date(2026, 9, 20)),
            (SMS[1], "job_placement", date(2026, 9, 20)),
        ]
        for pid, kind, day in outcomes:
            session.add(Outcome(participant_id=pid, kind=kind, happened_on=day,
                                recorded_by="luz@almas.example.org"))  # fmt: skip
        session.commit()


# What must never appear in a report or an export: ids and texts of the history.
PRIVATE = [*WA, *SMS, *OUTSIDE, LONG_SMS.strip(), EMOJI_SMS, "Hola, soy Luz", "luz@almas"]
