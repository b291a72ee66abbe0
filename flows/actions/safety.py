"""Danger the NLU heard (intent report_emergency). The crisis gate (bot/conversation/gates.py)
has already read her message and found no danger it was sure of, so the NLU's word is weighed
with the same assessment (bot/conversation/crisis/assess.py, `nlu_emergency=True`):

* certain — the lines for her case, never a menu, and an urgent handoff (the worker opens the
  ticket when it sees the `handoff: urgent` signal in this action's message);
* possible — the engine asks her whether she is in danger now (the `crisis_check` signal);
* none — the NLU alone is not trusted with an alarm (it raises many on everyday words): the
  message is answered as one not understood, with the closest topics.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.conversation.crisis import kinds
from bot.conversation.crisis.assess import CERTAIN, POSSIBLE, assess
from bot.conversation.support_lines import lines_text
from bot.core.messages import CRISIS_CHECK_SIGNAL
from flows.actions.common import content
from flows.actions.fallback import ActionFallback


class ActionEmergencyLines(Action):
    def name(self) -> str:
        return "action_emergency_lines"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        danger = assess(text, nlu_emergency=True)
        if danger.level == CERTAIN:
            dispatcher.utter_message(text=lines_text(content(), kinds.LINE_CASES[danger.kind]))
            dispatcher.utter_message(response="utter_emergency_follow_up")
            dispatcher.utter_message(
                json_message={"handoff": "urgent", "topic": f"emergency:{danger.kind}"}
            )
            return []
        if danger.level == POSSIBLE:
            check = {"almas": CRISIS_CHECK_SIGNAL, "topic": danger.kind}
            dispatcher.utter_message(json_message=check)
            return []
        return ActionFallback().run(dispatcher, tracker, domain)
