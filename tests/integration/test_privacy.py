"""Consent (Ley 1581), data rights, free-phrasing opt-out, rate limit, supervisor alerts and
the retention purge, on the real Redis and SQL with a scripted Rasa (the real Rasa is in
tests/stack/test_stack_privacy.py)."""

from __future__ import annotations

import dataclasses
import json
import logging
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.channels.twilio.inbound import parse_twilio_form
from bot.conversation.worker import ConversationWorker
from bot.core.keys import Keys
from bot.core.logs import PhoneNumberFilter, mask_phone_numbers
from bot.core.messages import OPT_OUT_SIGNAL, BotReply, OutboundMessage
from bot.privacy.consent import ACCEPT, DECLINE, answer_to_notice
from bot.privacy.data_rights import ERASE, SHOW, command, confirms_erasure
from bot.privacy.optout import IN, OUT, keyword
from bot.privacy.retention import purge_expired
from bot.runtime import Runtime
from bot.store.handoff import add_note
from bot.store.models import ErasureAudit, HandoffNote, Message, Participant
from bot.store.participants import consent_version, erasure_audit, is_opted_out, sensitive_columns
from bot.store.reminders import subscribe_reminders
from bot.store.transcript import record_inbound, transcript
from tests.support.twilio_payloads import SMS_HOLA
from tests.support.worker import (
    ScriptedRasa,
    outbox_bodies,
    she_writes,
    staff_mailboxes,
    work,
)

# Redis-facing: also on a local Redis Cluster (issue 13, item 12).
pytestmark = pytest.mark.cluster_too


@pytest.fixture
def her() -> str:
    """A number of her own for each test (the SQL database is shared by the session)."""
    return "+1555" + str(uuid.uuid4().int)[:7]


def sid() -> str:
    return "SM" + uuid.uuid4().hex


def texts(runtime: Runtime, pid: str) -> list[str]:
    return outbox_bodies(runtime, pid)


def sql_rows_about(runtime: Runtime, pid: str) -> dict[str, int]:
    with runtime.sessions() as session:
        people = session.scalars(select(Participant.id).where(Participant.id == pid))
        messages = session.scalars(select(Message.id).where(Message.participant_id == pid))
        return {"participants": len(people.all()), "messages": len(messages.all())}


def redis_keys_about(runtime: Runtime, pid: str) -> list[str]:
    return sorted(
        k for k in runtime.redis.scan_iter(f"{runtime.settings.redis_prefix}*") if pid in k
    )


# -- pure rules ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "asked", "wish"),
    [("ACEPTO", False, ACCEPT), ("acepto.", True, ACCEPT), ("Sí", True, ACCEPT),
     ("si", False, None), ("NO ACEPTO", True, DECLINE), ("no", True, DECLINE), ("no", False, None),
     ("hola quiero cursos", True, None)],
)  # fmt: skip
def test_the_answer_to_the_notice_must_be_clear(text: str, asked: bool, wish: str | None) -> None:
    assert answer_to_notice(text, asked) == wish


@pytest.mark.parametrize(
    ("text", "wish"),
    [("ya no me manden más mensajes", OUT), ("dejen de escribirme porfa", OUT),
     ("no quiero recibir mas avisos", OUT), ("Quiero darme de baja", OUT),
     ("no me escriban más", OUT), ("¿cómo me doy de baja?", None),
     ("no me mandaron nada del curso", None), ("quiero volver a recibir los avisos", IN)],
)  # fmt: skip
def test_opt_out_in_free_phrasing(text: str, wish: str | None) -> None:
    assert keyword(text, opted_out=False) == wish


@pytest.mark.parametrize(
    ("text", "wish"),
    [("MIS DATOS", SHOW), ("mis datos?", SHOW), ("BORRAR MIS DATOS", ERASE),
     ("eliminar mis datos", ERASE), ("mis datos del curso no llegaron", None)],
)  # fmt: skip
def test_data_rights_commands(text: str, wish: str | None) -> None:
    assert command(text) == wish


def test_her_no_keeps_her_data_and_is_confirmed(runtime: Runtime, her: str) -> None:
    rasa = ScriptedRasa([BotReply("x")])
    worker = ConversationWorker(runtime, rasa)
    pid = she_writes(runtime, "BORRAR MIS DATOS", sid(), sender=her)
    work(worker)
    she_writes(runtime, "no", sid(), sender=her)
    work(worker)
    assert texts(runtime, pid)[-1] == runtime.content.system_text("erase_cancelled")
    assert sql_rows_about(runtime, pid)["participants"] == 1 and rasa.received == []


