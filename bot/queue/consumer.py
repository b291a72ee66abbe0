"""A process that works through one mailbox queue: claim a participant, keep the lease alive,
handle her items in order, give her back. The worker and the outbox sender are both this."""

from __future__ import annotations

import abc
import logging
import threading
import time

from bot.core import metrics
from bot.core.settings import Settings
from bot.queue.lease_keeper import LeaseKeeper
from bot.queue.mailbox import DEAD, Lease, MailboxQueue

log = logging.getLogger(__name__)

ERROR_RETRY_SECONDS = 2.0


class MailboxConsumer(abc.ABC):
    queue: MailboxQueue
    settings: Settings

    idle_every = 60.0  # seconds between on_idle() calls while there is nothing to do

    @abc.abstractmethod
    def handle(self, lease: Lease, head: str) -> float | None:
        """Handle her oldest item. None: go on with the next; a number: retry after that long."""

    def on_idle(self) -> None:
        """Periodic work when the queue is quiet (nothing by default)."""
        return None

    def count_failure(self, attempts: int) -> None:
        """The metrics of a failed attempt, from what `MailboxQueue.fail` returned: a dead
        letter, or a retry (nothing when her lease was lost: her new holder goes on)."""
        if attempts == DEAD:
            metrics.dead_lettered(self.queue.name)
        elif attempts > 0:
            metrics.retried(self.queue.name)

    def run(self, stop: threading.Event) -> None:
        log.info("%s started", type(self).__name__)
        last_idle = 0.0
        while not stop.is_set():
            try:
                lease = self.queue.claim(self.settings.lease_seconds)
                if lease is None:
                    if time.monotonic() - last_idle >= self.idle_every:
                        last_idle = time.monotonic()
                        self.on_idle()
                    self.queue.wait_for_work(timeout=1.0)
                    continue
                self.work_on(lease)
            except Exception:
                # Redis or the database blinked, or a bug: the lease (if any) expires and
                # the work is redone; this process keeps serving everyone else.
                log.exception("%s loop error; going on in a moment", self.queue.name)
                stop.wait(1.0)
        log.info("%s stopped", type(self).__name__)

    def work_on(self, lease: Lease) -> None:
        """Drain her mailbox in order, then give her back (later, if something went wrong)."""
        delay = ERROR_RETRY_SECONDS
        try:
            with LeaseKeeper(self.queue, lease, self.settings.lease_seconds) as keeper:
                delay = self._drain(lease, keeper)
        finally:
            self.queue.release(lease, delay_seconds=delay)

    def _drain(self, lease: Lease, keeper: LeaseKeeper) -> float:
        while not keeper.lost.is_set():
            head = self.queue.peek(lease.participant)
            if head is None:
                return 0.0
            retry_after = self.handle(lease, head)
            if retry_after is not None:
                return retry_after
        return 0.0
