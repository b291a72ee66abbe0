"""gunicorn's settings for the web (the Procfile passes `-c python:webhooks.gunicorn_conf`; the
rest of the line stays on the command line).

Prometheus in several processes (bot/core/metrics.py): the master, which reads this file before
it starts any worker, puts PROMETHEUS_MULTIPROC_DIR in the environment and creates the
directory, so every worker it forks writes its metrics there. When a worker exits,
`mark_process_dead` lets go of its live-gauge files; its counters and histograms stay (they
still count). Files of dead processes are NOT cleaned at start: workers and senders of the
same machine write to the directory too, and a file's pid cannot say whether that process is
gone. Empty the directory when the whole helpline is stopped (README, "Seeing it run").
"""

from __future__ import annotations

from typing import Any

from bot.core.settings import share_metrics_directory

share_metrics_directory()


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
