"""The pages of a long answer still to be read ('más': flows/actions/continuing.py)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from flows.actions.common import LISTING_SLOT


def next_page(tracker: Tracker) -> tuple[str, list[dict[str, Any]]] | None:
    """The next page of her last long answer and the slot to set, or None when nothing is left."""
    listing = tracker.get_slot(LISTING_SLOT) or {}
    pages = list(listing.get("pages") or [])
    if not pages:
        return None
    rest = pages[1:]
    return pages[0], [SlotSet(LISTING_SLOT, {"pages": rest} if rest else None)]
