"""Scholarship reminders and the proactive gate (Ley 2300 de 2023) on the real Redis and SQL,
with a fake clock (never sleeping) and the real outbox sender against the local Twilio
endpoint: only N days before, only in the allowed hours, never on Sundays or Colombian
holidays, one proactive message a day, nothing to opted-out or non-consented women, template
outside the WhatsApp window, erasure, idempotency."""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import update

from bot.content.i18n import TIMEZONE, long_date
from bot.content.store import ContentStore
from bot.core.keys import OUTBOX, shard_of
from bot.core.messages import OutboundMessage
from bot.core.settings import SettingsError, load_settings
from bot.outbound import proactive
from bot.outbound.sender import OutboxSender
from bot.privacy.erasure import erase_everything
from bot.reminders.job import (
    EXPIRED,
    NO_ADDRESS,
    NO_CONSENT,
    OPTED_OUT,
    QUEUED,
    TEMPLATE_ID,
    remember_address,
    send_due_reminders,
)
from bot.runtime import Runtime
from bot.store.models import Message, ReminderSubscription
from bot.store.participants import record_consent, set_opted_out
from bot.store.reminders import reminder_outcomes, subscribe_reminders
from bot.store.transcript import record_inbound, transcript
from tests.support.environment import base_environment
from tests.support.twilio_endpoint import TwilioEndpoint
from tests.support.worker import make_due

# Redis-facing: also on a local Redis Cluster (issue 13, item 12).
pytestmark = pytest.mark.cluster_too

CONTENT = Path(__file__).resolve().parents[2] / "content"
SUBSCRIBED_AT = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)

# Calls of this test run (ids made unique per test: the SQL database is shared). With
# REMINDER_DAYS_BEFORE=3 each one's reminder day is chosen for what a test needs.
CLOSES = {
    "lunes": date(2026, 12, 17),  # reminder day Monday 14 December
    "sabado": date(2026, 12, 15),  # reminder day Saturday 12 December
    "domingo": date(2026, 12, 16),  # reminder day Sunday 13 December
    "inmaculada": date(2026, 12, 11),  # reminder day Tuesday 8 December (holiday)
    "reyes": date(2027, 1, 14),  # reminder day Monday 11 January 2027 (holiday, moved)
    "otra": date(2026, 12, 15),  # reminder day Saturday 12 December too
}


def bogota(*args: int) -> datetime:
    return datetime(*args, tzinfo=TIMEZONE)  # type: ignore[misc]


MONDAY_10 = bogota(2026, 12, 14, 10, 0)


@pytest.fixture
def calls(tmp_path: Path) -> dict[str, str]:
    """content/ copied, with scholarship calls of this test's own: name -> call id."""
    shutil.copytree(CONTENT, tmp_path / "content")
    token = uuid.uuid4().hex[:8]
    ids = {name: f"prueba-{name}-{token}" for name in CLOSES}
    scholarships = [
        {
            "id": ids[name],
            "name": f"Beca de prueba {name}",
            "provider": "Programa ALMAS (CESVI)",
            "summary": "Una convocatoria de prueba.",
            "opens": date(2026, 11, 1),
            "closes": closes,
            "eligibility": ["Vivir en Santa Marta o Barranquilla"],
            "how_to_apply": "Escribe ASESORA.",
            "source": "pruebas",
            "checked": date(2026, 11, 20),
        }
        for name, closes in CLOSES.items()
    ]
    (tmp_path / "content" / "scholarships.yml").write_text(
        yaml.safe_dump({"scholarships": scholarships}, allow_unicode=True), encoding="utf-8"
    )
    return ids


@pytest.fixture
def rt(runtime: Runtime, calls: dict[str, str], tmp_path: Path) -> Runtime:
    runtime.content = ContentStore(tmp_path / "content")
    runtime.settings = dataclasses.replace(runtime.settings, reminder_days_before=3)
    return runtime


@pytest.fixture
def sender(rt: Runtime, twilio: TwilioEndpoint) -> OutboxSender:
    rt.settings = dataclasses.replace(rt.settings, twilio_api_url=twilio.base_url)
    with twilio.lock:
        twilio.faults.clear()
    return OutboxSender(rt)


@dataclasses.dataclass
class Her:
    pid: str
    number: str
    address: str


