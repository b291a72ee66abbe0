"""Danger answered right through the real stack (Rasa, the action server, web, workers, sender,
the trained crisis classifier): certain danger gets the lines, an urgent ticket and an alert;
possible danger a gentle check whose SÍ opens an urgent ticket and whose NO answers what she
had asked; a look-alike the normal answer — before and after consent, inside a form, while
handed off. No menu ever answers danger."""

from __future__ import annotations

import time
import uuid

import pytest
import redis as redis_lib

from bot.conversation.crisis.assess import CERTAIN, NONE, POSSIBLE, assess
from bot.core.keys import Keys
from bot.handoff.queue import HandoffQueue
from tests.support.conversation import Participant
from tests.support.environment import SUPERVISOR_ALERT_TO
from tests.support.stack import Stack, wait_until
from tests.support.twilio_endpoint import TwilioEndpoint

pytestmark = pytest.mark.stack

CERTAIN_TEXT = "mi marido me pega y me amenazo con el cuchillo"
POSSIBLE_TEXT = "ayuda"  # a short cry: the patterns' floor, too short for the classifier
LOOK_ALIKE = "me pego la gripa y no pude ir al curso"
CHECK = "¿Estás en peligro ahora?"
LINES = "Tu seguridad es lo primero"  # how the lines begin (content/texts.yml)


def test_the_messages_read_as_the_test_needs() -> None:
    """The stack test's premises, on the same trained classifier the stack uses."""
    assert assess(CERTAIN_TEXT).level == CERTAIN
    assert assess(POSSIBLE_TEXT).level == POSSIBLE
    assert assess(LOOK_ALIKE).level == NONE


def her(stack: Stack, twilio: TwilioEndpoint, consented: bool = True) -> Participant:
    number = "+1555" + str(uuid.uuid4().int)[:7]
    return Participant(
        stack=stack, twilio=twilio, number=number, channel="whatsapp", consented=consented
    )


def queue(stack: Stack) -> HandoffQueue:
    client = redis_lib.Redis.from_url(stack.env["REDIS_URL"], decode_responses=True)
    return HandoffQueue(client, Keys(stack.env["REDIS_PREFIX"]))


def ticket_of(stack: Stack, participant: Participant):  # type: ignore[no-untyped-def]
    return queue(stack).open_ticket(participant.id)


def bodies(participant: Participant) -> list[str]:
    return [s.body for s in participant.received()]


def wait_for(participant: Participant, fragment: str, timeout: float = 60.0) -> list[str]:
    assert wait_until(lambda: any(fragment in b for b in bodies(participant)), timeout), bodies(
        participant
    )
    return bodies(participant)


def test_certain_danger_before_consent_gets_lines_an_urgent_ticket_and_an_alert(
    stack: Stack, twilio: TwilioEndpoint
) -> None:
    maria = her(stack, twilio, consented=False)
    alerts = len(twilio.to(SUPERVISOR_ALERT_TO))
    try:
        maria.says(CERTAIN_TEXT)
        first = wait_for(maria, LINES)[0]
        assert "123" in first and "155" in first and "ACEPTO" not in first
        assert "1." not in first
        assert wait_until(lambda: len(twilio.to(SUPERVISOR_ALERT_TO)) > alerts, 30)
        assert ticket_of(stack, maria).priority == "urgent"
    finally:
        queue(stack).abandon(maria.id)  # the stack's queue is shared by other tests


def test_possible_danger_gets_the_check_and_her_si_opens_an_urgent_ticket(
    stack: Stack, twilio: TwilioEndpoint
) -> None:
    maria = her(stack, twilio)
    try:
        maria.says(POSSIBLE_TEXT)
        asked = wait_for(maria, CHECK)
        assert "123" in asked[0] and "1." not in asked[0]
        assert ticket_of(stack, maria) is None
        alerts = len(twilio.to(SUPERVISOR_ALERT_TO))
        maria.says("SÍ")
        wait_for(maria, LINES)
        assert wait_until(lambda: ticket_of(stack, maria) is not None, 30)
        assert ticket_of(stack, maria).priority == "urgent"
        assert wait_until(lambda: len(twilio.to(SUPERVISOR_ALERT_TO)) > alerts, 30)
    finally:
        queue(stack).abandon(maria.id)  # the stack's queue is shared by other tests


def test_her_no_to_the_check_gets_the_normal_answer_and_no_ticket(
    stack: Stack, twilio: TwilioEndpoint
) -> None:
    maria = her(stack, twilio)
    maria.says(POSSIBLE_TEXT)
    wait_for(maria, CHECK)
    told = len(maria.received())
    maria.says("no, estoy bien")
    maria.wait_for_replies(told + 1, timeout=60)
    time.sleep(3)  # whatever else this turn sends (it used to wait 60 s for a second reply)
    replies = maria.received()[told:]
    assert "Me alegra que estés a salvo" in replies[0].body
    assert CHECK not in " ".join(r.body for r in replies)
    assert ticket_of(stack, maria) is None


def test_a_look_alike_gets_the_normal_answer_and_no_ticket(
    stack: Stack, twilio: TwilioEndpoint
) -> None:
    maria = her(stack, twilio)
    maria.says(LOOK_ALIKE)
    replies = maria.wait_for_replies(1, timeout=60)
    assert all("123" not in r.body and CHECK not in r.body for r in replies)
    assert ticket_of(stack, maria) is None


def test_certain_danger_inside_a_form_gets_the_lines_not_the_next_question(
    stack: Stack, twilio: TwilioEndpoint
) -> None:
    maria = her(stack, twilio)
    try:
        maria.says("quiero validar mi titulo")
        maria.wait_for_replies(1, timeout=60)
        told = len(maria.received())
        maria.says(CERTAIN_TEXT)
        replies = maria.wait_for_replies(told + 2, timeout=60)[told:]
        assert LINES in replies[0].body and "bachillerato" not in replies[0].body.lower()
        assert wait_until(lambda: ticket_of(stack, maria) is not None, 30)
        assert ticket_of(stack, maria).priority == "urgent"
    finally:
        queue(stack).abandon(maria.id)


def test_certain_danger_while_handed_off_makes_her_ticket_urgent(
    stack: Stack, twilio: TwilioEndpoint
) -> None:
    maria = her(stack, twilio)
    try:
        maria.says("quiero hablar con una asesora")
        wait_for(maria, "fila")
        assert ticket_of(stack, maria).priority == "normal"
        maria.says(CERTAIN_TEXT)
        wait_for(maria, LINES)
        assert wait_until(lambda: ticket_of(stack, maria).priority == "urgent", 30)
    finally:
        queue(stack).abandon(maria.id)
