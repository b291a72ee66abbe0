"""Safety, consent and data rights through the real stack (gunicorn, workers, Rasa, actions,
outbox, local Twilio endpoint): what is stored before consent, after consent and after
erasure; a crisis before consent; opt-out in free phrasing through the NLU; the rate limit;
no phone number in any log."""

from __future__ import annotations

import functools
import time
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.keys import Keys, shard_of, untagged
from bot.core.settings import load_settings
from bot.handoff.queue import HandoffQueue
from bot.store.engine import make_engine, make_sessionmaker
from bot.store.models import ErasureAudit, HandoffEvent, Message, Participant, ReminderSubscription
from tests.support.conversation import Participant as Her
from tests.support.environment import SUPERVISOR_ALERT_TO
from tests.support.stack import Stack, wait_until
from tests.support.twilio_endpoint import TwilioEndpoint

pytestmark = pytest.mark.stack

NOTHING_STORED = {
    "sql participants": 0, "sql messages": 0, "sql reminders": 0, "sql handoff events": 0,
    "redis keys": [], "rasa tracker": 0,
}
# What the helpline stores about her at each stage (the README's table comes from this).
EXPECTED_STORAGE = {
    "before consent": {
        "sql participants": 0, "sql messages": 0, "sql reminders": 0, "sql handoff events": 0,
        "redis keys": ["consent:asked:…"], "rasa tracker": 0,
    },
    "after consent": {
        "sql participants": 1, "sql messages": "≥ 2", "sql reminders": 0,
        "sql handoff events": 0, "redis keys": ["menu:…", "participant:…:contact"],
        "rasa tracker": 1,
    },
    "after erasure": {
        "sql participants": 0, "sql messages": 0, "sql reminders": 0, "sql handoff events": 0,
        # Erasure's own mark (no data, a week): replies still queued are not stored.
        "redis keys": ["participant:…:erased"], "rasa tracker": 0,
    },
}  # fmt: skip
USED_NUMBERS: list[str] = []


@functools.cache
def sessions(url: str) -> sessionmaker[Session]:
    return make_sessionmaker(make_engine(url))


def new_her(stack: Stack, twilio: TwilioEndpoint, consented: bool, channel: str = "sms") -> Her:
    number = "+1555" + str(uuid.uuid4().int)[:7]
    USED_NUMBERS.append(number)
    return Her(stack=stack, twilio=twilio, number=number, channel=channel, consented=consented)


def stored_about(stack: Stack, her: Her) -> dict[str, object]:
    db = sessions(stack.env["DATABASE_URL"])
    pid = her.id

    def count(column) -> int:  # type: ignore[no-untyped-def]
        with db() as session:
            return int(session.scalar(select(func.count()).where(column == pid)) or 0)

    settings = load_settings(environ=stack.env)
    keys = Keys(settings.redis_prefix)
    redis = stack_redis(stack)
    mine = [k for k in redis.scan_iter(f"{settings.redis_prefix}:*") if pid in k]
    # The per-minute rate counter is not about her content and expires within 2 minutes.
    mine = [k for k in mine if not k.startswith(keys.sender_rate(pid, 0).rsplit(":", 1)[0])]
    # Key kinds, without the deployment prefix and her shard's hash tag, and with her id as
    # "…"; mailboxes emptied once her messages are answered and sent.
    kinds = sorted(
        untagged(k).removeprefix(settings.redis_prefix + ":").replace(pid, "…")
        for k in mine
    )
    return {
        "sql participants": count(Participant.id),
        "sql messages": count(Message.participant_id),
        "sql reminders": count(ReminderSubscription.participant_id),
        "sql handoff events": count(HandoffEvent.participant_id),
        "redis keys": [k for k in kinds if ":mailbox:" not in k],
        "rasa tracker": int(redis.exists(Keys(settings.redis_prefix).rasa_tracker(pid))),
    }


@functools.cache
def _redis(url: str):  # type: ignore[no-untyped-def]
    import redis

    return redis.Redis.from_url(url, decode_responses=True)


def stack_redis(stack: Stack):  # type: ignore[no-untyped-def]
    return _redis(stack.env["REDIS_URL"])


def matches(stored: dict[str, int], expected: dict[str, object]) -> bool:
    return all(stored[k] >= 2 if v == "≥ 2" else stored[k] == v for k, v in expected.items())


def assert_stored(stack: Stack, her: Her, stage: str, timeout: float) -> None:
    expected = EXPECTED_STORAGE[stage]
    ok = wait_until(lambda: matches(stored_about(stack, her), expected), timeout)
    assert ok, f"{stage}: {stored_about(stack, her)}"


def wait_for_text(her: Her, fragment: str, timeout: float = 40.0) -> list[str]:
    assert wait_until(lambda: any(fragment in s.body for s in her.received()), timeout), [
        s.body for s in her.received()
    ]
    return [s.body for s in her.received()]