def subscriber(
    rt: Runtime,
    *calls: str,
    channel: str = "sms",
    consent: bool = True,
    address: bool = True,
    wrote_at: datetime | None = None,
) -> Her:
    """A woman who wrote RECORDARME on 20 November (and, by default, accepted the notice)."""
    pid = "p_" + uuid.uuid4().hex[:16]
    number = "+57300" + str(uuid.uuid4().int)[:7]
    her = Her(pid, number, ("whatsapp:" if channel == "whatsapp" else "") + number)
    version = rt.content.snapshot().privacy.notice_version  # type: ignore[union-attr]
    record_consent(rt.sessions, pid, channel, version if consent else "an-older-notice")
    subscribe_reminders(rt.sessions, pid, list(calls))
    with rt.sessions() as session:
        session.execute(
            update(ReminderSubscription)
            .where(ReminderSubscription.participant_id == pid)
            .values(created_at=SUBSCRIBED_AT)
        )
        session.commit()
    if wrote_at is not None:
        she_wrote(rt, her, wrote_at)
    if address:
        assert remember_address(rt, pid, her.address, now=SUBSCRIBED_AT)
    return her


def she_wrote(rt: Runtime, her: Her, at: datetime) -> None:
    sid = "SM" + uuid.uuid4().hex
    record_inbound(rt.sessions, her.pid, "whatsapp", "hola", sid)
    with rt.sessions() as session:
        session.execute(update(Message).where(Message.twilio_sid == sid).values(created_at=at))
        session.commit()


def held(rt: Runtime, her: Her) -> list[OutboundMessage]:
    return proactive.pending(rt, her.pid)


def deliver(sender: OutboxSender, now: datetime, rounds: int = 30) -> None:
    """Run the real sender at fake time `now`: what waits is made due (the mailbox's own
    delays are real time), then everything that may go goes."""
    sender.now = lambda: now  # type: ignore[method-assign]
    make_due(sender.rt, OUTBOX)
    for _ in range(rounds):
        lease = sender.rt.outbox.claim(5)
        if lease is None:
            return
        sender.work_on(lease)


def bodies(twilio: TwilioEndpoint, her: Her) -> list[str]:
    return [s.body for s in twilio.to(her.address)]


def reminder(rt: Runtime, her: Her, body: str = "recordatorio") -> OutboundMessage:
    message = OutboundMessage(
        participant=her.pid, channel="sms", to=her.address, body=body, proactive=True
    )
    proactive.enqueue(rt, her.pid, [message])
    return message


# --- the job: when a reminder is due -------------------------------------------------------
def test_a_reminder_goes_only_n_days_before_the_call_closes(
    rt: Runtime, calls: dict[str, str]
) -> None:
    her = subscriber(rt, calls["lunes"])
    for early in (bogota(2026, 12, 10, 10, 0), bogota(2026, 12, 11, 18, 0)):
        assert send_due_reminders(rt, early) == {}
    assert held(rt, her) == []
    assert send_due_reminders(rt, MONDAY_10) == {QUEUED: 1}  # 3 days before the 17th
    [message] = held(rt, her)
    assert message.proactive and message.to == her.address and not message.content_sid
    assert message.body == rt.content.system_text(
        "reminder_text", call="Beca de prueba lunes", deadline=long_date(CLOSES["lunes"])
    )
    assert "jueves 17 de diciembre de 2026" in message.body
    assert reminder_outcomes(rt.sessions, her.pid) == {calls["lunes"]: QUEUED}


@pytest.mark.parametrize(
    ("call", "now", "goes"),
    [("lunes", bogota(2026, 12, 14, 6, 59), False), ("lunes", bogota(2026, 12, 14, 7, 0), True),
     ("lunes", bogota(2026, 12, 14, 18, 59), True), ("lunes", bogota(2026, 12, 14, 19, 0), False),
     ("sabado", bogota(2026, 12, 12, 7, 59), False), ("sabado", bogota(2026, 12, 12, 8, 0), True),
     ("sabado", bogota(2026, 12, 12, 14, 59), True), ("sabado", bogota(2026, 12, 12, 15, 0), False),
     ("domingo", bogota(2026, 12, 13, 10, 0), False),
     ("inmaculada", bogota(2026, 12, 8, 10, 0), False),
     ("reyes", bogota(2027, 1, 11, 10, 0), False)],
)  # fmt: skip
def test_the_job_works_only_in_the_allowed_hours(
    rt: Runtime, calls: dict[str, str], call: str, now: datetime, goes: bool
) -> None:
    her = subscriber(rt, calls[call])
    assert send_due_reminders(rt, now) == ({QUEUED: 1} if goes else {})
    assert len(held(rt, her)) == (1 if goes else 0)


