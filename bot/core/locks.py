"""Redis locks for jobs that one process at a time may run (the retention purge, the reminder
job): redis-py's Lock, which deletes the key only if this process still owns it."""

from __future__ import annotations

import logging

from redis.exceptions import LockError
from redis.lock import Lock

log = logging.getLogger(__name__)


def release(lock: Lock) -> None:
    """Release if still ours; a job that outlived its lock says so instead of failing."""
    try:
        lock.release()
    except LockError:
        log.warning("lock %s expired before the job ended; another run may have started", lock.name)
