"""Two questions in one message: cut where the second starts, and the topic Rasa's answer
left out is the one offered next (issue 16, item 2). Examples written for development; the
held-out ones run through the real NLU in tests/integration/test_rasa_model.py."""

from __future__ import annotations

import pytest

from bot.conversation.two_questions import Parse, other_topic, question_parts

TOPICS = ("ask_courses", "ask_enrollment", "ask_scholarships", "ask_credit", "ask_employment")


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("¿Dónde queda la oficina? ¿Y qué horario tienen?",
         ["donde queda la oficina", "que horario tienen"]),
        ("quiero estudiar ingles y como me inscribo",
         ["quiero estudiar ingles", "como me inscribo"]),
        ("hay becas para adultas, tambien quiero trabajo",
         ["hay becas para adultas", "quiero trabajo"]),
        ("necesito el ppt; ademas busco empleo", ["necesito el ppt", "busco empleo"]),
        ("cuanto cuesta el curso y cuando empieza", ["cuanto cuesta el curso", "cuando empieza"]),
    ],
)  # fmt: skip
def test_a_message_is_cut_where_the_second_question_starts(text: str, parts: list[str]) -> None:
    assert question_parts(text) == parts


@pytest.mark.parametrize(
    "text",
    ["hola buenas quiero saber de los cursos", "tengo hijos y trabajo", "si", "¿hay becas?",
     "cursos de sistemas y programacion"],
)  # fmt: skip
def test_one_question_is_not_cut(text: str) -> None:
    assert question_parts(text) == []


def test_the_topic_left_out_is_offered_when_the_nlu_is_sure_of_it() -> None:
    answered = Parse("ask_courses", 0.8)
    parts = [Parse("ask_courses", 0.9), Parse("ask_enrollment", 0.85)]
    assert other_topic(answered, parts, TOPICS) == "ask_enrollment"


def test_nothing_is_offered_for_the_same_topic_an_unsure_part_or_no_topic() -> None:
    answered = Parse("ask_courses", 0.8)
    assert other_topic(answered, [Parse("ask_courses", 0.9)] * 2, TOPICS) is None
    assert other_topic(answered, [Parse("ask_credit", 0.4)], TOPICS) is None
    assert other_topic(answered, [Parse("greet", 0.99)], TOPICS) is None
