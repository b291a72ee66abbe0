"""Courses: ask the city (a form), then the open courses there, ICT first."""

from __future__ import annotations

from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.content.describe import describe_course
from bot.content.schema import CITIES, Course
from flows.actions import answers
from flows.actions.common import content, say_paged, today
from flows.actions.forms import FormReadingEveryMessage

ICT_TOPICS = ("tic", "programacion", "ofimatica", "marketing_digital")


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
    """The course as she reads it (bot/content/describe.py: the console previews the same)."""
    return describe_course(course, content())


class ValidateCourseForm(FormReadingEveryMessage):
    own_intents = frozenset({"ask_courses"})

    def name(self) -> str:
        return "validate_course_form"

    def validate_city(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        if slot_value in CITIES or slot_value == "virtual":
            return {"city": slot_value}
        city = answers.city_in(str(slot_value))
        if city:
            return {"city": city}
        if answers.modality_in(str(slot_value)) == "virtual":
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
