"""Danger first: the lines for her situation, never a menu."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.content_schema import SupportLine
from flows.actions.common import content

# Lines always given in an emergency, in this order; the rest follow for their cases.
FIRST = ("emergency", "violence", "sexual_violence", "children", "suicide", "mental_health")


def lines_for_emergency(lines: tuple[SupportLine, ...]) -> list[SupportLine]:
    """Every line whose cases touch danger, emergency (123) first, regional ones included."""
    ordered = sorted(lines, key=lambda line: min(FIRST.index(c) for c in line.cases))
    return [line for line in ordered if "por confirmar" not in line.hours.lower()]


class ActionEmergencyLines(Action):
    def name(self) -> str:
        return "action_emergency_lines"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        store = content()
        lines = lines_for_emergency(store.snapshot().support_lines)
        listed = "\n".join(f"📞 *{line.dial}* — {line.name} ({line.region})" for line in lines)
        dispatcher.utter_message(text=store.system_text("emergency_intro") + "\n" + listed)
        dispatcher.utter_message(response="utter_emergency_follow_up")
        return []
