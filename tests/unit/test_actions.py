"""Every custom action, with rasa-sdk's CollectingDispatcher, trackers built from fixtures and
a fixed content set (tests/fixtures/content) on a fixed day."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import flows.actions.common as common
from bot.content.store import ContentStore
from bot.conversation.crisis.kinds import KINDS
from flows.actions import (
    ActionCredentialNext,
    ActionCredentialPrevious,
    ActionCredentialStep,
    ActionCreditInfo,
    ActionCreditPrecheckResult,
    ActionEmergencyLines,
    ActionFallback,
    ActionMore,
    ActionScholarshipReminder,
    ActionShowCourses,
    ActionShowScholarships,
    ActionTopicAnswer,
    ValidateCourseForm,
    ValidateCredentialForm,
    ValidateCreditPrecheckForm,
)

TODAY = date(2026, 11, 28)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "content"


@pytest.fixture(autouse=True)
def fixed_content(monkeypatch) -> ContentStore:
    store = ContentStore(FIXTURES)
    monkeypatch.setattr(common, "content", lambda: store)
    monkeypatch.setattr(common, "today", lambda: TODAY)
    for module in ("courses", "credentials", "credit", "listing", "safety", "scholarships",
                   "topics", "fallback"):  # fmt: skip
        mod = __import__(f"flows.actions.{module}", fromlist=["x"])
        if hasattr(mod, "content"):
            monkeypatch.setattr(mod, "content", lambda: store)
        if hasattr(mod, "today"):
            monkeypatch.setattr(mod, "today", lambda: TODAY)
    return store


def tracker(
    slots: dict[str, Any] | None = None,
    intent: str = "greet",
    text: str = "",
    events: list[dict] | None = None,
    ranking: list[dict] | None = None,
    active_loop: str | None = None,
) -> Tracker:
    latest = {"intent": {"name": intent}, "text": text, "intent_ranking": ranking or []}
    return Tracker(
        "p_test",
        slots or {},
        latest,
        events or [],
        False,
        None,
        {"name": active_loop} if active_loop else {},
        "action_listen",
    )


def run(action, t: Tracker) -> tuple[list[dict], list[dict]]:  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, t, {})
    if asyncio.iscoroutine(result):
        result = asyncio.run(result)
    return dispatcher.messages, result


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or m.get("response") or "" for m in messages)


def slot_events(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


# --- courses -------------------------------------------------------------------------------
def test_courses_in_her_city_are_open_ones_ict_first_plus_virtual() -> None:
    messages, events = run(ActionShowCourses(), tracker({"city": "Barranquilla"}))
    shown = texts(messages) + "".join(
        p for p in (slot_events(events).get("listing") or {}).get("pages", [])
    )
    # ICT first (programming, then office software), then the rest; all still open.
    assert shown.index("Programación básica") < shown.index("Excel desde cero")
    assert shown.index("Excel desde cero") < shown.index("Manicure")
    assert "Curso cerrado" not in shown


def test_a_closed_course_is_never_shown() -> None:
    messages, events = run(ActionShowCourses(), tracker({"city": "Santa Marta"}))
    everything = texts(messages) + str(slot_events(events).get("listing"))
    assert "Curso cerrado" not in everything
    assert "Excel desde cero" in everything  # virtual courses are open to every city


def test_courses_filtered_by_modality_and_topic() -> None:
    messages, _ = run(ActionShowCourses(), tracker({"city": "Barranquilla", "modality": "virtual"}))
    assert "Excel desde cero" in texts(messages) and "Programación" not in texts(messages)


def test_no_course_on_a_topic_says_so_then_shows_the_others() -> None:
    messages, _ = run(
        ActionShowCourses(), tracker({"city": "Santa Marta", "course_topic": "idiomas"})
    )
    assert messages[0]["response"] == "utter_no_courses_on_topic"


def test_no_course_at_all_offers_guidance() -> None:
    messages, _ = run(
        ActionShowCourses(), tracker({"city": "Santa Marta", "modality": "presencial"})
    )
    assert [m["response"] for m in messages] == ["utter_no_courses"]


@pytest.mark.parametrize(
    ("said", "city"),
    [("Barranquilla", "Barranquilla"), ("vivo en quilla", "Barranquilla"),
     ("soy samaria", "Santa Marta"), ("sta marta", "Santa Marta"), ("virtual", "virtual"),
     ("cartagena", None)],
)  # fmt: skip
def test_city_validation(said: str, city: str | None) -> None:
    dispatcher = CollectingDispatcher()
    result = ValidateCourseForm().validate_city(said, dispatcher, tracker(), {})
    assert result["city"] == city
    assert bool(dispatcher.messages) == (city is None)


def extraction(form, t: Tracker) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    domain = {"forms": {form.form_name(): {"required_slots": []}}}
    events = asyncio.run(form.get_extraction_events(CollectingDispatcher(), t, domain))
    return slot_events(events)


@pytest.mark.parametrize(
    ("said", "extracted"),
    [("quiero info de los cursos virtuales", {"city": "virtual", "modality": "virtual"}),
     ("q cursos hay en quilla", {"city": "Barranquilla"}),
     ("cursos de excel para samarias", {"city": "Santa Marta", "course_topic": "ofimatica"}),
     ("que cursos hay", {"city": None})],
)  # fmt: skip
def test_every_answer_in_any_message_is_taken_while_the_course_form_runs(
    said: str, extracted: dict[str, str]
) -> None:
    """ "que cursos hay" asked again mid-form answers nothing: the form takes the turn (city
    None) and asks again, instead of a rejected turn Rasa would loop on."""
    asked = {"requested_slot": "city"}
    t = tracker(asked, intent="ask_courses", text=said, active_loop="course_form")
    assert extraction(ValidateCourseForm(), t) == extracted


def test_a_changed_mind_replaces_the_answer_already_given() -> None:
    t = tracker({"city": "Barranquilla"}, intent="inform", text="no, mejor en santa marta")
    assert extraction(ValidateCourseForm(), t) == {"city": "Santa Marta"}
    t = tracker({"education_level": "bachillerato", "requested_slot": "apostilled"},
                intent="deny", text="no perdon, es el de la universidad")  # fmt: skip
    assert extraction(ValidateCredentialForm(), t) == {"education_level": "universitario"}


def test_a_plain_yes_or_no_answers_only_the_question_asked() -> None:
    asked = {"education_level": "tecnico", "requested_slot": "apostilled"}
    assert extraction(ValidateCredentialForm(), tracker(asked, intent="affirm", text="si")) == {
        "apostilled": True
    }
    asked = {"requested_slot": "has_ppt", "has_business": True, "business_months": "6_12"}
    assert extraction(ValidateCreditPrecheckForm(), tracker(asked, intent="deny", text="no")) == {
        "has_ppt": False
    }


@pytest.mark.parametrize("intent", ["show_menu", "request_human", "report_emergency", "opt_out"])
def test_leaving_a_form_is_never_read_as_an_answer(intent: str) -> None:
    t = tracker({"requested_slot": "city"}, intent=intent, text="menu santa marta")
    assert extraction(ValidateCourseForm(), t) == {}


def test_another_topic_mid_form_is_left_to_the_rules() -> None:
    """Nothing set: the form rejects the turn, the topic's rule answers, the form resumes."""
    t = tracker({"requested_slot": "city"}, intent="ask_scholarships", text="y becas hay?")
    assert extraction(ValidateCourseForm(), t) == {}


