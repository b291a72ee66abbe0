"""What every form does with each of her messages while it runs: take every answer in it.

A form asks one question at a time, but she answers in her own order: "como convalido mi
título de la universidad, ya está apostillado" answers both questions of the credential form,
"no, mejor en Santa Marta" changes the city already given. Each turn the message is read
(`flows.actions.answers`) and every slot it answers is set, whatever question was asked.

A turn that answers nothing and asks again for the form's own topic ("¿y cómo hago para
convalidar?") is taken as the form's turn: the question is asked again. Rejected, Rasa would
predict the form again for that topic and loop until its circuit breaker, leaving her with no
answer. The menu, a person, danger and other topics still leave or interrupt the form (rules).
"""

from __future__ import annotations

import abc
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from flows.actions import answers

# What always leaves (or interrupts) a form: never read as an answer.
LEAVING_INTENTS = frozenset(
    {"show_menu", "more_topics", "request_human", "report_emergency", "opt_out", "delete_data",
     "goodbye"}
)  # fmt: skip


class FormReadingEveryMessage(FormValidationAction, abc.ABC):
    """A form's validation that takes every answer from each message (abstract: the action
    server registers only the concrete forms)."""

    # The intents that started this form: asked again mid-form, they repeat the question.
    own_intents: frozenset[str] = frozenset()

    @abc.abstractmethod
    def name(self) -> str: ...

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events = await super().get_extraction_events(dispatcher, tracker, domain)
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        if intent in LEAVING_INTENTS:
            return events
        requested = tracker.get_slot("requested_slot")
        found = answers.read(
            self.form_name(), str(message.get("text") or ""), intent, requested, tracker.slots
        )
        extracted = {e["name"] for e in events}
        changed = [
            SlotSet(slot, value)
            for slot, value in found.items()
            if slot not in extracted and tracker.get_slot(slot) != value
        ]
        if not events and not changed and requested and intent in self.own_intents:
            changed = [SlotSet(requested, None)]  # her turn, answered by asking again
        return [*events, *changed]


def answered_by(form: str, tracker: Tracker) -> list[dict[str, Any]]:
    """SlotSet events for what her latest message already answers in `form`, for an action
    that offers the form before it starts (the credit pre-check)."""
    message = tracker.latest_message or {}
    found = answers.read(form, str(message.get("text") or ""), known=tracker.slots)
    return [SlotSet(slot, value) for slot, value in found.items()]