@pytest.mark.parametrize(
    ("call", "holiday", "next_day"),
    [("inmaculada", bogota(2026, 12, 8, 10, 0), bogota(2026, 12, 9, 7, 0)),
     ("reyes", bogota(2027, 1, 11, 10, 0), bogota(2027, 1, 12, 7, 0)),
     ("domingo", bogota(2026, 12, 13, 10, 0), bogota(2026, 12, 14, 7, 0))],
)  # fmt: skip
def test_on_a_sunday_or_holiday_nothing_is_decided_the_next_allowed_day_it_goes(
    rt: Runtime,
    sender: OutboxSender,
    twilio: TwilioEndpoint,
    calls: dict[str, str],
    call: str,
    holiday: datetime,
    next_day: datetime,
) -> None:
    her = subscriber(rt, calls[call])
    send_due_reminders(rt, holiday)
    deliver(sender, holiday)
    assert bodies(twilio, her) == [] and reminder_outcomes(rt.sessions, her.pid) == {
        calls[call]: None
    }
    assert send_due_reminders(rt, next_day) == {QUEUED: 1}
    deliver(sender, next_day)
    [sent] = bodies(twilio, her)
    assert f"Beca de prueba {call}" in sent


def test_subscribed_on_the_reminder_day_waits_a_day_and_a_closed_call_expires(
    rt: Runtime, calls: dict[str, str]
) -> None:
    her = subscriber(rt, calls["lunes"])
    late = subscriber(rt, calls["inmaculada"])
    with rt.sessions() as session:  # she wrote RECORDARME this very Monday morning
        session.execute(
            update(ReminderSubscription)
            .where(ReminderSubscription.participant_id == her.pid)
            .values(created_at=bogota(2026, 12, 14, 9, 0))
        )
        session.commit()
    assert send_due_reminders(rt, MONDAY_10) == {EXPIRED: 1}  # the 11th is past
    assert reminder_outcomes(rt.sessions, late.pid) == {calls["inmaculada"]: EXPIRED}
    assert held(rt, her) == []
    assert send_due_reminders(rt, bogota(2026, 12, 15, 9, 0)) == {QUEUED: 1}


# --- who gets nothing -----------------------------------------------------------------------
def test_opted_out_non_consented_and_unreachable_women_get_nothing_and_it_is_recorded(
    rt: Runtime, calls: dict[str, str]
) -> None:
    opted_out = subscriber(rt, calls["lunes"])
    set_opted_out(rt.sessions, opted_out.pid, "sms", True)
    old_notice = subscriber(rt, calls["lunes"], consent=False)
    no_address = subscriber(rt, calls["lunes"], address=False)
    assert send_due_reminders(rt, MONDAY_10) == {OPTED_OUT: 1, NO_CONSENT: 1, NO_ADDRESS: 1}
    for her, outcome in ((opted_out, OPTED_OUT), (old_notice, NO_CONSENT),
                         (no_address, NO_ADDRESS)):  # fmt: skip
        assert held(rt, her) == []
        assert reminder_outcomes(rt.sessions, her.pid) == {calls["lunes"]: outcome}
    assert send_due_reminders(rt, MONDAY_10 + timedelta(minutes=15)) == {}  # decided once


def test_she_opts_out_after_it_was_queued_it_is_suppressed_in_the_outbox(
    rt: Runtime, sender: OutboxSender, twilio: TwilioEndpoint, calls: dict[str, str]
) -> None:
    her = subscriber(rt, calls["lunes"])
    send_due_reminders(rt, MONDAY_10)
    [queued] = held(rt, her)
    set_opted_out(rt.sessions, her.pid, "sms", True)
    deliver(sender, MONDAY_10)
    assert bodies(twilio, her) == []
    rows = {m.outbox_id: m.status for m in transcript(rt.sessions, her.pid)}
    assert rows[queued.id] == "suppressed"


