"""Opt-out and data rights in free phrasing, as the NLU understood them. The engine does the
work (bot/conversation/worker.py): these actions only signal it, so keywords and phrasings
share one path."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.core.messages import ERASE_REQUEST_SIGNAL, OPT_OUT_SIGNAL


class ActionOptOut(Action):
    def name(self) -> str:
        return "action_opt_out"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(json_message={"almas": OPT_OUT_SIGNAL})
        return []


class ActionDataRights(Action):
    def name(self) -> str:
        return "action_erase_request"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(json_message={"almas": ERASE_REQUEST_SIGNAL})
        return []
