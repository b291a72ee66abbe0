"""'más': the next page of the last long answer."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from flows.actions.common import LISTING_SLOT, content


class ActionMore(Action):
    def name(self) -> str:
        return "action_more"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        listing = tracker.get_slot(LISTING_SLOT) or {}
        pages = list(listing.get("pages") or [])
        if not pages:
            dispatcher.utter_message(text=content().system_text("nothing_more"))
            return []
        dispatcher.utter_message(text=pages[0])
        rest = pages[1:]
        return [SlotSet(LISTING_SLOT, {"pages": rest} if rest else None)]
