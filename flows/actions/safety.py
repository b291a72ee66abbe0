"""Danger first: the lines, never a menu, and an urgent handoff (the worker opens the ticket
when it sees the `handoff: urgent` signal in this action's message)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.conversation.support_lines import CASE_ORDER, lines_text
from flows.actions.common import content

URGENT_SIGNAL = {"handoff": "urgent", "topic": "emergency"}


class ActionEmergencyLines(Action):
    def name(self) -> str:
        return "action_emergency_lines"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=lines_text(content(), CASE_ORDER))
        dispatcher.utter_message(response="utter_emergency_follow_up")
        dispatcher.utter_message(json_message=URGENT_SIGNAL)
        return []
