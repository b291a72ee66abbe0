"""What to do when the NLU did not understand her."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher


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


class ActionFallback(Action):
    """First miss: ask her to say it another way. Second miss in a row: the menu and a person."""

    def name(self) -> str:
        return "action_fallback"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if consecutive_fallbacks(tracker.events) >= 2:
            dispatcher.utter_message(response="utter_default_again")
            dispatcher.utter_message(response="utter_main_menu")
        else:
            dispatcher.utter_message(response="utter_default")
        return []
