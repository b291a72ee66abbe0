"""Worker policies on the real Redis, with a scripted Rasa client (the real Rasa is exercised
by the stack tests): dead letters, outages, menus, idempotency."""

from __future__ import annotations

import dataclasses

import pytest

from bot.conversation.rasa_client import RasaError, RasaUnavailable
from bot.conversation.worker import ConversationWorker
from bot.core.keys import new_ticket_id, shard_of
from bot.core.messages import BotReply, Button
from bot.runtime import Runtime
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
def short_attempts(runtime: Runtime) -> Runtime:
    runtime.settings = dataclasses.replace(runtime.settings, max_attempts=3)
    return runtime


def test_a_message_that_keeps_failing_is_dead_lettered_and_she_is_told(
    short_attempts: Runtime,
) -> None:
    rasa = ScriptedRasa(RasaError("boom"), RasaError("boom"), RasaError("boom"), [BotReply("ok")])
    worker = ConversationWorker(short_attempts, rasa)
    pid = she_writes(short_attempts, "algo raro", "SMpoison")
    she_writes(short_attempts, "hola", "SMnext")
    work(worker)
    [dead] = short_attempts.inbox.deadletters()
    assert "SMpoison" in dead.item and dead.attempts == 3
    apology = short_attempts.content.system_text("processing_failed")
    assert outbox_bodies(short_attempts, pid) == [apology, "ok"]


def test_rasa_outage_uses_no_attempts_and_the_message_waits(short_attempts: Runtime) -> None:
    rasa = ScriptedRasa(RasaUnavailable("down"))
    worker = ConversationWorker(short_attempts, rasa)
    pid = she_writes(short_attempts, "hola", "SMwait")
    work(worker, rounds=10)
    assert len(rasa.received) == 10
    assert short_attempts.inbox.deadletters() == []
    assert len(short_attempts.inbox.pending(pid)) == 1
    rasa.script = [[BotReply("¡Hola!")]]
    work(worker)
    assert outbox_bodies(short_attempts, pid) == ["¡Hola!"]
    assert short_attempts.inbox.pending(pid) == []


def test_rasa_never_sees_the_phone_number(runtime: Runtime) -> None:
    rasa = ScriptedRasa([BotReply("hola")])
    pid = she_writes(runtime, "hola", "SMpid")
    work(ConversationWorker(runtime, rasa))
    [(sender, _)] = rasa.received
    assert sender == pid and "5550101" not in sender


def test_an_empty_rasa_answer_is_a_failure_she_is_told_about(short_attempts: Runtime) -> None:
    pid = she_writes(short_attempts, "hola", "SMempty")
    rasa = ScriptedRasa([])
    work(ConversationWorker(short_attempts, rasa))
    assert len(rasa.received) == 3  # retried up to max_attempts
    apology = short_attempts.content.system_text("processing_failed")
    assert outbox_bodies(short_attempts, pid) == [apology]
    assert "answered nothing" in short_attempts.inbox.deadletters()[0].reason


def test_numbered_reply_picks_the_option_she_was_shown(runtime: Runtime) -> None:
    menu = BotReply(
        "Elige", buttons=(Button("Cursos", "/ask_courses"), Button("Becas", "/ask_scholarships"))
    )
    rasa = ScriptedRasa([menu])
    worker = ConversationWorker(runtime, rasa)
    she_writes(runtime, "hola", "SMm1")
    work(worker)
    she_writes(runtime, "la 2", "SMm2")
    work(worker)
    assert [text for _, text in rasa.received] == ["hola", "/ask_scholarships"]


def test_a_message_already_answered_is_not_answered_again(runtime: Runtime) -> None:
    pid = she_writes(runtime, "hola", "SMdone")
    runtime.redis.set(runtime.keys.done("inbox", pid, "SMdone"), "1")
    rasa = ScriptedRasa([BotReply("no")])
    work(ConversationWorker(runtime, rasa))
    assert rasa.received == []
    assert runtime.inbox.pending(pid) == []
    assert outbox_bodies(runtime, pid) == []