# --- the gate in the outbox: hours, holidays, one a day --------------------------------------
@pytest.mark.parametrize(
    ("now", "allowed_from"),
    [(bogota(2026, 12, 14, 6, 59), bogota(2026, 12, 14, 7, 0)),
     (bogota(2026, 12, 14, 19, 0), bogota(2026, 12, 15, 7, 0)),
     (bogota(2026, 12, 12, 7, 59), bogota(2026, 12, 12, 8, 0)),
     (bogota(2026, 12, 12, 15, 0), bogota(2026, 12, 14, 7, 0)),
     (bogota(2026, 12, 13, 12, 0), bogota(2026, 12, 14, 7, 0)),
     (bogota(2026, 12, 8, 10, 0), bogota(2026, 12, 9, 7, 0)),
     (bogota(2027, 1, 9, 16, 0), bogota(2027, 1, 12, 7, 0))],
)  # fmt: skip
def test_the_outbox_holds_a_proactive_message_until_the_allowed_hours(
    rt: Runtime, sender: OutboxSender, twilio: TwilioEndpoint, now: datetime,
    allowed_from: datetime,
) -> None:  # fmt: skip
    her = subscriber(rt, address=False)
    reminder(rt, her)
    deliver(sender, now)
    assert bodies(twilio, her) == []
    # Her proactive mailbox comes back when it may go (the mailbox's delay, no attempts used).
    ready = rt.keys.ready(OUTBOX, shard_of(her.pid))
    due_ms = rt.redis.zscore(ready, rt.keys.proactive_mailbox(her.pid))
    expected = time.time() + (allowed_from - now).total_seconds()
    assert due_ms is not None and abs(due_ms / 1000 - expected) < 30
    assert rt.redis.hget(rt.keys.attempts(OUTBOX, shard_of(her.pid)), held(rt, her)[0].id) is None
    deliver(sender, allowed_from - timedelta(seconds=1))
    assert bodies(twilio, her) == []
    deliver(sender, allowed_from)
    assert bodies(twilio, her) == ["recordatorio"]


def test_at_most_one_proactive_message_a_day_the_second_waits_for_the_next_allowed_day(
    rt: Runtime, sender: OutboxSender, twilio: TwilioEndpoint, calls: dict[str, str]
) -> None:
    saturday = bogota(2026, 12, 12, 9, 0)
    her = subscriber(rt, calls["sabado"], calls["otra"])  # both due on Saturday
    assert send_due_reminders(rt, saturday) == {QUEUED: 2}
    deliver(sender, saturday)
    assert len(bodies(twilio, her)) == 1
    deliver(sender, bogota(2026, 12, 12, 14, 0))  # later the same day: still one
    deliver(sender, bogota(2026, 12, 13, 10, 0))  # Sunday: never
    assert len(bodies(twilio, her)) == 1
    deliver(sender, bogota(2026, 12, 14, 7, 0))
    sent = bodies(twilio, her)
    assert len(sent) == 2 and "sabado" in sent[0] and "otra" in sent[1]


def test_a_held_proactive_message_never_delays_her_replies(
    rt: Runtime, sender: OutboxSender, twilio: TwilioEndpoint
) -> None:
    """The rating question sits in her normal mailbox, in front of an answer: on a Sunday it
    is moved aside to her proactive mailbox and the answer goes at once."""
    her = subscriber(rt, address=False)
    question = OutboundMessage(participant=her.pid, channel="sms", to=her.address,
                               body="¿cómo te fue?", proactive=True)  # fmt: skip
    answer = OutboundMessage(participant=her.pid, channel="sms", to=her.address, body="hola")
    rt.outbox.enqueue(her.pid, [question.to_json(), answer.to_json()])
    sunday = bogota(2026, 12, 13, 11, 0)
    deliver(sender, sunday)
    assert bodies(twilio, her) == ["hola"]
    assert [m.id for m in held(rt, her)] == [question.id]
    deliver(sender, bogota(2026, 12, 14, 7, 0))
    assert bodies(twilio, her) == ["hola", "¿cómo te fue?"]


