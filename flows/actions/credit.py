"""Credit: requirements and partners (the FNG guarantees, it does not lend), a warning against
gota a gota lenders, and a short pre-check with a clear outcome and next step."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.content.describe import describe_credit
from bot.conversation.choices import parse_choice
from bot.core.text import fold
from flows.actions.answers import CREDIT_FORM
from flows.actions.common import content, say_paged
from flows.actions.forms import FormReadingEveryMessage, answered_by

BUSINESS_MONTHS = ("menos_6", "6_12", "mas_12")


def normalise_months(text: str | None) -> str | None:
    """ "3 meses", "menos de 6", "un año", option numbers 1-3 → a category."""
    folded = fold(text or "").replace("_", " ")
    choice = parse_choice(folded)
    if choice is not None and 1 <= choice <= 3:
        return BUSINESS_MONTHS[choice - 1]
    if any(w in folded for w in ("mas de un ano", "mas de 12", "anos", "mas 12", "mas de 1 ano")):
        return "mas_12"
    if any(w in folded for w in ("menos de 6", "menos 6", "semana", "recien", "apenas", "1 mes")):
        return "menos_6"
    if any(w in folded for w in ("un ano", "1 ano", "6 a 12", "6 12", "ocho", "10 meses")):
        return "6_12"
    digits = [int(t) for t in folded.split() if t.isdigit()]
    if digits and "mes" in folded:
        months = digits[0]
        return "menos_6" if months < 6 else ("6_12" if months <= 12 else "mas_12")
    return None


def precheck_outcome(
    has_business: bool, business_months: str | None, has_ppt: bool, financial_training: bool
) -> tuple[str, list[str]]:
    """(outcome, next steps) — outcome: 'ready', 'almost' or 'not_yet' (response names)."""
    steps: list[str] = []
    if not has_ppt:
        steps.append("step_get_ppt")
    if not has_business:
        steps.append("step_start_business")
    elif business_months == "menos_6":
        steps.append("step_business_time")
    if not financial_training:
        steps.append("step_financial_training")
    if not steps:
        return "ready", ["step_talk_to_caseworker"]
    if not has_ppt or not has_business:
        return "not_yet", steps
    return "almost", steps


class ActionCreditInfo(Action):
    def name(self) -> str:
        return "action_credit_info"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        store = content()
        credit = store.snapshot().credit
        if credit is None:
            dispatcher.utter_message(response="utter_no_info")
            return []
        # What she already said ("tengo una venta hace un año, ya tengo el PPT") is kept, so
        # the pre-check she is offered next does not ask it again.
        text = describe_credit(credit, store)  # as the console previews it
        return [*answered_by(CREDIT_FORM, tracker), *say_paged(dispatcher, text)]


class ValidateCreditPrecheckForm(FormReadingEveryMessage):
    own_intents = frozenset({"ask_credit"})

    def name(self) -> str:
        return "validate_credit_precheck_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        # How long she has had the business only matters if she has one.
        if tracker.get_slot("has_business") is False:
            return [s for s in domain_slots if s != "business_months"]
        return domain_slots

    def validate_business_months(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        value = slot_value if slot_value in BUSINESS_MONTHS else normalise_months(str(slot_value))
        if value is None:
            dispatcher.utter_message(response="utter_months_not_understood")
        return {"business_months": value}


class ActionCreditPrecheckResult(Action):
    def name(self) -> str:
        return "action_credit_precheck_result"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        store = content()
        outcome, steps = precheck_outcome(
            bool(tracker.get_slot("has_business")),
            tracker.get_slot("business_months"),
            bool(tracker.get_slot("has_ppt")),
            bool(tracker.get_slot("financial_training")),
        )
        text = "\n\n".join(
            [store.system_text(f"precheck_{outcome}")] + [store.system_text(step) for step in steps]
        )
        return say_paged(dispatcher, text)