def test_only_a_clear_borrar_confirms_an_erasure() -> None:
    assert confirms_erasure("BORRAR") and confirms_erasure("sí, borrar")
    assert not confirms_erasure("no") and not confirms_erasure("borrar el curso")


def test_phone_numbers_are_masked_in_every_log_line(caplog: pytest.LogCaptureFixture) -> None:
    assert mask_phone_numbers("to whatsapp:+15550001234 / +15550004321") == (
        "to whatsapp:+…34 / +…21"
    )
    record = logging.LogRecord("x", logging.INFO, "f", 1, "sent to %s", ("+15550009876",), None)
    PhoneNumberFilter().filter(record)
    assert record.getMessage() == "sent to +…76"


def test_sensitive_fields_are_marked() -> None:
    assert sensitive_columns() == ["handoff_notes.text", "messages.text"]


# -- consent ---------------------------------------------------------------------------------
def test_first_contact_gets_the_notice_and_nothing_is_stored(runtime: Runtime, her: str) -> None:
    rasa = ScriptedRasa([BotReply("menú")])
    pid = she_writes(runtime, "hola, quiero info de cursos", sid(), consented=False, sender=her)
    work(ConversationWorker(runtime, rasa))
    notice, rights = texts(runtime, pid)
    assert "180 días" in notice and "Tu número no queda" in notice
    assert "ACEPTO" in rights and runtime.settings.public_base_url + "/privacidad" in rights
    assert rasa.received == []  # Rasa keeps a tracker: not before she accepts
    assert sql_rows_about(runtime, pid) == {"participants": 0, "messages": 0}
    assert redis_keys_about(runtime, pid) == [runtime.keys.consent_asked(pid)] + [
        k for k in redis_keys_about(runtime, pid) if ":outbox:" in k
    ]
    assert all(not OutboundMessage.from_json(r).record for r in runtime.outbox.pending(pid))


def test_acepto_records_consent_with_version_and_time_and_the_bot_starts(
    runtime: Runtime,
    her: str,
) -> None:
    rasa = ScriptedRasa([BotReply("¿En qué te ayudo?")])
    worker = ConversationWorker(runtime, rasa)
    pid = she_writes(runtime, "hola", sid(), consented=False, sender=her)
    work(worker)
    she_writes(runtime, "ACEPTO", sid(), consented=False, sender=her)
    work(worker)
    version = runtime.content.snapshot().privacy.notice_version  # type: ignore[union-attr]
    assert consent_version(runtime.sessions, pid) == version
    with runtime.sessions() as session:
        when = session.get(Participant, pid).consented_at  # type: ignore[union-attr]
    assert when is not None
    assert texts(runtime, pid)[-2:] == [
        runtime.content.system_text("consent_thanks"),
        "¿En qué te ayudo?",
    ]
    assert [m.text for m in transcript(runtime.sessions, pid)] == ["ACEPTO"]


def test_declining_still_gives_the_lines_and_information_and_keeps_nothing(
    runtime: Runtime,
    her: str,
) -> None:
    rasa = ScriptedRasa([BotReply("menú")])
    worker = ConversationWorker(runtime, rasa)
    pid = she_writes(runtime, "hola", sid(), consented=False, sender=her)
    work(worker)
    she_writes(runtime, "NO ACEPTO", sid(), consented=False, sender=her)
    work(worker)
    declined, info = texts(runtime, pid)[-2:]
    assert "123" in declined and "155" in declined
    assert info == runtime.content.system_text("consent_declined_info")
    assert sql_rows_about(runtime, pid) == {"participants": 0, "messages": 0}
    assert not runtime.redis.exists(runtime.keys.consent_asked(pid))
    assert rasa.received == []


def test_a_new_notice_version_asks_again(runtime: Runtime, her: str) -> None:
    rasa = ScriptedRasa([BotReply("menú")])
    worker = ConversationWorker(runtime, rasa)
    pid = she_writes(runtime, "hola", sid(), sender=her)
    with runtime.sessions() as session:
        session.execute(
            update(Participant).where(Participant.id == pid).values(consent_version="2020-01-01")
        )
        session.commit()
    work(worker)
    assert texts(runtime, pid)[0].startswith("Actualizamos nuestro aviso")
    assert rasa.received == []


def test_a_crisis_before_consent_gets_the_lines_and_a_person_at_once(
    runtime: Runtime, her: str
) -> None:
    rasa = ScriptedRasa([BotReply("menú")])
    pid = she_writes(runtime, "mi marido me pega", sid(), consented=False, sender=her)
    work(ConversationWorker(runtime, rasa))
    assert "155" in texts(runtime, pid)[0]
    ticket = runtime.handoff.open_ticket(pid)
    assert ticket is not None and ticket.priority == "urgent"
    # Urgency (Ley 1581 art. 10): her words are kept for the case worker.
    assert [m.text for m in transcript(runtime.sessions, pid)] == ["mi marido me pega"]