def test_numbers_after_a_turn_without_options_mean_nothing_stale(runtime: Runtime) -> None:
    menu = BotReply("Elige", buttons=(Button("Cursos", "/ask_courses"),))
    rasa = ScriptedRasa([menu], [BotReply("Lista de cursos")], [BotReply("?")])
    worker = ConversationWorker(runtime, rasa)
    for sid, text in (("SMs1", "hola"), ("SMs2", "1"), ("SMs3", "1")):
        she_writes(runtime, text, sid)
        work(worker)
    assert [text for _, text in rasa.received] == ["hola", "/ask_courses", "1"]


def test_a_crisis_is_answered_with_the_lines_without_rasa_and_goes_first_in_line(
    runtime: Runtime,
) -> None:
    rasa = ScriptedRasa([BotReply("menu")])
    worker = ConversationWorker(runtime, rasa)
    runtime.handoff.open("p_someone_else", "sms", "credit", "pregunta por créditos")
    pid = she_writes(runtime, "m kiero morir ya no aguanto", "SMcrisis")
    work(worker)
    assert rasa.received == []  # never a menu, never the dialogue
    first, follow_up = outbox_bodies(runtime, pid)
    assert "123" in first and "192" in first  # mental-health line for suicidal thoughts
    assert follow_up == runtime.content.render("utter_emergency_follow_up").text
    ticket = runtime.handoff.open_ticket(pid)
    assert ticket is not None
    assert (ticket.priority, ticket.topic) == ("urgent", "emergency:suicide_selfharm")
    assert runtime.handoff.position(ticket.id) == 1


def test_the_nlu_net_also_opens_an_urgent_ticket(runtime: Runtime) -> None:
    rasa = ScriptedRasa([BotReply("Líneas…"), BotReply("", handoff="urgent")])
    pid = she_writes(runtime, "tengo un problema grave en la casa", "SMnlu")
    work(ConversationWorker(runtime, rasa))
    assert outbox_bodies(runtime, pid) == ["Líneas…"]  # the signal itself is not sent
    assert runtime.handoff.open_ticket(pid).priority == "urgent"  # type: ignore[union-attr]


def test_her_message_is_in_the_transcript_answered_or_dead_lettered(
    short_attempts: Runtime,
) -> None:
    from bot.store.transcript import transcript

    rasa = ScriptedRasa(RasaError("boom"), RasaError("boom"), RasaError("boom"), [BotReply("ok")])
    worker = ConversationWorker(short_attempts, rasa)
    pid = she_writes(short_attempts, "algo que falla", "SMt1")
    she_writes(short_attempts, "hola", "SMt2")
    work(worker)
    # (the unit database is shared by the session: look at this test's messages only)
    sids = [m.twilio_sid for m in transcript(short_attempts.sessions, pid)]
    assert [s for s in sids if s in ("SMt1", "SMt2")] == ["SMt1", "SMt2"]


# --- handoff to a person --------------------------------------------------------------------
from datetime import datetime  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

BOGOTA = ZoneInfo("America/Bogota")
MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=BOGOTA)
SUNDAY_10 = datetime(2026, 11, 29, 10, 0, tzinfo=BOGOTA)
ASKS_FOR_A_PERSON = [BotReply("", handoff="normal", handoff_topic="credit")]


def test_asking_for_a_person_puts_her_in_line_and_says_where(runtime: Runtime) -> None:
    runtime.handoff.open("p_ahead", "sms", "courses", "…")
    worker = ConversationWorker(runtime, ScriptedRasa(ASKS_FOR_A_PERSON))
    worker.now = lambda: MONDAY_10
    pid = she_writes(runtime, "quiero hablar con una asesora", "SMh1")
    work(worker)
    [told] = outbox_bodies(runtime, pid)
    assert "Eres la número 2 en la fila" in told
    ticket = runtime.handoff.open_ticket(pid)
    assert ticket is not None and (ticket.topic, ticket.priority) == ("credit", "normal")
    assert ticket.address == "+573005550101" and "asesora" in ticket.summary


