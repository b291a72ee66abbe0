"""The retention purge (Ley 1581: kept only as long as needed): transcripts and case notes
older than TRANSCRIPT_RETENTION_DAYS are deleted. Run hourly by the scheduler; `almas purge`
runs it by hand. A Redis lock keeps two processes from running it at once."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.core.locks import release
from bot.store.transcript import purge_transcripts

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

LOCK_SECONDS = 600


def purge_expired(rt: Runtime, now: datetime | None = None) -> dict[str, int] | None:
    """Delete what is past retention; None when another process is already purging."""
    # redis-py's Lock: released only by its owner (a purge that outlived the lock must not
    # release another process's).
    lock = rt.redis.lock(rt.keys.purge_lock(), timeout=LOCK_SECONDS, blocking=False)
    if not lock.acquire():
        return None
    try:
        cutoff = (now or datetime.now(UTC)) - timedelta(days=rt.settings.transcript_retention_days)
        removed = purge_transcripts(rt.sessions, cutoff)
        # Dead letters hold her words too: kept no longer than the transcript.
        removed["dead_letters"] = sum(
            len(q.drop_deadletters(dead_before=cutoff.timestamp())) for q in (rt.inbox, rt.outbox)
        )
        log.info("retention purge (before %s): %s", cutoff.date().isoformat(), removed)
        return removed
    finally:
        release(lock)