# -- data rights -----------------------------------------------------------------------------
def test_mis_datos_says_what_is_stored(runtime: Runtime, her: str) -> None:
    rasa = ScriptedRasa([BotReply("hola")])
    worker = ConversationWorker(runtime, rasa)
    pid = she_writes(runtime, "hola", sid(), sender=her)
    work(worker)
    subscribe_reminders(runtime.sessions, pid, ["beca-sena"])
    she_writes(runtime, "MIS DATOS", sid(), sender=her)
    work(worker)
    summary, more = texts(runtime, pid)[-2:]
    assert "1 mensajes" in summary and "180 días" in summary
    assert "Recordatorios de becas: 1" in more and "Tu número de teléfono no queda" in more


def test_borrar_mis_datos_erases_her_everywhere_after_confirmation(
    runtime: Runtime, her: str
) -> None:
    rasa = ScriptedRasa([BotReply("hola", handoff="normal", handoff_topic="credit")])
    worker = ConversationWorker(runtime, rasa)
    pid = she_writes(runtime, "quiero una asesora", sid(), sender=her)
    work(worker)
    ticket = runtime.handoff.open_ticket(pid)
    assert ticket is not None
    add_note(runtime.sessions, ticket.id, "ana@almas.example.org", "pidió crédito")
    subscribe_reminders(runtime.sessions, pid, ["beca-sena"])
    audits_before = len(erasure_audit(runtime.sessions))
    tracker = Keys(runtime.settings.redis_prefix).rasa_tracker(pid)
    runtime.rasa_redis.set(tracker, "{}")  # what Rasa keeps (the stack test uses the real one)
    she_writes(runtime, "BORRAR MIS DATOS", sid(), sender=her)
    work(worker)
    assert texts(runtime, pid)[-1] == runtime.content.system_text("erase_confirm")
    assert sql_rows_about(runtime, pid)["messages"] > 0  # nothing gone before she confirms
    she_writes(runtime, "BORRAR", sid(), sender=her)
    work(worker)
    assert texts(runtime, pid)[-1] == runtime.content.system_text("erase_done")
    assert sql_rows_about(runtime, pid) == {"participants": 0, "messages": 0}
    with runtime.sessions() as session:
        assert (
            session.scalars(select(HandoffNote).where(HandoffNote.ticket_id == ticket.id)).all()
            == []
        )
    assert runtime.handoff.open_ticket(pid) is None and runtime.handoff.get(ticket.id) is None
    assert not runtime.rasa_redis.exists(tracker)
    # Only erasure's own mark stays (no data, a week): replies still queued are not stored.
    assert [k for k in redis_keys_about(runtime, pid) if ":outbox:" not in k] == [
        runtime.keys.erased(pid)
    ]
    [audit] = erasure_audit(runtime.sessions)[audits_before:]
    removed = json.loads(audit.removed)
    assert removed["messages"] >= 1 and removed["rasa_tracker"] == 1
    assert pid not in audit.removed and isinstance(audit, ErasureAudit)
    # She is a new contact now: the notice again.
    she_writes(runtime, "hola", sid(), consented=False, sender=her)
    work(worker)
    assert "ACEPTO" in texts(runtime, pid)[-1]


def test_anything_but_borrar_cancels_the_erasure(runtime: Runtime, her: str) -> None:
    rasa = ScriptedRasa([BotReply("cursos…")])
    worker = ConversationWorker(runtime, rasa)
    audits_before = len(erasure_audit(runtime.sessions))
    pid = she_writes(runtime, "BORRAR MIS DATOS", sid(), sender=her)
    work(worker)
    she_writes(runtime, "mejor no, quiero cursos", sid(), sender=her)
    work(worker)
    assert texts(runtime, pid)[-1] == "cursos…"
    assert sql_rows_about(runtime, pid)["participants"] == 1
    assert len(erasure_audit(runtime.sessions)) == audits_before


# -- opt-out from the dialogue, rate limit, alerts, retention ---------------------------------
def test_an_opt_out_understood_by_the_nlu_opts_her_out(runtime: Runtime, her: str) -> None:
    rasa = ScriptedRasa([BotReply("", signal=OPT_OUT_SIGNAL)])
    pid = she_writes(runtime, "ya estuvo bueno de tanto mensajito", sid(), sender=her)
    work(ConversationWorker(runtime, rasa))
    assert is_opted_out(runtime.sessions, pid)
    assert texts(runtime, pid) == [runtime.content.system_text("opt_out_confirmed")]


