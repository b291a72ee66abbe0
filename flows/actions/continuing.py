"""What "más", "sigue" and "siguiente" continue: the next page of her last long answer or the
next step of her guide, whichever she has pending. The words overlap ("sigue", "continúa" mean
either), so each action falls back on the other before saying there is nothing to continue."""

from __future__ import annotations

import abc
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from flows.actions.common import content
from flows.actions.credentials import moved_step
from flows.actions.listing import next_page


class ActionMore(Action):
    """'más': the next page of the last long answer, else the next step of her guide."""

    def name(self) -> str:
        return "action_more"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        found = next_page(tracker) or moved_step(tracker, 1)
        if found is None:
            dispatcher.utter_message(text=content().system_text("nothing_more"))
            return []
        text, events = found
        dispatcher.utter_message(text=text)
        return events


class _Move(Action, abc.ABC):
    """Move one step; abstract, so the action server does not register it as an action."""

    delta = 0

    @abc.abstractmethod
    def name(self) -> str: ...

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        found = moved_step(tracker, self.delta)
        if found is None and self.delta > 0:
            found = next_page(tracker)  # "siguiente" after a long list: its next page
        if found is None:  # no guide started: "siguiente" means nothing yet
            dispatcher.utter_message(response="utter_no_steps_started")
            return []
        text, events = found
        dispatcher.utter_message(text=text)
        return events


class ActionCredentialNext(_Move):
    delta = 1

    def name(self) -> str:
        return "action_credential_next"


class ActionCredentialPrevious(_Move):
    delta = -1

    def name(self) -> str:
        return "action_credential_previous"