def test_out_of_hours_she_is_told_when_and_the_emergency_lines(runtime: Runtime) -> None:
    worker = ConversationWorker(runtime, ScriptedRasa(ASKS_FOR_A_PERSON))
    worker.now = lambda: SUNDAY_10
    pid = she_writes(runtime, "asesora", "SMh2")
    work(worker)
    told = " ".join(outbox_bodies(runtime, pid))  # over 3 SMS segments: numbered parts
    assert "el lunes 30 de noviembre a las 8:00" in told and "123" in told


def test_while_handed_off_her_messages_go_to_the_case_worker_not_to_rasa(runtime: Runtime) -> None:
    rasa = ScriptedRasa(ASKS_FOR_A_PERSON)
    worker = ConversationWorker(runtime, rasa)
    worker.now = lambda: MONDAY_10
    pid = she_writes(runtime, "asesora", "SMr1")
    work(worker)
    she_writes(runtime, "tengo un negocio de arepas hace dos años", "SMr2")
    she_writes(runtime, "y tengo PPT", "SMr3")
    work(worker)
    assert [t for _, t in rasa.received] == ["asesora"]
    assert len(outbox_bodies(runtime, pid)) == 1  # no bot chatter while she waits
    from bot.store.transcript import transcript

    texts = [m.text for m in transcript(runtime.sessions, pid)]
    assert "y tengo PPT" in texts  # the case worker reads it in her transcript


def test_menu_or_salir_leaves_the_line_and_the_bot_takes_over(runtime: Runtime) -> None:
    rasa = ScriptedRasa(ASKS_FOR_A_PERSON, [BotReply("Menú")])
    worker = ConversationWorker(runtime, rasa)
    worker.now = lambda: MONDAY_10
    pid = she_writes(runtime, "asesora", "SMl1")
    work(worker)
    ticket = runtime.handoff.open_ticket(pid)
    she_writes(runtime, "salir", "SMl2")
    work(worker)
    assert runtime.handoff.open_ticket(pid) is None
    assert runtime.handoff.get(ticket.id).status == "abandoned"  # type: ignore[union-attr]
    assert outbox_bodies(runtime, pid)[-2:] == [runtime.content.system_text("handoff_left"), "Menú"]
    assert rasa.received[-1][1] == "/show_menu"


def test_the_wait_estimate_comes_from_recent_real_waits(runtime: Runtime) -> None:
    for n in range(3):
        runtime.handoff.open(f"p_done{n}", "sms", "courses", "…")
        runtime.handoff.claim("cw1", 60)
    worker = ConversationWorker(runtime, ScriptedRasa(ASKS_FOR_A_PERSON))
    worker.now = lambda: MONDAY_10
    pid = she_writes(runtime, "asesora", "SMw1")
    work(worker)
    [told] = outbox_bodies(runtime, pid)
    assert "Espera aproximada: 1 min" in told


def test_after_resolution_she_is_asked_for_a_rating_and_her_number_is_kept(
    runtime: Runtime,
) -> None:
    from bot.handoff.relay import ask_for_rating
    from bot.store.handoff import ratings

    rasa = ScriptedRasa([BotReply("respuesta del bot")])
    worker = ConversationWorker(runtime, rasa)
    pid = she_writes(runtime, "hola", "SMq0")
    work(worker)
    ticket = runtime.handoff.open(pid, "sms", "credit", "…", "normal", "+573005550101")
    runtime.handoff.claim("cw1", 60)
    assert runtime.handoff.resolve(ticket.id, "cw1")
    ask_for_rating(runtime, ticket)
    assert outbox_bodies(runtime, pid)[-1] == runtime.content.system_text("rating_question")
    she_writes(runtime, "la 5", "SMq1")
    work(worker)
    assert ratings(runtime.sessions, pid)[-1] == 5
    assert outbox_bodies(runtime, pid)[-1] == runtime.content.system_text("rating_thanks")
    she_writes(runtime, "3", "SMq2")  # no rating pending any more: the dialogue takes it
    work(worker)
    assert rasa.received[-1][1] == "3"


# -- issue 13, defects 3 and 7: nothing vanishes, nothing twice -------------------------------


