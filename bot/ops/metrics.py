"""What `/metrics` shows: every process's counters and histograms (bot/core/metrics.py, added up
from the shared multiprocess directory) and the shared state read from Redis at scrape time.

The shared state (queue depths, dead letters, tickets waiting) is the same for every process,
so no process keeps it as a gauge of its own: the web reads it from Redis once per scrape, with
the queues' public methods, and nothing can be counted twice. If Redis does not answer,
`almas_shared_state_up` is 0 and the rest of the scrape is still served.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from bot.core import metrics
from bot.handoff.queue import NORMAL, URGENT

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from bot.runtime import Runtime

log = logging.getLogger(__name__)

PRIORITIES = (URGENT, NORMAL)


class SharedStateCollector(Collector):
    """Gauges read from Redis when scraped: the queues and the handoff line."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "almas_shared_state_up", "1 when Redis answered this scrape's questions, else 0."
        )
        try:
            families = list(self._queues()) + list(self._handoff())
        except Exception:
            log.exception("/metrics could not read the shared state from Redis")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _queues(self) -> Iterator[Metric]:
        participants = GaugeMetricFamily(
            "almas_queue_participants",
            "Participants with messages in the queue: waiting for a worker (ready) or being "
            "worked on (active); each may have several messages.",
            labels=["queue", "state"],
        )
        dead = GaugeMetricFamily(
            "almas_queue_deadletters",
            "Items in the queue's dead letters now (`almas deadletters`).",
            labels=["queue"],
        )
        oldest = GaugeMetricFamily(
            "almas_queue_oldest_waiting_seconds",
            "How long the participant due the longest has waited for a worker (0: nobody).",
            labels=["queue"],
        )
        for queue in (self.rt.inbox, self.rt.outbox):
            name = metrics.INBOX if queue is self.rt.inbox else metrics.OUTBOX
            stats = queue.stats()
            participants.add_metric([name, "ready"], int(stats["ready"]))
            participants.add_metric([name, "active"], int(stats["active"]))
            dead.add_metric([name], int(stats["deadletters"]))
            oldest.add_metric([name], round(queue.oldest_wait_seconds(), 1))
        yield participants
        yield dead
        yield oldest

    def _handoff(self) -> Iterator[Metric]:
        waiting = GaugeMetricFamily(
            "almas_handoff_waiting_tickets",
            "Tickets waiting for a case worker, by priority (urgent: a crisis).",
            labels=["priority"],
        )
        oldest = GaugeMetricFamily(
            "almas_handoff_oldest_waiting_seconds",
            "How long the longest-waiting ticket of each priority has waited (0: none waits).",
            labels=["priority"],
        )
        tickets = self.rt.handoff.waiting()
        for priority in PRIORITIES:
            ages = [t.waiting_seconds for t in tickets if t.priority == priority]
            waiting.add_metric([priority], len(ages))
            oldest.add_metric([priority], round(max(ages, default=0.0), 1))
        yield waiting
        yield oldest


def registry(runtime: Runtime) -> CollectorRegistry:
    """A registry for one scrape: every process's values from the shared directory, plus the
    shared state from Redis."""
    scrape = CollectorRegistry(auto_describe=False)
    multiprocess.MultiProcessCollector(scrape, path=str(metrics.DIRECTORY))
    scrape.register(SharedStateCollector(runtime))
    return scrape


def exposition(runtime: Runtime, accept: str = "") -> tuple[bytes, str]:
    """Everything above, and its content type, in the format the scraper's Accept header asks
    for (Prometheus's text format by default, OpenMetrics when asked)."""
    encode, content_type = choose_encoder(accept)
    return encode(registry(runtime)), content_type