def test_a_retry_of_the_days_message_keeps_its_slot(
    rt: Runtime, sender: OutboxSender, twilio: TwilioEndpoint
) -> None:
    from tests.support.twilio_endpoint import Fault

    her = subscriber(rt, address=False)
    reminder(rt, her)
    twilio.inject(Fault(503, 20500, "unavailable"))
    deliver(sender, MONDAY_10)
    assert bodies(twilio, her) == []
    deliver(sender, MONDAY_10 + timedelta(minutes=1))
    assert bodies(twilio, her) == ["recordatorio"]


# --- the channel: template or text --------------------------------------------------------------
def test_whatsapp_outside_the_window_gets_the_approved_template(
    rt: Runtime, sender: OutboxSender, twilio: TwilioEndpoint, calls: dict[str, str]
) -> None:
    her = subscriber(rt, calls["lunes"], channel="whatsapp",
                     wrote_at=MONDAY_10 - timedelta(hours=30))  # fmt: skip
    send_due_reminders(rt, MONDAY_10)
    [message] = held(rt, her)
    template = next(t for t in rt.content.snapshot().whatsapp_templates if t.id == TEMPLATE_ID)
    assert message.content_sid == template.content_sid
    assert json.loads(message.content_variables) == {
        "1": "Beca de prueba lunes",
        "2": "jueves 17 de diciembre de 2026",
    }
    assert "{{" not in message.body and "Beca de prueba lunes" in message.body
    deliver(sender, MONDAY_10)
    [sent] = twilio.to(her.address)
    assert sent.content_sid == template.content_sid and sent.to == her.address


def test_whatsapp_inside_the_window_gets_text(
    rt: Runtime, sender: OutboxSender, twilio: TwilioEndpoint, calls: dict[str, str]
) -> None:
    her = subscriber(rt, calls["lunes"], channel="whatsapp",
                     wrote_at=MONDAY_10 - timedelta(hours=2))  # fmt: skip
    send_due_reminders(rt, MONDAY_10)
    [message] = held(rt, her)
    assert not message.content_sid and message.body.startswith("Recordatorio ALMAS")
    deliver(sender, MONDAY_10)
    [sent] = twilio.to(her.address)
    assert sent.content_sid == "" and "Beca de prueba lunes" in sent.body


def test_whatsapp_window_closing_before_the_reminder_may_go_gets_the_template(
    rt: Runtime, calls: dict[str, str]
) -> None:
    """Her window is open now, but she got a proactive message today: the reminder leaves
    tomorrow at 7:00, when free text would be refused."""
    her = subscriber(rt, calls["lunes"], channel="whatsapp",
                     wrote_at=MONDAY_10 - timedelta(hours=3))  # fmt: skip
    rt.redis.set(rt.keys.proactive_last(her.pid),
                 json.dumps({"at": MONDAY_10.isoformat(), "id": "out_earlier"}))  # fmt: skip
    send_due_reminders(rt, MONDAY_10 + timedelta(minutes=15))
    [message] = held(rt, her)
    assert message.content_sid


def test_sms_gets_text(
    rt: Runtime, sender: OutboxSender, twilio: TwilioEndpoint, calls: dict[str, str]
) -> None:
    her = subscriber(rt, calls["lunes"], channel="sms")
    send_due_reminders(rt, MONDAY_10)
    deliver(sender, MONDAY_10)
    [sent] = twilio.to(her.number)
    assert sent.content_sid == "" and "Beca de prueba lunes" in sent.body


# --- her address, erasure, idempotency -------------------------------------------------------
def test_her_address_is_kept_only_while_a_reminder_is_pending(
    rt: Runtime, calls: dict[str, str]
) -> None:
    nobody = "p_" + uuid.uuid4().hex[:16]
    assert not remember_address(rt, nobody, "+573005550000", now=SUBSCRIBED_AT)
    assert rt.redis.get(rt.keys.reminder_address(nobody)) is None
    her = subscriber(rt, calls["lunes"], calls["inmaculada"])
    key = rt.keys.reminder_address(her.pid)
    assert rt.redis.get(key) == her.address
    # Until the end of the last closing day (17 December, Bogotá).
    end = bogota(2026, 12, 18, 0, 0)
    assert abs(rt.redis.ttl(key) - (end - SUBSCRIBED_AT).total_seconds()) < 5
    # She writes later from WhatsApp: the reminder goes where she wrote last.
    assert remember_address(rt, her.pid, "whatsapp:" + her.number, now=SUBSCRIBED_AT)
    assert rt.redis.get(key) == "whatsapp:" + her.number