def test_over_the_rate_limit_she_is_told_once_and_rasa_is_spared(
    runtime: Runtime, her: str
) -> None:
    rasa = ScriptedRasa([BotReply("respuesta")])
    worker = ConversationWorker(runtime, rasa)
    pid = she_writes(runtime, "hola", sid(), sender=her)  # her consent, before the flood
    work(worker)
    rasa.received.clear()
    for i in range(3):
        form = {**SMS_HOLA, "From": her, "Body": f"spam {i}", "MessageSid": sid()}
        form["SmsMessageSid"] = form["MessageSid"]
        # What the webhook does past the limit: the message is kept, flagged.
        message = dataclasses.replace(parse_twilio_form(form), over_rate_limit=True)
        runtime.inbox.enqueue(pid, [message.to_json()])
    work(worker)
    assert texts(runtime, pid)[-1] == runtime.content.system_text("throttled")
    assert texts(runtime, pid).count(runtime.content.system_text("throttled")) == 1
    assert rasa.received == []
    kept = [m.text for m in transcript(runtime.sessions, pid)]
    assert [t for t in kept if t.startswith("spam")] == ["spam 0", "spam 1", "spam 2"]


def test_an_urgent_ticket_alerts_supervisors_without_personal_data(
    runtime: Runtime, her: str
) -> None:
    runtime.settings = dataclasses.replace(
        runtime.settings, supervisor_alert_to=("whatsapp:+15550009999",)
    )
    pid = she_writes(runtime, "me quiero matar", sid(), sender=her)
    work(ConversationWorker(runtime, ScriptedRasa([BotReply("x")])))
    [urgent] = [t for t in runtime.handoff.waiting() if t.priority == "urgent"]
    assert urgent.topic == "emergency:suicide_selfharm"  # what the console's banner shows
    staff = staff_mailboxes(runtime)
    [raw] = runtime.redis.lrange(staff[0], 0, -1)
    message = OutboundMessage.from_json(raw)
    assert message.to == "whatsapp:+15550009999" and "URGENTE" in message.body
    assert pid not in message.body and "matar" not in message.body and not message.record


def test_the_retention_purge_deletes_only_what_is_past_retention(
    runtime: Runtime, her: str
) -> None:
    old, new, pid = sid(), sid(), "p_" + uuid.uuid4().hex
    record_inbound(runtime.sessions, pid, "sms", "viejo", old)
    record_inbound(runtime.sessions, pid, "sms", "nuevo", new)
    with runtime.sessions() as session:
        session.execute(
            update(Message)
            .where(Message.twilio_sid == old)
            .values(created_at=datetime.now(UTC) - timedelta(days=181))
        )
        session.commit()
    assert purge_expired(runtime)["messages"] >= 1  # type: ignore[index]
    assert [m.text for m in transcript(runtime.sessions, pid)] == ["nuevo"]
    runtime.redis.set(runtime.keys.purge_lock(), "1")
    assert purge_expired(runtime) is None  # another process is purging


def test_the_full_policy_linked_from_the_notice_is_served_from_content(runtime: Runtime) -> None:
    from webhooks.app import create_app

    page = create_app(runtime.settings, runtime).test_client().get("/privacidad")
    text = page.get_data(as_text=True)
    privacy = runtime.content.snapshot().privacy
    assert page.status_code == 200 and privacy is not None
    assert "Ley 1581" in text and privacy.notice_version in text and "BORRAR MIS DATOS" in text


def test_a_reply_still_queued_at_erasure_is_delivered_but_never_stored(
    runtime: Runtime, twilio, her: str  # type: ignore[no-untyped-def]
) -> None:
    """Issue 13, defect 4: the transcript row would have re-created her participant row."""
    import dataclasses as dc

    from bot.outbound.sender import OutboxSender
    from bot.privacy.erasure import erase_everything

    runtime.settings = dc.replace(runtime.settings, twilio_api_url=twilio.base_url)
    pid = "p_" + uuid.uuid4().hex
    queued = OutboundMessage(participant=pid, channel="sms", to=her, body="Tu respuesta llegó")
    runtime.outbox.enqueue(pid, [queued.to_json()])
    erase_everything(runtime, pid)
    sender = OutboxSender(runtime)
    lease = runtime.outbox.claim(5)
    assert lease is not None
    sender.work_on(lease)
    assert [s.body for s in twilio.to(her)] == ["Tu respuesta llegó"]  # delivered…
    assert transcript(runtime.sessions, pid) == []  # …not stored
    assert sql_rows_about(runtime, pid)["participants"] == 0
