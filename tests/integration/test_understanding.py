"""The topic of each conversation (issue 15, item 2), through the worker on the real Redis and
SQL with a scripted Rasa (tests/stack/test_stack_understanding.py does it with the real one):
after consent, a turn the dialogue answered stores the NLU's intent, its confidence and whether
it was a fallback on her message's row; nothing is asked or stored before consent or for turns
the dialogue did not answer; a failure to read it never costs her answer; erasure removes it."""

from __future__ import annotations

import random
import uuid

import pytest

from bot.conversation.rasa_client import (
    Intent,
    RasaClient,
    RasaError,
    RasaTimeout,
    RasaUnavailable,
)
from bot.conversation.worker import ConversationWorker
from bot.core.messages import BotReply
from bot.privacy.erasure import erase_everything
from bot.runtime import Runtime
from bot.store.models import IN, Message
from bot.store.transcript import transcript
from tests.support.worker import ScriptedRasa, outbox_bodies, she_writes, work

pytestmark = pytest.mark.cluster_too  # Redis-facing: also on a local Redis Cluster


def a_number() -> str:
    return "+57300" + str(random.randrange(10**6, 10**7))


def a_sid() -> str:
    return "SM" + uuid.uuid4().hex  # the session's database is shared: one of its own


def her_message(runtime: Runtime, pid: str, sid: str) -> Message:
    [row] = [m for m in transcript(runtime.sessions, pid) if m.twilio_sid == sid]
    assert row.direction == IN
    return row


def test_after_consent_her_message_keeps_what_the_dialogue_understood(runtime: Runtime) -> None:
    rasa = ScriptedRasa([BotReply("Estas son las becas abiertas…")])
    rasa.understood = Intent("ask_scholarships", 0.93)
    sid = a_sid()
    pid = she_writes(runtime, "hay becas pa mi?", sid, sender=a_number())
    work(ConversationWorker(runtime, rasa))
    assert outbox_bodies(runtime, pid) == ["Estas son las becas abiertas…"]
    row = her_message(runtime, pid, sid)
    assert (row.intent, row.intent_confidence, row.fallback) == ("ask_scholarships", 0.93, False)
    assert rasa.asked_what_was_understood == [pid]  # Rasa's sender id: never her number


@pytest.mark.parametrize(
    ("intent", "reply"),
    [("nlu_fallback", "Tengo otra cosa que decirte"), ("ask_courses", "utter_default"),
     ("inform", "utter_level_not_understood")],
    ids=["the NLU's fallback", "answered not understood", "a form did not understand"],
)  # fmt: skip
def test_a_fallback_is_marked_by_the_intent_or_by_the_not_understood_answer(
    runtime: Runtime, intent: str, reply: str
) -> None:
    text = runtime.content.render(reply).text if reply.startswith("utter_") else reply
    rasa = ScriptedRasa([BotReply(text)])
    rasa.understood = Intent(intent, 0.41)
    sid = a_sid()
    pid = she_writes(runtime, "asdf qwer", sid, sender=a_number())
    work(ConversationWorker(runtime, rasa))
    row = her_message(runtime, pid, sid)
    assert (row.intent, row.fallback) == (intent, True)


def test_the_fallback_options_answer_is_a_fallback(runtime: Runtime) -> None:
    options = BotReply(runtime.content.system_text("fallback_options"))
    rasa = ScriptedRasa([options])
    rasa.understood = Intent("ask_credit", 0.3)
    sid = a_sid()
    pid = she_writes(runtime, "lo del coso ese", sid, sender=a_number())
    work(ConversationWorker(runtime, rasa))
    assert her_message(runtime, pid, sid).fallback is True


@pytest.mark.parametrize(
    "failure",
    [RasaUnavailable("down"), RasaTimeout("slow"), RasaError("500"), ValueError("odd tracker")],
    ids=["unreachable", "timeout", "error", "anything else"],
)
def test_a_failure_to_read_what_was_understood_never_costs_her_answer(
    runtime: Runtime, failure: Exception
) -> None:
    rasa = ScriptedRasa([BotReply("¡Hola! ¿En qué te ayudo?")])
    rasa.understood = failure
    sid = a_sid()
    pid = she_writes(runtime, "hola", sid, sender=a_number())
    work(ConversationWorker(runtime, rasa))
    assert outbox_bodies(runtime, pid) == ["¡Hola! ¿En qué te ayudo?"]
    assert runtime.inbox.pending(pid) == [] and runtime.inbox.deadletters() == []
    row = her_message(runtime, pid, sid)  # stored all the same, without the intent
    assert (row.intent, row.intent_confidence, row.fallback) == (None, None, None)


def test_nothing_is_asked_or_stored_before_consent(runtime: Runtime) -> None:
    rasa = ScriptedRasa([BotReply("no debería responder Rasa")])
    rasa.understood = Intent("greet", 0.99)
    sid = a_sid()
    pid = she_writes(runtime, "hola", sid, consented=False, sender=a_number())
    work(ConversationWorker(runtime, rasa))
    assert rasa.received == [] and rasa.asked_what_was_understood == []
    assert transcript(runtime.sessions, pid) == []
    assert outbox_bodies(runtime, pid)  # the notice


@pytest.mark.parametrize("text", ["BAJA", "MIS DATOS"], ids=["opt-out keyword", "data rights"])
def test_turns_the_dialogue_did_not_answer_are_not_read_back(runtime: Runtime, text: str) -> None:
    rasa = ScriptedRasa([BotReply("no debería responder Rasa")])
    rasa.understood = Intent("opt_out", 0.99)
    sid = a_sid()
    pid = she_writes(runtime, text, sid, sender=a_number())
    work(ConversationWorker(runtime, rasa))
    assert rasa.received == [] and rasa.asked_what_was_understood == []
    assert all(m.intent is None for m in transcript(runtime.sessions, pid))


def test_asking_for_a_person_keeps_what_was_understood_too(runtime: Runtime) -> None:
    """Her message is stored before the commit (a person needs it); the intent follows."""
    rasa = ScriptedRasa([BotReply("", handoff="normal", handoff_topic="credit")])
    rasa.understood = Intent("request_human", 0.88)
    sid = a_sid()
    pid = she_writes(runtime, "quiero hablar con una asesora", sid, sender=a_number())
    work(ConversationWorker(runtime, rasa))
    assert runtime.handoff.open_ticket(pid) is not None
    row = her_message(runtime, pid, sid)
    assert (row.intent, row.intent_confidence, row.fallback) == ("request_human", 0.88, False)


def test_erasure_removes_what_was_understood_with_her_messages(runtime: Runtime) -> None:
    rasa = ScriptedRasa([BotReply("Cursos…")])
    rasa.understood = Intent("ask_courses", 0.9)
    sid = a_sid()
    pid = she_writes(runtime, "cursos", sid, sender=a_number())
    work(ConversationWorker(runtime, rasa))
    assert her_message(runtime, pid, sid).intent == "ask_courses"
    erase_everything(runtime, pid)
    with runtime.sessions() as session:
        assert session.query(Message).filter(Message.participant_id == pid).count() == 0


def test_reading_the_tracker_from_a_rasa_that_is_not_there_is_an_outage() -> None:
    with pytest.raises(RasaUnavailable):
        RasaClient("http://127.0.0.1:9", timeout=2).latest_intent("p_x")
