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
from bot.core.keys import all_shards
from bot.handoff.queue import NORMAL

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

SUMMARY_CHARACTERS = 300


def hand_over_unanswered_checks(rt: Runtime, now: float | None = None) -> int:
    """Open a ticket for every check past its time; returns how many."""
    now = time.time() if now is None else now
    handed = 0
    for shard in all_shards():
        for participant in rt.redis.zrangebyscore(rt.keys.crisis_checks_due(shard), 0, now):
            if rt.redis.zrem(rt.keys.crisis_checks_due(shard), participant):  # else: taken
                handed += _hand_over(rt, participant)
    if handed:
        log.info("%d unanswered safety check(s) handed to case workers", handed)
    return handed


def _hand_over(rt: Runtime, participant: str) -> int:
    key = rt.keys.crisis_check(participant)
    pending = PendingCheck.from_json(rt.redis.get(key))
    if pending is None:
        return 0  # answered, or erased, meanwhile
    rt.handoff.open(
        participant,
        pending.channel,
        f"possible_danger:{pending.kind}",
        pending.text[-SUMMARY_CHARACTERS:],
        NORMAL,
        pending.address,
    )
    rt.redis.delete(key)
    return 1
