"""Scholarships: open calls with their deadline in words; "recordarme" subscribes her."""

from __future__ import annotations

from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.content.describe import describe_scholarship
from bot.content.schema import Scholarship
from bot.reminders.subscriptions import subscribe
from flows.actions.common import content, say_paged, today


def open_calls(calls: tuple[Scholarship, ...], on: date) -> list[Scholarship]:
    """Calls open today (opened, not closed), the soonest to close first."""
    return sorted((c for c in calls if c.opens <= on <= c.closes), key=lambda c: c.closes)


def describe(call: Scholarship, on: date) -> str:
    """The call as she reads it (bot/content/describe.py: the console previews the same)."""
    return describe_scholarship(call, on, content())


class ActionShowScholarships(Action):
    def name(self) -> str:
        return "action_show_scholarships"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        on = today()
        calls = open_calls(content().snapshot().scholarships, on)
        if not calls:
            dispatcher.utter_message(response="utter_no_scholarships")
            return [SlotSet("shown_scholarships", [])]
        store = content()
        text = "\n\n".join(
            [store.system_text("scholarships_header", count=len(calls))]
            + [describe(c, on) for c in calls]
            + [store.system_text("remind_me_offer")]
        )
        return [*say_paged(dispatcher, text), SlotSet("shown_scholarships", [c.id for c in calls])]


class ActionScholarshipReminder(Action):
    def name(self) -> str:
        return "action_scholarship_reminder"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        on = today()
        shown = tracker.get_slot("shown_scholarships") or []
        still_open = {c.id for c in open_calls(content().snapshot().scholarships, on)}
        ids = [i for i in shown if i in still_open]
        if not ids:
            dispatcher.utter_message(response="utter_remind_me_nothing")
            return []
        subscribe(tracker.sender_id, ids)
        dispatcher.utter_message(response="utter_remind_me_done")
        return []
