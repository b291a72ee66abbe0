"""When a proactive message may go out (Ley 2300 de 2023, "dejen de fregar"). Pure.

Proactive = not an answer to her (reminders, nudges, rating questions). The law's contact
hours, in America/Bogota: Monday to Friday 7:00–19:00, Saturday 8:00–15:00, never on Sundays
nor on Colombian public holidays; and at most one such message per participant per calendar
day. Answers to her own messages are not limited by any of this.

All functions take timezone-aware datetimes (any zone; they are converted to Bogotá) and
refuse naive ones: a naive time is ambiguous between UTC (the database) and local time.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from types import MappingProxyType

from bot.content.hours import WeeklyHours
from bot.content.i18n import TIMEZONE

# The one source of truth: weekday (Monday = 0) -> [start, end) in Bogotá. Sunday is absent;
# public holidays are closed.
LEY_2300_HOURS = WeeklyHours(
    windows=MappingProxyType(
        {
            **dict.fromkeys(range(5), (time(7, 0), time(19, 0))),  # Monday–Friday
            5: (time(8, 0), time(15, 0)),  # Saturday
        }
    ),
    closed_on_holidays=True,
)
# Longer than any run of days without a window (e.g. Saturday evening, Sunday, a holiday
# Monday): a safety bound for the search, never reached with real calendars.
_SEARCH_DAYS = 31


def _local(moment: datetime, name: str = "moment") -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(TIMEZONE)


def is_allowed(moment: datetime) -> bool:
    """Whether a proactive message may be sent at `moment` (start included, end excluded:
    7:00 yes, 19:00 no)."""
    return LEY_2300_HOURS.is_open(_local(moment))


def next_allowed(moment: datetime) -> datetime:
    """The first allowed instant at or after `moment`, in Bogotá time: `moment` itself when
    allowed, else the start of the next window (skipping Sundays and holidays)."""
    local = _local(moment)
    allowed = LEY_2300_HOURS.next_open(local, _SEARCH_DAYS)
    if allowed is not None:
        return allowed
    raise RuntimeError(f"no allowed time within {_SEARCH_DAYS} days of {local.isoformat()}")


def may_send_today(last_proactive_sent_at: datetime | None, now: datetime) -> bool:
    """At most one proactive message per calendar day in Bogotá: True unless the last one was
    sent on now's Bogotá day (or later: a clock ahead of ours is not a reason to send twice)."""
    today = _local(now, "now").date()
    if last_proactive_sent_at is None:
        return True
    return _local(last_proactive_sent_at, "last_proactive_sent_at").date() < today


def earliest_send(last_proactive_sent_at: datetime | None, now: datetime) -> datetime:
    """When a proactive message due `now` may go out, both rules applied: the first allowed
    instant at or after `now` that is on a later Bogotá day than the last proactive one."""
    candidate = _local(now, "now")
    if last_proactive_sent_at is not None and not may_send_today(last_proactive_sent_at, now):
        last_day = _local(last_proactive_sent_at, "last_proactive_sent_at").date()
        candidate = datetime.combine(last_day + timedelta(days=1), time(0), TIMEZONE)
    return next_allowed(candidate)
