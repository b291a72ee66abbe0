"""Scheduled jobs (APScheduler): the retention purge, the scholarship reminders, and safety
checks nobody answered (to a person after 30 minutes).

One process (`almas scheduler`, Procfile `scheduler`) runs the jobs; each job is safe to run
twice (each takes a Redis lock; reminders are also de-duplicated per subscription), so a
second scheduler by mistake does no harm.

Reminders run every 15 minutes: a reminder becomes due on a day, not at a minute, and the
outbox holds proactive messages until the allowed hours anyway (bot/outbound/proactive.py), so the
interval only bounds how long after 7:00 (8:00 on Saturdays) the day's reminders leave.
"""

from __future__ import annotations

import threading
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.content.i18n import TIMEZONE
from bot.conversation.crisis.unanswered import hand_over_unanswered_checks
from bot.privacy.retention import purge_expired
from bot.reminders.job import send_due_reminders
from bot.runtime import Runtime

PURGE_EVERY_MINUTES = 60
REMINDERS_EVERY_MINUTES = 15
CRISIS_CHECKS_EVERY_SECONDS = 60


def build_scheduler(rt: Runtime) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=TIMEZONE)
    scheduler.add_job(
        purge_expired,
        IntervalTrigger(minutes=PURGE_EVERY_MINUTES, timezone=TIMEZONE),
        args=[rt],
        id="retention_purge",
        next_run_time=datetime.now(TIMEZONE),  # once at start, then hourly
        coalesce=True,
        max_instances=1,
    )
    scheduler.add_job(
        send_due_reminders,
        IntervalTrigger(minutes=REMINDERS_EVERY_MINUTES, timezone=TIMEZONE),
        args=[rt],
        id="scholarship_reminders",
        next_run_time=datetime.now(TIMEZONE),
        coalesce=True,
        max_instances=1,
    )
    scheduler.add_job(
        hand_over_unanswered_checks,
        IntervalTrigger(seconds=CRISIS_CHECKS_EVERY_SECONDS, timezone=TIMEZONE),
        args=[rt],
        id="unanswered_crisis_checks",
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
