"""Keeps a worker's lease on a participant alive while it works (a heartbeat thread)."""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from bot.queue.mailbox import Lease, MailboxQueue

log = logging.getLogger(__name__)


class LeaseKeeper:
    """Renews `lease` every third of its length until the block ends or the lease is lost."""

    def __init__(self, queue: MailboxQueue, lease: Lease, lease_seconds: float) -> None:
        self.queue = queue
        self.lease = lease
        self.lease_seconds = lease_seconds
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="lease-keeper")

    def _run(self) -> None:
        while not self._stop.wait(self.lease_seconds / 3):
            try:
                if not self.queue.renew(self.lease, self.lease_seconds):
                    self.lost.set()
                    return
            except Exception:  # a Redis blip: the next beat tries again
                log.debug("lease renewal failed; retrying at the next beat", exc_info=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
