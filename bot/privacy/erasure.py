"""Erasing a participant everywhere she is: SQL, Redis (line, tickets, dialogue helpers) and
her Rasa tracker. An audit row records that it happened and how much went, without her id."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.core.keys import shard_of
from bot.store.participants import erase_participant, record_erasure, ticket_ids_of

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

# Longer than any reply can wait in the outbox (retries with backoff, proactive holds).
ERASED_MARK_SECONDS = 7 * 24 * 3600


def erase_everything(rt: Runtime, participant: str) -> dict[str, int]:
    """Remove all there is about her; returns what was removed per store (also audited)."""
    tickets = ticket_ids_of(rt.sessions, participant)
    removed = erase_participant(rt.sessions, participant)
    removed["redis_handoff_keys"] = rt.handoff.erase(participant, tickets)
    # Every per-participant key (bot/core/keys.py marks them): dialogue helpers, held
    # proactive messages and her daily slot, her reminder address, failed sends kept for a
    # supervisor's retry, and her Rasa tracker (slots, events, her words).
    tracker = rt.keys.rasa_tracker(participant)
    others = [k for k in rt.keys.participant_keys(participant) if k != tracker]
    removed["redis_keys"] = int(rt.redis.delete(*others))
    removed["rasa_tracker"] = int(rt.rasa_redis.delete(tracker))
    # Her messages set aside for a person (inbox) and replies that failed (outbox).
    removed["dead_letters"] = sum(
        len(q.drop_deadletters(participant=participant)) for q in (rt.inbox, rt.outbox)
    )
    # Shared sets with her id as a member (bot/core/keys.py says which).
    removed["redis_members"] = int(
        rt.redis.zrem(rt.keys.crisis_checks_due(shard_of(participant)), participant)
    )
    # Nothing of hers may come back: replies still queued for her are delivered, not stored.
    rt.redis.set(rt.keys.erased(participant), "1", ex=ERASED_MARK_SECONDS)
    record_erasure(rt.sessions, removed)
    log.info("erased a participant on her request: %s", removed)
    return removed
