"""What every action needs: content, today's date in Bogotá, and sending paged answers."""

from __future__ import annotations

from datetime import date
from typing import Any

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.content.describe import bullet_list as _bullet_list
from bot.content.i18n import today_in_bogota
from bot.content.store import ContentStore, default_store
from bot.outbound.paging import paginate

LISTING_SLOT = "listing"


def content() -> ContentStore:
    return default_store()


def today() -> date:
    """Today in America/Bogota (tests replace this function)."""
    return today_in_bogota()


def say_paged(dispatcher: CollectingDispatcher, text: str) -> list[dict[str, Any]]:
    """Say the first page of `text`; keep the rest for "más" in the `listing` slot."""
    pages = paginate(text, content().system_text("more_offer"))
    dispatcher.utter_message(text=pages[0])
    return [SlotSet(LISTING_SLOT, {"pages": pages[1:]} if len(pages) > 1 else None)]


def bullet_list(items: tuple[str, ...] | list[str]) -> str:
    return _bullet_list(items)  # the same bullets as bot/content/describe.py's
