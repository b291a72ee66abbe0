"""Answers that are one text from content/topics.yml, paged for SMS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from flows.actions.common import content, say_paged

_TOPICS = yaml.safe_load((Path(__file__).resolve().parents[1] / "topics.yml").read_text())
TOPIC_RESPONSES: dict[str, str] = _TOPICS["topic_responses"]
NO_INFO_RESPONSE: str = _TOPICS["no_info_response"]


class ActionTopicAnswer(Action):
    def name(self) -> str:
        return "action_topic_answer"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name", "")
        response = TOPIC_RESPONSES.get(intent, NO_INFO_RESPONSE)
        return say_paged(dispatcher, content().render(response).text)
