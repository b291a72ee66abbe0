"""Scheduled jobs (APScheduler): the retention purge, the scholarship reminders, safety
checks nobody answered (to a person after 30 minutes), and content changes scheduled in the
console (a course that opens or closes on a date).

One process (`almas scheduler`, Procfile `scheduler`) runs the jobs; each job is safe to run
twice (each takes a Redis lock; reminders are also de-duplicated per subscription), so a
second scheduler by mistake does no harm.

Reminders run every 15 minutes: a reminder becomes due on a day, not at a minute, and the
outbox holds proactive messages until the allowed hours anyway (bot/outbound/proactive.py), so the
interval only bounds how long after 7:00 (8:00 on Saturdays) the day's reminders leave.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.content.i18n import TIMEZONE
from bot.conversation.crisis.unanswered import hand_over_unanswered_checks
from bot.handoff.recovery import restore_line
from bot.handoff.rules import requeue_expired_claims
from bot.privacy.retention import purge_expired
from bot.publishing.repository import apply_scheduled_content
from bot.reminders.job import send_due_reminders
from bot.runtime import Runtime

PURGE_EVERY_MINUTES = 60
REMINDERS_EVERY_MINUTES = 15
CRISIS_CHECKS_EVERY_SECONDS = 60
EXPIRED_CLAIMS_EVERY_SECONDS = 30
RESTORE_LINE_EVERY_SECONDS = 60
# Scheduled content goes live within this of its time (plus the processes' reload check).
CONTENT_SCHEDULE_EVERY_SECONDS = 30


# Each job: what runs, and every how many seconds. Each runs once at start, then on its
# interval; a run that is late is not repeated (coalesce), and never two at once.
JOBS: tuple[tuple[str, Callable[[Runtime], object], int], ...] = (
    ("retention_purge", purge_expired, PURGE_EVERY_MINUTES * 60),
    ("scholarship_reminders", send_due_reminders, REMINDERS_EVERY_MINUTES * 60),
    ("unanswered_crisis_checks", hand_over_unanswered_checks, CRISIS_CHECKS_EVERY_SECONDS),
    ("expired_case_worker_claims", requeue_expired_claims, EXPIRED_CLAIMS_EVERY_SECONDS),
    ("handoff_line_matches_sql", restore_line, RESTORE_LINE_EVERY_SECONDS),
    ("scheduled_content", apply_scheduled_content, CONTENT_SCHEDULE_EVERY_SECONDS),
)


def build_scheduler(rt: Runtime) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=TIMEZONE)
    for job_id, job, every_seconds in JOBS:
        scheduler.add_job(
            job,
            IntervalTrigger(seconds=every_seconds, timezone=TIMEZONE),
            args=[rt],
            id=job_id,
            next_run_time=datetime.now(TIMEZONE),
            coalesce=True,
            max_instances=1,
        )
    return scheduler


def run(rt: Runtime, stop: threading.Event) -> None:
    scheduler = build_scheduler(rt)
    scheduler.start()
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=True)
