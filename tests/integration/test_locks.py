"""Job locks are released only by their owner."""

from __future__ import annotations

import logging
import time

import pytest

from bot.core.locks import release
from bot.runtime import Runtime


def test_a_job_that_outlived_its_lock_leaves_the_next_owners_lock_alone(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    key = runtime.keys.purge_lock()
    slow = runtime.redis.lock(key, timeout=0.2, blocking=False)
    assert slow.acquire()
    time.sleep(0.3)  # the slow job's lock expired
    next_run = runtime.redis.lock(key, timeout=10, blocking=False)
    assert next_run.acquire()
    with caplog.at_level(logging.WARNING):
        release(slow)
    assert runtime.redis.exists(key), "the slow job deleted the next run's lock"
    assert "expired before the job ended" in caplog.text
    release(next_run)
    assert not runtime.redis.exists(key)
