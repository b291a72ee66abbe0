"""The crisis gate's three answers on the real Redis and SQL, with a scripted Rasa and the
assessment scripted per text (the classifier's own quality is tests/unit/test_crisis_assess.py
and bench/crisis_eval.py): certain danger, possible danger and her SÍ / NO / other answer or
silence, the NLU's emergency, and erasure of a pending check."""

from __future__ import annotations

import time
import uuid

import pytest

import bot.conversation.worker as worker_module
from bot.conversation.crisis import check, kinds
from bot.conversation.crisis.assess import CERTAIN, NONE, POSSIBLE, Danger
from bot.conversation.crisis.unanswered import hand_over_unanswered_checks
from bot.conversation.worker import ConversationWorker
from bot.core.keys import shard_of
from bot.core.messages import CRISIS_CHECK_SIGNAL, BotReply
from bot.privacy.erasure import erase_everything
from bot.runtime import Runtime
from bot.store.transcript import transcript
from tests.support.worker import ScriptedRasa, outbox_bodies, she_writes, work

# Redis-facing: also on a local Redis Cluster (issue 13, item 12).
pytestmark = pytest.mark.cluster_too

POSSIBLE_TEXT = "ando con miedo de volver a la casa"
CERTAIN_TEXT = "mi marido me pega"
MENU = [BotReply(text="Menú de ALMAS")]


@pytest.fixture(autouse=True)
def scripted_danger(monkeypatch: pytest.MonkeyPatch) -> None:
    levels = {
        POSSIBLE_TEXT: Danger(POSSIBLE, kinds.PARTNER_VIOLENCE, 0.5),
        CERTAIN_TEXT: Danger(CERTAIN, kinds.PARTNER_VIOLENCE, 0.99),
        # Her answer to the check may itself read as possible danger: it is still her NO.
        "no, estoy bien": Danger(POSSIBLE, kinds.SUICIDE_SELFHARM, 0.3),
    }

    def assess(text: str, nlu_emergency: bool = False, model: object = None) -> Danger:
        return levels.get(text, Danger(NONE, kinds.UNKNOWN, 0.0))

    monkeypatch.setattr(worker_module, "assess", assess)


@pytest.fixture
def her() -> str:
    return "+1555" + str(uuid.uuid4().int)[:7]


def sid() -> str:
    return "SM" + uuid.uuid4().hex


def urgent(runtime: Runtime) -> list[str]:
    return [t.topic for t in runtime.handoff.waiting() if t.priority == "urgent"]


def test_certain_danger_gets_her_lines_an_urgent_ticket_and_no_menu(
    runtime: Runtime, her: str
) -> None:
    pid = she_writes(runtime, CERTAIN_TEXT, sid(), sender=her)
    work(ConversationWorker(runtime, ScriptedRasa(MENU)))
    bodies = outbox_bodies(runtime, pid)
    assert "123" in bodies[0] and "155" in bodies[0]
    assert urgent(runtime) == ["emergency:partner_violence"]
    assert all("Menú" not in b for b in bodies)


def test_possible_danger_gets_the_gentle_check_with_the_line_and_nothing_else(
    runtime: Runtime, her: str
) -> None:
    rasa = ScriptedRasa(MENU)
    pid = she_writes(runtime, POSSIBLE_TEXT, sid(), sender=her)
    work(ConversationWorker(runtime, rasa))
    [asked] = outbox_bodies(runtime, pid)
    assert "¿Estás en peligro ahora?" in asked and "123" in asked
    assert rasa.received == [] and runtime.handoff.waiting() == []
    assert runtime.redis.exists(runtime.keys.crisis_check(pid))


def test_si_to_the_check_opens_an_urgent_ticket_at_once(runtime: Runtime, her: str) -> None:
    worker = ConversationWorker(runtime, ScriptedRasa(MENU))
    pid = she_writes(runtime, POSSIBLE_TEXT, sid(), sender=her)
    work(worker)
    she_writes(runtime, "SÍ", sid(), sender=her)
    work(worker)
    assert urgent(runtime) == ["emergency:partner_violence"]
    assert "155" in outbox_bodies(runtime, pid)[1]
    assert not runtime.redis.exists(runtime.keys.crisis_check(pid))


def test_no_to_the_check_answers_what_she_had_asked_without_a_ticket(
    runtime: Runtime, her: str
) -> None:
    rasa = ScriptedRasa([BotReply(text="Cursos de sistemas: …")])
    worker = ConversationWorker(runtime, rasa)
    pid = she_writes(runtime, POSSIBLE_TEXT, sid(), sender=her)
    work(worker)
    she_writes(runtime, "no, estoy bien", sid(), sender=her)
    work(worker)
    bodies = outbox_bodies(runtime, pid)
    assert bodies[1] == runtime.content.system_text("crisis_check_safe")
    assert bodies[2] == "Cursos de sistemas: …"
    assert [text for _, text in rasa.received] == [POSSIBLE_TEXT]  # her first message answered
    assert runtime.handoff.waiting() == []


