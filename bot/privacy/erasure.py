"""Erasing a participant everywhere she is: SQL, Redis (line, tickets, dialogue helpers) and
her Rasa tracker. An audit row records that it happened and how much went, without her id."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.outbound import proactive
from bot.store.participants import erase_participant, record_erasure, ticket_ids_of

if TYPE_CHECKING:
    from bot.runtime import Runtime

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
    tracker = keys.rasa_tracker(participant)
    removed["rasa_tracker"] = int(rt.redis.delete(tracker))
    record_erasure(rt.sessions, removed)
    log.info("erased a participant on her request: %s", removed)
    return removed