def test_credit_information_keeps_what_she_already_said_for_the_precheck() -> None:
    said = "tengo una venta de arepas hace 2 años y quiero un credito, ya tengo el ppt"
    _, events = run(ActionCreditInfo(), tracker(intent="ask_credit", text=said))
    slots = slot_events(events)
    slots.pop("listing")
    assert slots == {"has_business": True, "business_months": "mas_12", "has_ppt": True}


# --- credential validation -------------------------------------------------------------------
def test_credential_path_is_chosen_by_level_and_apostille_and_starts_at_step_one() -> None:
    messages, events = run(
        ActionCredentialStep(), tracker({"education_level": "universitario", "apostilled": True})
    )
    assert "Paso 1 de 3" in texts(messages) and "Uno" in texts(messages)
    assert slot_events(events) == {
        "credential_path": "superior-apostillado",
        "credential_step": 0.0,
    }


def test_next_and_back_move_one_step_and_stop_at_the_ends() -> None:
    at = {"credential_path": "superior-apostillado", "credential_step": 1.0}
    messages, events = run(ActionCredentialNext(), tracker(at))
    assert "Paso 3 de 3" in texts(messages) and slot_events(events)["credential_step"] == 2.0
    assert "último paso" in texts(messages)
    _, events = run(ActionCredentialNext(), tracker({**at, "credential_step": 2.0}))
    assert slot_events(events)["credential_step"] == 2.0
    messages, events = run(ActionCredentialPrevious(), tracker({**at, "credential_step": 0.0}))
    assert slot_events(events)["credential_step"] == 0.0


def test_next_without_a_started_path_explains() -> None:
    messages, _ = run(ActionCredentialNext(), tracker())
    assert messages[0]["response"] == "utter_no_steps_started"