def test_no_to_the_check_is_never_answered_with_the_check_again(
    runtime: Runtime, her: str
) -> None:
    """Her first words answered again may make the NLU hear an emergency: she said NO."""
    signal = BotReply(text="", signal=CRISIS_CHECK_SIGNAL, handoff_topic=kinds.PARTNER_VIOLENCE)
    worker = ConversationWorker(runtime, ScriptedRasa([signal]))
    pid = she_writes(runtime, POSSIBLE_TEXT, sid(), sender=her)
    work(worker)
    she_writes(runtime, "no", sid(), sender=her)
    work(worker)
    bodies = outbox_bodies(runtime, pid)
    assert bodies[1:] == [runtime.content.system_text("crisis_check_safe")]
    assert not runtime.redis.exists(runtime.keys.crisis_check(pid))


def test_another_topic_after_the_check_is_answered_normally_without_a_ticket(
    runtime: Runtime, her: str
) -> None:
    rasa = ScriptedRasa([BotReply(text="Becas abiertas: …")])
    worker = ConversationWorker(runtime, rasa)
    pid = she_writes(runtime, POSSIBLE_TEXT, sid(), sender=her)
    work(worker)
    she_writes(runtime, "hay becas?", sid(), sender=her)
    work(worker)
    assert [text for _, text in rasa.received] == ["hay becas?"]
    assert outbox_bodies(runtime, pid)[-1] == "Becas abiertas: …"
    assert runtime.handoff.waiting() == []
    assert not runtime.redis.exists(runtime.keys.crisis_check(pid))


def test_no_answer_to_the_check_goes_to_a_person_with_normal_priority(
    runtime: Runtime, her: str
) -> None:
    pid = she_writes(runtime, POSSIBLE_TEXT, sid(), sender=her)
    work(ConversationWorker(runtime, ScriptedRasa(MENU)))
    assert hand_over_unanswered_checks(runtime, now=time.time()) == 0  # not yet
    later = time.time() + check.CHECK_ANSWER_MINUTES * 60 + 1
    assert hand_over_unanswered_checks(runtime, now=later) == 1
    [ticket] = runtime.handoff.waiting()
    assert (ticket.priority, ticket.topic) == ("normal", "possible_danger:partner_violence")
    assert ticket.participant == pid and ticket.address == her
    assert hand_over_unanswered_checks(runtime, now=later) == 0  # once
    assert not runtime.redis.exists(runtime.keys.crisis_check(pid))


def test_possible_danger_before_consent_is_checked_and_nothing_is_stored(
    runtime: Runtime, her: str
) -> None:
    pid = she_writes(runtime, POSSIBLE_TEXT, sid(), consented=False, sender=her)
    work(ConversationWorker(runtime, ScriptedRasa(MENU)))
    assert "¿Estás en peligro ahora?" in outbox_bodies(runtime, pid)[0]
    assert transcript(runtime.sessions, pid) == []


def test_certain_danger_while_handed_off_makes_her_ticket_urgent(
    runtime: Runtime, her: str
) -> None:
    pid = she_writes(runtime, "quiero hablar con alguien", sid(), sender=her)
    runtime.handoff.open(pid, "sms", "general", "…", "normal", her)
    she_writes(runtime, CERTAIN_TEXT, sid(), sender=her)
    work(ConversationWorker(runtime, ScriptedRasa(MENU)))
    [ticket] = runtime.handoff.waiting()
    assert ticket.priority == "urgent"


def test_the_nlus_emergency_without_certainty_asks_her(runtime: Runtime, her: str) -> None:
    signal = BotReply(text="", signal=CRISIS_CHECK_SIGNAL, handoff_topic=kinds.STALKING)
    pid = she_writes(runtime, "el tipo ese no me deja en paz", sid(), sender=her)
    work(ConversationWorker(runtime, ScriptedRasa([signal])))
    [asked] = outbox_bodies(runtime, pid)
    assert "¿Estás en peligro ahora?" in asked
    pending = check.PendingCheck.from_json(runtime.redis.get(runtime.keys.crisis_check(pid)))
    assert pending is not None and pending.kind == kinds.STALKING


def test_erasure_forgets_a_pending_check(runtime: Runtime, her: str) -> None:
    pid = she_writes(runtime, POSSIBLE_TEXT, sid(), sender=her)
    work(ConversationWorker(runtime, ScriptedRasa(MENU)))
    erase_everything(runtime, pid)
    assert not runtime.redis.exists(runtime.keys.crisis_check(pid))
    assert runtime.redis.zscore(runtime.keys.crisis_checks_due(shard_of(pid)), pid) is None


def test_no_me_escribas_stops_first_contact_keeps_her_ticket_and_case_workers_see_it(
    runtime: Runtime, her: str, client
) -> None:  # type: ignore[no-untyped-def]
    from bot.store.participants import is_opted_out
    from tests.support.casework import api_account

    pid = she_writes(runtime, "necesito una asesora", sid(), sender=her)
    ticket = runtime.handoff.open(pid, "sms", "general", "…", "normal", her)
    she_writes(runtime, "NO ME ESCRIBAS", sid(), sender=her)
    work(ConversationWorker(runtime, ScriptedRasa(MENU)))
    assert is_opted_out(runtime.sessions, pid)
    assert runtime.handoff.open_ticket(pid) is not None  # still in line for a person
    _, headers = api_account(runtime)
    shown = client.get(f"/api/handoffs/{ticket.id}", headers=headers).get_json()
    assert shown["handoff"]["no_first_contact"] is True