def test_what_is_stored_before_consent_after_consent_and_after_erasure(
    stack: Stack, twilio: TwilioEndpoint
) -> None:
    her = new_her(stack, twilio, consented=False)
    db = sessions(stack.env["DATABASE_URL"])
    with db() as session:
        audits_before = session.scalar(select(func.count(ErasureAudit.id)))

    her.says("hola, quiero saber de los cursos")
    wait_for_text(her, "ACEPTO")
    assert_stored(stack, her, "before consent", 10)

    her.says("ACEPTO")
    wait_for_text(her, "Gracias")
    assert_stored(stack, her, "after consent", 20)

    her.says("MIS DATOS")
    bodies = wait_for_text(her, "Para borrarlo todo")
    assert any("mensajes desde el" in b for b in bodies)

    her.says("BORRAR MIS DATOS")
    wait_for_text(her, "Responde BORRAR")
    her.says("BORRAR")
    wait_for_text(her, "borramos todos tus datos")
    assert_stored(stack, her, "after erasure", 20)
    with db() as session:
        audits = list(session.scalars(select(ErasureAudit).order_by(ErasureAudit.id)))
    assert len(audits) == audits_before + 1 and her.id not in audits[-1].removed

    # After erasure she is a new contact: the notice again.
    count = len(her.received())
    her.says("hola")
    replies = her.wait_for_replies(count + 2)
    assert "ACEPTO" in replies[-1].body


def test_declining_consent_gives_the_lines_and_keeps_nothing(
    stack: Stack, twilio: TwilioEndpoint
) -> None:
    her = new_her(stack, twilio, consented=False)
    her.says("hola")
    wait_for_text(her, "ACEPTO")
    her.says("NO ACEPTO")
    bodies = wait_for_text(her, "cambias de opinión")
    assert any("123" in b and "155" in b for b in bodies)
    time.sleep(0.5)
    assert matches(stored_about(stack, her), NOTHING_STORED)


def test_a_crisis_before_consent_gets_lines_a_person_and_an_alert_no_menu(
    stack: Stack, twilio: TwilioEndpoint
) -> None:
    her = new_her(stack, twilio, consented=False, channel="whatsapp")
    alerts_before = len(twilio.to(SUPERVISOR_ALERT_TO))
    her.says("mi ex me esta esperando afuera con un cuchillo, tengo miedo")
    first, follow_up = her.wait_for_replies(2)
    assert "123" in first.body and "155" in first.body
    assert "ACEPTO" not in first.body + follow_up.body and "1." not in first.body
    [alert] = twilio.wait_for(SUPERVISOR_ALERT_TO, alerts_before + 1)[alerts_before:]
    assert "URGENTE" in alert.body and her.number not in alert.body
    assert "cuchillo" not in alert.body
    redis = stack_redis(stack)
    keys = Keys(stack.env["REDIS_PREFIX"])
    ticket_id = redis.get(keys.handoff_open(her.id))
    assert ticket_id and redis.zscore(keys.handoff_queue(shard_of(her.id)), ticket_id) is not None
    HandoffQueue(redis, keys).abandon(her.id)  # the stack's queue is shared by other tests


def test_opt_out_in_free_phrasing_understood_by_the_nlu(
    stack: Stack, twilio: TwilioEndpoint
) -> None:
    her = new_her(stack, twilio, consented=True)
    her.says("apaguen las notificaciones")  # no keyword: Rasa's opt_out intent signals it
    wait_for_text(her, "no te enviaremos más mensajes")
    with sessions(stack.env["DATABASE_URL"])() as session:
        assert session.get(Participant, her.id).opted_out_at is not None  # type: ignore[union-attr]


def test_over_the_rate_limit_she_is_told_once_and_nothing_is_lost(
    stack: Stack, twilio: TwilioEndpoint
) -> None:
    her = new_her(stack, twilio, consented=True)
    limit = int(stack.env["RATE_LIMIT_PER_MINUTE"])
    sids = [her.says(f"hola {i}") for i in range(limit + 3)]
    bodies = wait_for_text(her, "escribiendo muy rápido", timeout=90)
    db = sessions(stack.env["DATABASE_URL"])

    def stored_inbound() -> int:
        with db() as session:
            return int(
                session.scalar(select(func.count()).where(Message.twilio_sid.in_(sids))) or 0
            )

    assert wait_until(lambda: stored_inbound() == len(sids), 60), stored_inbound()
    time.sleep(1)
    bodies = [s.body for s in her.received()]
    assert sum("escribiendo muy rápido" in b for b in bodies) == 1


def test_no_phone_number_reaches_any_log(stack: Stack) -> None:
    assert USED_NUMBERS, "runs after the conversations above"
    logs = "".join(p.read_text(errors="replace") for p in stack.log_dir.glob("*"))
    assert logs, "the stack writes logs"
    for number in USED_NUMBERS:
        assert number not in logs and number.lstrip("+") not in logs
