"""flows/actions/fallback.py: first miss asks again, second miss in a row offers the menu."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from flows.actions.fallback import ActionFallback


def user(intent: str) -> dict:
    return {"event": "user", "text": "x", "parse_data": {"intent": {"name": intent}}}


def run(events: list[dict]) -> list[str]:
    tracker = Tracker("p_1", {}, events[-1]["parse_data"], events, False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    ActionFallback().run(dispatcher, tracker, {})
    return [m["response"] for m in dispatcher.messages]


def test_first_miss_asks_her_to_say_it_another_way() -> None:
    assert run([user("greet"), {"event": "bot"}, user("nlu_fallback")]) == ["utter_default"]


def test_second_miss_in_a_row_offers_the_menu_and_a_person() -> None:
    events = [user("nlu_fallback"), {"event": "bot"}, user("nlu_fallback")]
    assert run(events) == ["utter_default_again", "utter_main_menu"]
