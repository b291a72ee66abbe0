"""Validating a diploma: ask the level and the apostille, then one step at a time
("siguiente", "atrás", "menu": flows/actions/continuing.py); the step is kept in the tracker, so
she can resume days later."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.content.describe import describe_step
from bot.content.schema import CredentialPath
from flows.actions import answers
from flows.actions.common import content
from flows.actions.forms import FormReadingEveryMessage


def choose_path(
    paths: tuple[CredentialPath, ...], level: str, apostilled: bool
) -> CredentialPath | None:
    for path in paths:
        if level in path.levels and path.apostilled == apostilled:
            return path
    return None


def render_step(path: CredentialPath, index: int) -> str:
    """Step `index` as she reads it (bot/content/describe.py: the console previews the same)."""
    return describe_step(path, index, content())


def current_path(tracker: Tracker) -> CredentialPath | None:
    path_id = tracker.get_slot("credential_path")
    return next((p for p in content().snapshot().credential_paths if p.id == path_id), None)


class ValidateCredentialForm(FormReadingEveryMessage):
    own_intents = frozenset({"ask_credential_validation"})

    def name(self) -> str:
        return "validate_credential_form"

    def validate_education_level(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        level = answers.level_in(str(slot_value))
        if level is None:
            dispatcher.utter_message(response="utter_level_not_understood")
        return {"education_level": level}


class ActionCredentialStep(Action):
    """After the form: choose her path and show step 1 (or where she left it)."""

    def name(self) -> str:
        return "action_credential_step"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        level = tracker.get_slot("education_level")
        apostilled = bool(tracker.get_slot("apostilled"))
        path = choose_path(content().snapshot().credential_paths, level or "", apostilled)
        if path is None:
            dispatcher.utter_message(response="utter_no_info")
            return []
        dispatcher.utter_message(text=render_step(path, 0))
        return [SlotSet("credential_path", path.id), SlotSet("credential_step", 0.0)]


def moved_step(tracker: Tracker, delta: int) -> tuple[str, list[dict[str, Any]]] | None:
    """Her guide moved `delta` steps (kept within it): the step's text and the slot to set, or
    None when no guide is started."""
    path = current_path(tracker)
    if path is None:
        return None
    step = int(tracker.get_slot("credential_step") or 0) + delta
    step = max(0, min(step, len(path.steps) - 1))
    return render_step(path, step), [SlotSet("credential_step", float(step))]
