"""Erasing a participant everywhere she is: SQL, Redis (line, tickets, dialogue helpers) and
her Rasa tracker. An audit row records that it happened and how much went, without her id."""

from __future__ import annotations

import logging

from bot import proactive
from bot.keys import Keys
from bot.rasa_service import tracker_key_prefix
from bot.runtime import Runtime
from bot.storage import erase_participant, record_erasure, ticket_ids_of

log = logging.getLogger(__name__)


def erase_everything(rt: Runtime, participant: str) -> dict[str, int]:
    """Remove all there is about her; returns what was removed per store (also audited)."""
    tickets = ticket_ids_of(rt.sessions, participant)
    removed = erase_participant(rt.sessions, participant)
    removed["redis_handoff_keys"] = rt.handoff.erase(participant, tickets)
    keys = rt.keys
    removed["redis_dialogue_keys"] = int(
        rt.redis.delete(
            keys.menu_options(participant),
            keys.consent_asked(participant),
            keys.erase_pending(participant),
            keys.throttle_noticed(participant),
            keys.outbox_failed(participant),  # failed sends kept for a supervisor's retry
            *proactive.redis_keys(keys, participant),  # held messages, daily slot, her address
        )
    )
    # Rasa keeps the dialogue (slots, events, her words) in the same Redis.
    tracker = Keys.rasa_tracker(tracker_key_prefix(rt.settings), participant)
    removed["rasa_tracker"] = int(rt.redis.delete(tracker))
    record_erasure(rt.sessions, removed)
    log.info("erased a participant on her request: %s", removed)
    return removed
