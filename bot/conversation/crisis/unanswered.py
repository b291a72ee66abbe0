"""Possible danger she did not answer: after CHECK_ANSWER_MINUTES without her SÍ or NO, a
normal-priority ticket so that a person looks at it (run every minute by the scheduler).

Each due check is claimed by removing it from the due set (ZREM is atomic: of two schedulers,
one gets it), then handed over and forgotten.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from bot.conversation.crisis.check import PendingCheck
from bot.handoff.queue import NORMAL

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

SUMMARY_CHARACTERS = 300


def hand_over_unanswered_checks(rt: Runtime, now: float | None = None) -> int:
    """Open a ticket for every check past its time; returns how many."""
    now = time.time() if now is None else now
    due = rt.redis.zrangebyscore(rt.keys.crisis_checks_due(), 0, now)
    handed = 0
    for participant in due:
        if not rt.redis.zrem(rt.keys.crisis_checks_due(), participant):
            continue  # another scheduler took it
        key = rt.keys.crisis_check(participant)
        pending = PendingCheck.from_json(rt.redis.get(key))
        if pending is None:
            continue  # answered, or erased, meanwhile
        rt.handoff.open(
            participant,
            pending.channel,
            f"possible_danger:{pending.kind}",
            pending.text[-SUMMARY_CHARACTERS:],
            NORMAL,
            pending.address,
        )
        rt.redis.delete(key)
        handed += 1
    if handed:
        log.info("%d unanswered safety check(s) handed to case workers", handed)
    return handed
