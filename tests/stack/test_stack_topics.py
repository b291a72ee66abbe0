"""One conversation per topic through the real stack (webhook, worker, Rasa, action server,
content, outbox), SMS and WhatsApp, read like a chat. Expectations come from content/, so an
edit by programme staff does not break them."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from sqlalchemy import create_engine, text

from bot.content.i18n import today_in_bogota
from bot.content.store import ContentStore
from bot.core.messages import render_reply
from bot.handoff.accounts import EDITOR
from flows.actions.courses import find_courses
from flows.actions.scholarships import open_calls
from tests.support.conversation import Participant
from tests.support.stack import Stack, stack_content
from tests.support.twilio_endpoint import TwilioEndpoint

pytestmark = pytest.mark.stack

CONTENT = ContentStore()


def expected(response: str) -> str:
    return render_reply(CONTENT.render(response))


class Chat:
    """She writes; we read what the helpline answered since her last message."""

    def __init__(self, participant: Participant) -> None:
        self.she = participant
        self.seen = 0

    def say(
        self, text: str, until: Callable[[str], bool] | None = None, timeout: float = 30
    ) -> str:
        self.she.says(text)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            replies = self.she.received()[self.seen :]
            joined = "\n---\n".join(r.body for r in replies)
            if replies and (until is None or until(joined)):
                time.sleep(0.3)  # let the rest of this turn arrive
                replies = self.she.received()[self.seen :]
                self.seen += len(replies)
                return "\n---\n".join(r.body for r in replies)
            time.sleep(0.05)
        raise AssertionError(
            f"no fitting answer to {text!r}; got {self.she.received()[self.seen :]}"
        )


def chat(stack: Stack, twilio: TwilioEndpoint, number: str, channel: str) -> Chat:
    return Chat(Participant(stack=stack, twilio=twilio, number=number, channel=channel))


def test_courses_by_numbered_menu_on_sms(stack: Stack, twilio: TwilioEndpoint) -> None:
    maria = chat(stack, twilio, "+573005554001", "sms")
    assert expected("utter_main_menu") in maria.say("hola", until=lambda t: "1." in t)
    assert expected("utter_ask_city") == maria.say("1")
    answer = maria.say("2")  # Barranquilla
    first = find_courses(CONTENT.snapshot().courses, today_in_bogota(), "Barranquilla")[0]
    assert first.name in answer
    assert "MÁS" in answer or len(answer) < 400


def test_asking_for_virtual_courses_when_asked_the_city_gets_them(
    stack: Stack, twilio: TwilioEndpoint
) -> None:
    """Found by the chaos run: this answer to the city question asked for courses again, the
    form rejected it and Rasa looped on its fallback until its circuit breaker, and then that
    conversation answered nothing at all."""
    lucia = chat(stack, twilio, "+573005554011", "sms")
    lucia.say("hola", until=lambda t: "1." in t)
    assert expected("utter_ask_city") == lucia.say("1")
    answer = lucia.say("quiero info de los cursos virtuales")
    virtual = find_courses(CONTENT.snapshot().courses, today_in_bogota(), None, "virtual")
    assert virtual and virtual[0].name in answer
    assert "entendido" not in answer
    assert lucia.say("gracias")  # she is still answered afterwards


def test_credential_steps_on_whatsapp(stack: Stack, twilio: TwilioEndpoint) -> None:
    ana = chat(stack, twilio, "+573005554002", "whatsapp")
    assert expected("utter_ask_education_level") == ana.say("quiero convalidar mi titulo")
    assert expected("utter_ask_apostilled") == ana.say("universitario")
    path = next(p for p in CONTENT.snapshot().credential_paths if p.id == "superior-apostillado")
    step1 = ana.say("si")
    assert f"Paso 1 de {len(path.steps)}" in step1 and path.steps[0].title in step1
    step2 = ana.say("siguiente")
    assert f"Paso 2 de {len(path.steps)}" in step2 and path.steps[1].title in step2
    assert "Paso 1 de" in ana.say("atras porfa")


def test_scholarships_and_a_reminder_subscription(stack: Stack, twilio: TwilioEndpoint) -> None:
    luz = chat(stack, twilio, "+573005554003", "whatsapp")
    calls = open_calls(CONTENT.snapshot().scholarships, today_in_bogota())
    answer = luz.say("hay becas?")
    assert calls[0].name in answer and "cierra el" in answer.lower()
    closed = [c for c in CONTENT.snapshot().scholarships if c.closes < today_in_bogota()]
    assert all(c.name not in answer for c in closed)
    while "MÁS" in answer.splitlines()[-1]:
        answer = luz.say("mas")
    assert expected("utter_remind_me_done") == luz.say("recordarme")
    engine = create_engine(stack.env["DATABASE_URL"])
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT scholarship_id FROM reminder_subscriptions")).all()
    engine.dispose()
    assert {r[0] for r in rows} >= {c.id for c in calls}


def test_credit_info_and_precheck(stack: Stack, twilio: TwilioEndpoint) -> None:
    rosa = chat(stack, twilio, "+573005554004", "sms")
    info = rosa.say("como pido un prestamo pa mi negocio", until=lambda t: "1. Sí" in t)
    assert "$ 1.200.000" in info or "MÁS" in info
    # "mi negocio": she has one, so the pre-check does not ask it again.
    assert expected("utter_ask_business_months") == rosa.say("si")
    assert expected("utter_ask_has_ppt") == rosa.say("3")
    assert expected("utter_ask_financial_training") == rosa.say("si")
    outcome = rosa.say("no")
    assert CONTENT.system_text("precheck_almost") in outcome


def test_a_first_message_that_answers_the_form_skips_its_questions(
    stack: Stack, twilio: TwilioEndpoint
) -> None:
    carmen = chat(stack, twilio, "+573005554012", "whatsapp")
    step1 = carmen.say("como convalido mi titulo de la universidad? ya esta apostillado")
    path = next(p for p in CONTENT.snapshot().credential_paths if p.id == "superior-apostillado")
    assert f"Paso 1 de {len(path.steps)}" in step1 and path.steps[0].title in step1
    assert expected("utter_ask_education_level") not in step1


def test_a_changed_mind_and_a_repeated_question_mid_form_are_answered(
    stack: Stack, twilio: TwilioEndpoint
) -> None:
    """Asked the level, she asks the form's own question again: the form asked again (it was
    rejected before, Rasa looped to its circuit breaker and the next answer got only an
    apology); then she answers two questions at once and corrects herself."""
    elena = chat(stack, twilio, "+573005554013", "sms")
    assert expected("utter_ask_education_level") == elena.say("quiero convalidar mi titulo")
    again = elena.say("y como hago para convalidar el titulo de venezuela?")
    assert expected("utter_ask_education_level") in again
    assert expected("utter_ask_apostilled") == elena.say("es de bachiller")
    # ("…y no está apostillado" is read by the crisis check as possible danger, score 0.22:
    # a known false positive of the crisis classifier, left to its own issue.)
    answer = elena.say("no perdon, es el de la universidad y le falta la apostilla")
    path = next(p for p in CONTENT.snapshot().credential_paths if p.id == "superior-sin-apostilla")
    assert f"Paso 1 de {len(path.steps)}" in answer and path.steps[0].title in answer


def test_credit_precheck_asks_only_what_her_first_message_left_out(
    stack: Stack, twilio: TwilioEndpoint
) -> None:
    sofia = chat(stack, twilio, "+573005554014", "whatsapp")
    sofia.say(
        "tengo una venta de empanadas hace 2 años y quiero un credito, ya tengo el ppt",
        until=lambda t: "Sí" in t,
    )
    assert expected("utter_ask_financial_training") == sofia.say("si")
    assert CONTENT.system_text("precheck_almost") in sofia.say("no")


def test_two_questions_in_one_message_answer_one_and_offer_the_other(
    stack: Stack, twilio: TwilioEndpoint
) -> None:
    paula = chat(stack, twilio, "+573005554015", "sms")
    answer = paula.say("hay becas pa estudiar? y tambien como me inscribo en almas")
    offer = CONTENT.system_text(
        "second_question_offer", topic=CONTENT.system_text("topic_ask_enrollment")
    )
    calls = open_calls(CONTENT.snapshot().scholarships, today_in_bogota())
    assert calls[0].name in answer and offer.replace("*", "") in answer  # SMS: no bold
    assert expected("utter_enrollment")[:60] in paula.say("1")


@pytest.mark.parametrize(
    ("number", "message", "response"),
    [
        ("+573005554005", "como saco el ppt?", "utter_migration_status"),
        ("+573005554008", "quiero montar un negocio de empanadas", "utter_entrepreneurship"),
        ("+573005554009", "necesito conseguir chamba", "utter_employment"),
        ("+573005554010", "me siento muy triste y sola aqui", "utter_psych_support"),
        ("+573005554011", "que es almas y quien puede participar", "utter_enrollment"),
    ],
)
def test_topic_answers_come_from_content(
    stack: Stack, twilio: TwilioEndpoint, number: str, message: str, response: str
) -> None:
    eva = chat(stack, twilio, number, "whatsapp")
    answer = eva.say(message)
    assert CONTENT.render(response).text[:60] in answer


def test_emergency_gets_lines_not_a_menu(stack: Stack, twilio: TwilioEndpoint) -> None:
    sol = chat(stack, twilio, "+573005554006", "sms")
    answer = sol.say("mi esposo me pego y tengo miedo", until=lambda t: "123" in t)
    assert "155" in answer and "1. " not in answer


def test_a_published_text_reaches_the_running_bot_without_restart_or_retraining(
    stack: Stack, twilio: TwilioEndpoint
) -> None:
    """Published in SQL (as the console does), live at the web's /nlg within 60 s: the version
    counter in Redis moves and every process reloads; content/ on disk is not involved."""
    repository = stack_content(stack)
    item = next(i for i in repository.items(kind="texts") if i.key == "utter_you_are_welcome")
    old = repository.value(item.id)
    new = "¡Con muchísimo gusto, de verdad! Escribe MENU si necesitas algo."
    draft = repository.save_draft(item.id, [{"text": new}], "editor@example.org")
    repository.publish(draft, "editor@example.org", EDITOR)
    try:
        lia = chat(stack, twilio, "+573005554007", "whatsapp")
        deadline = time.monotonic() + 60
        answer = lia.say("muchas gracias")
        while new not in answer and time.monotonic() < deadline:
            time.sleep(2)
            answer = lia.say("muchas gracias")
        assert new in answer
    finally:
        back = repository.save_draft(item.id, old, "editor@example.org")
        repository.publish(back, "editor@example.org", EDITOR)
