"""Answers that are one text from content/topics.yml, paged for SMS."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from flows.actions.common import content, say_paged

TOPIC_RESPONSES = {
    "ask_entrepreneurship": "utter_entrepreneurship",
    "ask_employment": "utter_employment",
    "ask_psych_support": "utter_psych_support",
    "ask_migration_status": "utter_migration_status",
    "ask_enrollment": "utter_enrollment",
}


class ActionTopicAnswer(Action):
    def name(self) -> str:
        return "action_topic_answer"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name", "")
        response = TOPIC_RESPONSES.get(intent, "utter_no_info")
        return say_paged(dispatcher, content().render(response).text)