@pytest.mark.parametrize(
    ("said", "level"),
    [("bachiller", "bachillerato"), ("soy tecnologo", "tecnico"), ("ingeniera", "universitario"),
     ("tengo maestria", "posgrado"), ("licenciada en educacion", "universitario"), ("nada", None)],
)  # fmt: skip
def test_level_validation(said: str, level: str | None) -> None:
    result = ValidateCredentialForm().validate_education_level(
        said, CollectingDispatcher(), tracker(), {}
    )
    assert result["education_level"] == level


# --- scholarships ------------------------------------------------------------------------------
def test_only_open_calls_with_their_deadline_in_words() -> None:
    messages, events = run(ActionShowScholarships(), tracker())
    shown = texts(messages) + str(slot_events(events).get("listing"))
    assert "Beca abierta" in shown
    assert "Beca cerrada" not in shown and "Beca futura" not in shown
    assert "Cierra el martes 15 de diciembre de 2026 — faltan 17 días" in shown
    assert slot_events(events)["shown_scholarships"] == ["abierta"]


def test_remind_me_subscribes_to_the_calls_shown(monkeypatch) -> None:
    stored: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(
        "flows.actions.scholarships.subscribe", lambda pid, ids: stored.append((pid, ids)) or 1
    )
    messages, _ = run(
        ActionScholarshipReminder(), tracker({"shown_scholarships": ["abierta", "cerrada"]})
    )
    assert stored == [("p_test", ["abierta"])]
    assert messages[0]["response"] == "utter_remind_me_done"


def test_remind_me_before_seeing_calls_explains(monkeypatch) -> None:
    monkeypatch.setattr("flows.actions.scholarships.subscribe", lambda *_: pytest.fail("stored"))
    messages, _ = run(ActionScholarshipReminder(), tracker())
    assert messages[0]["response"] == "utter_remind_me_nothing"


# --- credit ------------------------------------------------------------------------------------
def test_credit_info_says_fng_guarantees_amounts_in_pesos_and_warns_of_gota_a_gota() -> None:
    messages, events = run(ActionCreditInfo(), tracker())
    everything = texts(messages) + " ".join(
        (slot_events(events).get("listing") or {}).get("pages", [])
    )
    assert "no presta" in everything.lower() or "no te presta" in everything.lower()
    assert "$ 1.200.000" in everything
    assert "gota a gota" in everything.lower()


@pytest.mark.parametrize(
    ("slots", "outcome"),
    [
        ({"has_business": True, "business_months": "mas_12", "has_ppt": True,
          "financial_training": True}, "¡Vas bien!"),
        ({"has_business": True, "business_months": "menos_6", "has_ppt": True,
          "financial_training": True}, "Estás cerca"),
        ({"has_business": False, "has_ppt": False, "financial_training": False},
         "Todavía no es el momento"),
    ],
)  # fmt: skip
def test_precheck_gives_a_clear_outcome_and_next_step(slots: dict, outcome: str) -> None:
    messages, _ = run(ActionCreditPrecheckResult(), tracker(slots))
    assert texts(messages).startswith(outcome)


def test_business_months_are_skipped_without_a_business() -> None:
    required = asyncio.run(
        ValidateCreditPrecheckForm().required_slots(
            ["has_business", "business_months", "has_ppt", "financial_training"],
            CollectingDispatcher(),
            tracker({"has_business": False}),
            {},
        )
    )
    assert "business_months" not in required


@pytest.mark.parametrize(
    ("said", "value"),
    [("1", "menos_6"), ("3", "mas_12"), ("hace 3 meses", "menos_6"), ("8 meses", "6_12"),
     ("mas de un año", "mas_12"), ("ni idea", None)],
)  # fmt: skip
def test_business_months_validation(said: str, value: str | None) -> None:
    result = ValidateCreditPrecheckForm().validate_business_months(
        said, CollectingDispatcher(), tracker(), {}
    )
    assert result["business_months"] == value


# --- safety, topics, paging, fallback ----------------------------------------------------------
def test_an_emergency_the_nlu_heard_with_certainty_gives_lines_and_never_a_menu() -> None:
    text = "mi marido me pega y me amenaza con el cuchillo"
    messages, _ = run(ActionEmergencyLines(), tracker(intent="report_emergency", text=text))
    everything = texts(messages)
    assert "123" in everything and "155" in everything
    assert "192" not in everything  # not verified in the fixture: never given
    assert not any(m.get("buttons") for m in messages)
    assert "utter_main_menu" not in everything
    assert {"handoff": "urgent", "topic": "emergency:partner_violence"} in [
        m.get("custom") for m in messages
    ]