def test_erasure_removes_her_address_and_what_waits_for_her(
    rt: Runtime, calls: dict[str, str]
) -> None:
    her = subscriber(rt, calls["lunes"], calls["otra"])
    send_due_reminders(rt, MONDAY_10)
    rt.redis.set(rt.keys.proactive_last(her.pid), "{}")
    erase_everything(rt, her.pid)
    for key in (rt.keys.proactive_held(her.pid), rt.keys.proactive_last(her.pid),
                rt.keys.reminder_address(her.pid)):  # fmt: skip
        assert not rt.redis.exists(key), key
    assert held(rt, her) == []


def test_the_job_is_idempotent(rt: Runtime, calls: dict[str, str]) -> None:
    her = subscriber(rt, calls["lunes"])
    assert send_due_reminders(rt, MONDAY_10) == {QUEUED: 1}
    assert send_due_reminders(rt, MONDAY_10) == {}
    # A crash after queueing, before the decision was stored: the next run does not repeat it.
    with rt.sessions() as session:
        session.execute(
            update(ReminderSubscription)
            .where(ReminderSubscription.participant_id == her.pid)
            .values(reminded_at=None, reminder_outcome=None)
        )
        session.commit()
    assert send_due_reminders(rt, MONDAY_10 + timedelta(minutes=15)) == {QUEUED: 1}
    assert len(held(rt, her)) == 1
    # A second scheduler while one runs does nothing.
    rt.redis.set(rt.keys.reminders_lock(), "1")
    assert send_due_reminders(rt, MONDAY_10) is None


# --- settings ------------------------------------------------------------------------------------
def test_settings(migrated_sqlite_url: str) -> None:
    env = base_environment("almastestsettings", migrated_sqlite_url)
    assert load_settings(environ=env).reminder_days_before == 3
    assert load_settings(environ={**env, "REMINDER_DAYS_BEFORE": "5"}).reminder_days_before == 5
    assert load_settings(environ=env).proactive_limits
    with pytest.raises(SettingsError, match="development only"):
        load_settings(environ={**env, "PROACTIVE_LIMITS": "false"})
    dev = {**env, "ALMAS_ENV": "development", "PROACTIVE_LIMITS": "false"}
    assert not load_settings(environ=dev).proactive_limits


def test_an_sms_reminder_is_one_message_never_split_in_parts(rt: Runtime) -> None:
    """Two parts would be two proactive messages: the second would be held a day."""
    from bot.reminders.job import reminder_messages

    longest = max(ContentStore(CONTENT).snapshot().scholarships, key=lambda c: len(c.name))
    for transliterate in (True, False):
        rt.settings = dataclasses.replace(rt.settings, sms_transliterate=transliterate)
        [message] = reminder_messages(rt, "p_x", "+573005550000", longest, MONDAY_10)
        assert message.proactive and message.body.startswith("Recordatorio ALMAS")
        assert longest.name.split()[-1] in message.body


def test_a_case_worker_cannot_send_the_reminder_template_with_empty_values(rt: Runtime) -> None:
    from bot.handoff.relay import RelayError, send_template

    ticket = rt.handoff.open("p_" + uuid.uuid4().hex[:12], "whatsapp", "general", "…",
                             "normal", "whatsapp:+573005550000")  # fmt: skip
    with pytest.raises(RelayError, match="filled in by the bot"):
        send_template(rt, ticket, TEMPLATE_ID)
    assert rt.outbox.pending(ticket.participant) == []


def test_a_reminder_is_recorded_under_the_reminders_outbox_prefix_for_the_reports(
    rt: Runtime, sender: OutboxSender, twilio: TwilioEndpoint, calls: dict[str, str]
) -> None:
    """The reports count reminders sent and delivered from the transcript (bot/reports/)."""
    from bot.store.models import REMINDER_OUTBOX_PREFIX

    her = subscriber(rt, calls["lunes"], channel="sms")
    send_due_reminders(rt, MONDAY_10)
    [message] = held(rt, her)
    assert message.id.startswith(REMINDER_OUTBOX_PREFIX)
    deliver(sender, MONDAY_10)
    [row] = [m for m in transcript(rt.sessions, her.pid) if m.direction == "out"]
    assert row.outbox_id == message.id and row.status == "queued"  # as Twilio answered