def test_her_message_to_a_case_worker_is_stored_before_it_leaves_her_inbox(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While handed off the transcript is the case worker's only view of her words: an SQL
    failure retries the message instead of losing it."""
    import bot.conversation.worker as worker_module
    from bot.store.transcript import transcript

    pid = she_writes(runtime, "hola, sigo esperando", "SMwaiting1", sender="+15550007771")
    runtime.handoff.open(pid, "sms", "general", "…", "normal", "+15550001234")
    original = worker_module.record_inbound
    failures = [RuntimeError("database is locked")]

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        if failures:
            raise failures.pop()
        return original(*args, **kwargs)

    monkeypatch.setattr(worker_module, "record_inbound", flaky)
    work(ConversationWorker(runtime, ScriptedRasa([BotReply("menu")])))
    assert [m.text for m in transcript(runtime.sessions, pid)] == ["hola, sigo esperando"]
    assert runtime.inbox.pending(pid) == []


def test_a_crisis_message_processed_twice_alerts_supervisors_once(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime.settings = dataclasses.replace(
        runtime.settings, supervisor_alert_to=("whatsapp:+15550009999",)
    )
    pid = she_writes(
        runtime, "mi marido me pega y me amenaza con el cuchillo", "SMtwice", sender="+15550007772"
    )
    original = runtime.inbox.commit
    lost = [False]  # the first commit finds her lease gone: another worker redoes the message

    def commit(*args, **kwargs):  # type: ignore[no-untyped-def]
        return lost.pop() if lost else original(*args, **kwargs)

    monkeypatch.setattr(runtime.inbox, "commit", commit)
    work(ConversationWorker(runtime, ScriptedRasa([BotReply("menu")])))
    staff = staff_mailboxes(runtime)
    assert len(runtime.redis.lrange(staff[0], 0, -1)) == 1
    assert runtime.handoff.open_ticket(pid).priority == "urgent"  # type: ignore[union-attr]


def test_the_apology_for_a_dead_letter_is_queued_in_the_same_step(
    short_attempts: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash right after the dead-lettering must not leave her in silence."""
    worker = ConversationWorker(short_attempts, ScriptedRasa(RasaError("boom")))
    pid = she_writes(short_attempts, "algo raro", "SMlast", sender="+15550007773")

    def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise SystemExit("killed right after the dead-lettering")

    monkeypatch.setattr(worker, "record", crash)
    with pytest.raises(SystemExit):
        work(worker)
    assert outbox_bodies(short_attempts, pid) == [
        short_attempts.content.system_text("processing_failed")
    ]


# -- issue 13, defect 5: the crisis reply never depends on the ticket store -------------------


def test_a_dangling_ticket_pointer_heals_and_a_crisis_still_gets_lines_and_a_ticket(
    runtime: Runtime,
) -> None:
    pid = she_writes(runtime, "mi marido me pega y me amenaza", "SMdangling", sender="+15550007774")
    evicted = new_ticket_id(pid)
    runtime.redis.set(runtime.keys.handoff_open(pid), evicted)  # its hash is gone
    runtime.redis.zadd(runtime.keys.handoff_queue(shard_of(pid)), {evicted: 1})
    work(ConversationWorker(runtime, ScriptedRasa([BotReply("menu")])))
    assert "123" in outbox_bodies(runtime, pid)[0]
    ticket = runtime.handoff.open_ticket(pid)
    assert ticket is not None and ticket.priority == "urgent" and ticket.id != evicted
    assert runtime.redis.zscore(runtime.keys.handoff_queue(shard_of(pid)), evicted) is None
    assert runtime.inbox.deadletters() == []


def test_her_lines_go_out_once_even_when_the_urgent_ticket_cannot_open(
    short_attempts: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = short_attempts
    pid = she_writes(runtime, "mi marido me pega y me amenaza", "SMnostore", sender="+15550007775")

    def broken_open(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionError("the ticket store is down")

    monkeypatch.setattr(runtime.handoff, "open", broken_open)
    work(ConversationWorker(runtime, ScriptedRasa([BotReply("menu")])))
    bodies = outbox_bodies(runtime, pid)
    assert len([b for b in bodies if "123" in b and "155" in b]) == 1  # once, not per attempt
    assert len(runtime.inbox.deadletters()) == 1  # kept for a person, with the reason