def test_an_emergency_the_nlu_heard_in_possible_danger_asks_the_engine_to_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import flows.actions.safety as safety
    from bot.conversation.crisis.assess import POSSIBLE, Danger

    def possible(text: str, nlu_emergency: bool = False) -> Danger:
        assert nlu_emergency  # the NLU's word is weighed with the assessment
        return Danger(POSSIBLE, "stalking", 0.3)

    monkeypatch.setattr(safety, "assess", possible)
    text = "ese man no me deja en paz"
    messages, _ = run(ActionEmergencyLines(), tracker(intent="report_emergency", text=text))
    [signal] = [m["custom"] for m in messages if m.get("custom")]
    assert signal["almas"] == "crisis_check" and signal["topic"] in KINDS
    assert texts(messages) == ""  # the engine asks her, with the line for her case


def test_an_emergency_the_nlu_heard_in_everyday_words_is_answered_as_not_understood() -> None:
    text = "me pegó la gripa y no pude ir al curso"
    ranking = [{"name": "ask_courses", "confidence": 0.2}]
    messages, _ = run(
        ActionEmergencyLines(), tracker(intent="report_emergency", text=text, ranking=ranking)
    )
    assert "123" not in texts(messages)
    assert not any((m.get("custom") or {}).get("handoff") for m in messages)


def test_topic_answer_comes_from_content(fixed_content: ContentStore) -> None:
    messages, _ = run(ActionTopicAnswer(), tracker(intent="ask_migration_status"))
    first_words = fixed_content.render("utter_migration_status").text[:40]
    assert texts(messages).startswith(first_words)


def test_more_gives_the_next_page_then_says_it_is_all() -> None:
    listing = {"pages": ["página 2", "página 3"]}
    messages, events = run(ActionMore(), tracker({"listing": listing}))
    assert texts(messages) == "página 2" and slot_events(events)["listing"] == {
        "pages": ["página 3"]
    }
    messages, events = run(ActionMore(), tracker({"listing": {"pages": ["página 3"]}}))
    assert slot_events(events)["listing"] is None
    messages, _ = run(ActionMore(), tracker())
    assert "Eso es todo" in texts(messages)


def test_more_in_her_guide_with_no_page_left_gives_the_next_step() -> None:
    # "sigue" / "continúa" are read as "more": inside the guide they still move it on.
    at = {"credential_path": "superior-apostillado", "credential_step": 0.0}
    messages, events = run(ActionMore(), tracker(at))
    assert "Paso 2 de 3" in texts(messages) and slot_events(events)["credential_step"] == 1.0


def test_more_prefers_the_pages_of_her_last_answer_to_her_guide() -> None:
    at = {"credential_path": "superior-apostillado", "credential_step": 0.0}
    messages, events = run(ActionMore(), tracker({**at, "listing": {"pages": ["página 2"]}}))
    assert texts(messages) == "página 2" and "credential_step" not in slot_events(events)


def test_next_after_a_long_answer_without_a_guide_gives_its_next_page() -> None:
    messages, events = run(ActionCredentialNext(), tracker({"listing": {"pages": ["página 2"]}}))
    assert texts(messages) == "página 2" and slot_events(events)["listing"] is None


def test_back_without_a_guide_does_not_page_forward() -> None:
    messages, _ = run(ActionCredentialPrevious(), tracker({"listing": {"pages": ["página 2"]}}))
    assert messages[0]["response"] == "utter_no_steps_started"


def user(intent: str) -> dict:
    return {"event": "user", "text": "x", "parse_data": {"intent": {"name": intent}}}


def test_first_fallback_offers_the_closest_topics_as_numbered_options() -> None:
    names = ["nlu_fallback", "ask_credit", "greet", "ask_entrepreneurship", "ask_courses",
             "ask_employment"]  # fmt: skip
    ranking = [{"name": name} for name in names]
    messages, _ = run(ActionFallback(), tracker(events=[user("nlu_fallback")], ranking=ranking))
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads == ["/ask_credit", "/ask_entrepreneurship", "/ask_courses", "/request_human"]


def test_second_fallback_in_a_row_offers_a_case_worker() -> None:
    events = [user("nlu_fallback"), {"event": "bot"}, user("nlu_fallback")]
    messages, _ = run(ActionFallback(), tracker(events=events))
    assert messages[0]["response"] == "utter_default_again"
    assert messages[1]["custom"]["handoff"] == "normal"  # a person takes over


def test_an_unconfirmed_cost_is_never_stated(fixed_content: ContentStore) -> None:
    from flows.actions.courses import describe

    course = fixed_content.snapshot().courses[0].model_copy(update={"cost_cop": None})
    text = describe(course)
    assert "asesora" in text and "Gratis" not in text
