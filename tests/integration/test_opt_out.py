"""Opt-out and opt-in (BAJA / STOP…, ALTA / INICIO / START), confirmed once, enforced in the
outbox for proactive messages; Twilio's 21610 marks her opted out."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from bot.conversation.worker import ConversationWorker
from bot.core.messages import BotReply, OutboundMessage
from bot.outbound.sender import OutboxSender
from bot.privacy.optout import IN, OUT, keyword
from bot.runtime import Runtime
from bot.store.participants import is_opted_out
from bot.store.transcript import transcript
from tests.support.twilio_endpoint import Fault, TwilioEndpoint
from tests.support.worker import ScriptedRasa, outbox_bodies, she_writes, work


@pytest.mark.parametrize(
    ("text", "opted_out", "wish"),
    [("BAJA", False, OUT), ("Stop", False, OUT), ("parar.", False, OUT), ("cancelar", False, OUT),
     ("ALTO", False, OUT), ("darme de baja", False, OUT), ("salir", False, None),
     ("ALTA", True, IN), ("start", True, IN), ("INICIO", True, IN), ("inicio", False, None),
     ("si", True, None), ("quiero darme de baja del curso de excel", False, None)],
)  # fmt: skip
def test_keywords_are_the_whole_message(text: str, opted_out: bool, wish: str | None) -> None:
    assert keyword(text, opted_out) == wish


def test_baja_is_confirmed_once_and_alta_brings_her_back(runtime: Runtime) -> None:
    rasa = ScriptedRasa([BotReply("menú")])
    worker = ConversationWorker(runtime, rasa)
    pid = she_writes(runtime, "BAJA", "SMo1")
    work(worker)
    assert is_opted_out(runtime.sessions, pid)
    she_writes(runtime, "baja", "SMo2")
    work(worker)
    assert outbox_bodies(runtime, pid) == [runtime.content.system_text("opt_out_confirmed")]
    she_writes(runtime, "INICIO", "SMo3")
    work(worker)
    assert not is_opted_out(runtime.sessions, pid)
    assert outbox_bodies(runtime, pid)[-1] == runtime.content.system_text("opt_in_confirmed")
    assert rasa.received == []


@pytest.fixture
def sender(runtime: Runtime, twilio: TwilioEndpoint) -> OutboxSender:
    runtime.settings = dataclasses.replace(runtime.settings, twilio_api_url=twilio.base_url)
    return OutboxSender(runtime)


def test_nothing_proactive_reaches_her_once_she_opted_out(
    runtime: Runtime, sender: OutboxSender, twilio: TwilioEndpoint
) -> None:
    pid = she_writes(runtime, "baja", "SMo4")
    work(ConversationWorker(runtime, ScriptedRasa([BotReply("x")])))
    number = "+57300" + str(uuid.uuid4().int)[:7]
    reminder = OutboundMessage(participant=pid, channel="sms", to=number, body="recordatorio",
                               proactive=True)  # fmt: skip
    answer = OutboundMessage(participant=pid, channel="sms", to=number, body="respuesta")
    runtime.outbox.enqueue(pid, [reminder.to_json(), answer.to_json()])
    while (lease := runtime.outbox.claim(5)) is not None:
        sender.work_on(lease)
    assert [s.body for s in twilio.to(number)] == ["respuesta"]
    rows = {m.outbox_id: m.status for m in transcript(runtime.sessions, pid)}
    assert rows[reminder.id] == "suppressed"


def test_twilio_21610_marks_her_opted_out(
    runtime: Runtime, sender: OutboxSender, twilio: TwilioEndpoint
) -> None:
    pid = "p_" + uuid.uuid4().hex[:12]
    twilio.inject(Fault(400, 21610, "Attempt to send to unsubscribed recipient"))
    message = OutboundMessage(participant=pid, channel="sms", to="+573005550999", body="hola")
    runtime.outbox.enqueue(pid, [message.to_json()])
    while (lease := runtime.outbox.claim(5)) is not None:
        sender.work_on(lease)
    assert is_opted_out(runtime.sessions, pid)
