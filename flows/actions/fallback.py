"""When the NLU did not understand her, in two steps: first the closest topics as numbered
options; if she is not understood again, the offer of a case worker (and the menu)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from flows.actions.common import content
from flows.actions.handoff import handoff_signal

# Intents that can be offered as "did you mean…?", with the title shown for each.
OFFERABLE = (
    "ask_courses", "ask_credential_validation", "ask_scholarships", "ask_credit",
    "ask_entrepreneurship", "ask_employment", "ask_psych_support", "ask_migration_status",
    "ask_enrollment",
)  # fmt: skip
MAX_OPTIONS = 3


def consecutive_fallbacks(events: list[dict[str, Any]]) -> int:
    """How many of her latest messages in a row were not understood (including the last)."""
    count = 0
    for event in reversed(events):
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent") or {}
        if intent.get("name") != "nlu_fallback":
            break
        count += 1
    return count


def closest_topics(intent_ranking: list[dict[str, Any]]) -> list[str]:
    ranked = [i.get("name") for i in intent_ranking if i.get("name") in OFFERABLE]
    return [name for name in ranked if name][:MAX_OPTIONS]


class ActionFallback(Action):
    def name(self) -> str:
        return "action_fallback"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if consecutive_fallbacks(tracker.events) >= 2:
            # Not understood twice in a row: a person takes over.
            dispatcher.utter_message(response="utter_default_again")
            dispatcher.utter_message(json_message=handoff_signal(tracker, "not_understood"))
            return []
        store = content()
        topics = closest_topics(tracker.latest_message.get("intent_ranking") or [])
        if not topics:
            dispatcher.utter_message(response="utter_default")
            return []
        buttons = [
            {"title": store.system_text(f"topic_{name}"), "payload": f"/{name}"} for name in topics
        ]
        buttons.append(
            {"title": store.system_text("topic_request_human"), "payload": "/request_human"}
        )
        dispatcher.utter_message(text=store.system_text("fallback_options"), buttons=buttons)
        return []
