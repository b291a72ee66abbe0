"""Courses: ask the city (a form), then the open courses there, ICT first."""

from __future__ import annotations

from datetime import date
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.content.i18n import cop, long_date
from bot.content.schema import CITIES, Course
from bot.core.text import fold
from flows.actions.common import content, say_paged, today

ICT_TOPICS = ("tic", "programacion", "ofimatica", "marketing_digital")

# How participants name the two cities (the NLU synonyms cover most; this catches free text).
CITY_WORDS = {
    "Santa Marta": ("santa marta", "sta marta", "samario", "samaria", "santamarta", "smr"),
    "Barranquilla": ("barranquilla", "quilla", "baq", "arenosa", "curramba", "barranquiller"),
}
VIRTUAL_WORDS = ("virtual", "en linea", "online", "internet", "desde la casa", "desde casa")


def normalise_city(text: str | None) -> str | None:
    folded = fold(text or "")
    for city, words in CITY_WORDS.items():
        if any(word in folded for word in words):
            return city
    return None


def find_courses(
    courses: tuple[Course, ...],
    on: date,
    city: str | None,
    modality: str | None = None,
    topic: str | None = None,
) -> list[Course]:
    """Courses still open for enrolment, in her city (or virtual), ICT first then by date."""
    found = [
        c
        for c in courses
        if c.enrol_until >= on
        and (c.city == city or c.modality == "virtual")
        and (modality is None or c.modality == modality)
        and (topic is None or c.topic == topic)
    ]
    return sorted(found, key=lambda c: (c.topic not in ICT_TOPICS, c.start_date, c.name))


def describe(course: Course) -> str:
    store = content()
    place = course.city if course.modality == "presencial" else store.system_text("virtual")
    if course.cost_cop is None:
        cost = store.system_text("cost_unconfirmed")
    elif course.cost_cop == 0:
        cost = store.system_text("free")
    else:
        cost = cop(course.cost_cop)
    lines = [
        f"*{course.name}* ({course.provider})",
        f"{place} · {course.modality}" if course.modality == "presencial" else place,
        store.system_text(
            "course_when", start=long_date(course.start_date), duration=course.duration
        ),
        f"{course.schedule} · {cost}",
        store.system_text("course_enrol_until", date=long_date(course.enrol_until)),
    ]
    if course.requirements:
        lines.append(store.system_text("requirements") + " " + "; ".join(course.requirements))
    if course.address and course.modality == "presencial":
        lines.append(course.address)
    lines.append(course.how_to_enrol)
    if course.link:
        lines.append(str(course.link))
    if course.phone:
        lines.append(course.phone)
    return "\n".join(lines)


class ValidateCourseForm(FormValidationAction):
    def name(self) -> str:
        return "validate_course_form"

    def extract_city(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Her city from whatever she wrote while the form runs, whatever the intent: "quiero
        info de los cursos virtuales" asked for courses again, so no slot mapping took it, the
        form rejected the turn and Rasa looped on its fallback until its circuit breaker
        (found by the chaos run). A city or "virtual" in her words fills it."""
        if tracker.get_slot("city"):
            return {}
        text = str(tracker.latest_message.get("text") or "")
        city = normalise_city(text)
        if city:
            return {"city": city}
        if any(word in fold(text) for word in VIRTUAL_WORDS):
            return {"city": "virtual"}
        return {}

    def validate_city(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        if slot_value in CITIES:
            return {"city": slot_value}
        city = normalise_city(str(slot_value))
        if city:
            return {"city": city}
        if any(word in fold(str(slot_value)) for word in VIRTUAL_WORDS):
            return {"city": "virtual", "modality": "virtual"}
        dispatcher.utter_message(response="utter_city_not_served")
        return {"city": None}


class ActionShowCourses(Action):
    def name(self) -> str:
        return "action_show_courses"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        city = tracker.get_slot("city")
        modality = tracker.get_slot("modality")
        topic = tracker.get_slot("course_topic")
        courses = content().snapshot().courses
        found = find_courses(courses, today(), None if city == "virtual" else city, modality, topic)
        if not found and topic:  # nothing on that topic: say so, then show what there is
            dispatcher.utter_message(response="utter_no_courses_on_topic")
            found = find_courses(courses, today(), None if city == "virtual" else city, modality)
        if not found:
            dispatcher.utter_message(response="utter_no_courses")
            return []
        header = content().system_text("courses_header", count=len(found))
        return say_paged(dispatcher, header + "\n\n" + "\n\n".join(describe(c) for c in found))
