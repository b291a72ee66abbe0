"""'Hablar con una asesora': the action only signals; the worker opens the ticket and tells
her her place in line (it owns the queue)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

TOPIC_INTENTS = (
    "ask_courses", "ask_credential_validation", "ask_scholarships", "ask_credit",
    "ask_entrepreneurship", "ask_employment", "ask_psych_support", "ask_migration_status",
    "ask_enrollment",
)  # fmt: skip


def last_topic(events: list[dict[str, Any]]) -> str:
    """The latest programme topic she asked about, for the case worker's context."""
    for event in reversed(events):
        if event.get("event") == "user":
            name = ((event.get("parse_data") or {}).get("intent") or {}).get("name", "")
            if name in TOPIC_INTENTS:
                return name.removeprefix("ask_")
    return "general"


def handoff_signal(tracker: Tracker, reason: str) -> dict[str, str]:
    return {"handoff": "normal", "topic": last_topic(tracker.events), "reason": reason}


class ActionRequestHuman(Action):
    def name(self) -> str:
        return "action_request_human"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(json_message=handoff_signal(tracker, "asked"))
        return []
