"""When a proactive message may go out (Ley 2300 de 2023, "dejen de fregar"). Pure.

Proactive = not an answer to her (reminders, nudges, rating questions). The law's contact
hours, in America/Bogota: Monday to Friday 7:00–19:00, Saturday 8:00–15:00, never on Sundays
nor on Colombian public holidays; and at most one such message per participant per calendar
day. Answers to her own messages are not limited by any of this.

All functions take timezone-aware datetimes (any zone; they are converted to Bogotá) and
refuse naive ones: a naive time is ambiguous between UTC (the database) and local time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType

import holidays

from bot.content.i18n import TIMEZONE

# The one source of truth: weekday (Monday = 0) -> [start, end) in Bogotá. Sunday is absent.
ALLOWED_WINDOWS: MappingProxyType[int, tuple[time, time]] = MappingProxyType(
    {
        **dict.fromkeys(range(5), (time(7, 0), time(19, 0))),  # Monday–Friday
        5: (time(8, 0), time(15, 0)),  # Saturday
    }
)
HOLIDAY_COUNTRY = "CO"
# Longer than any run of days without a window (e.g. Saturday evening, Sunday, a holiday
# Monday): a safety bound for the search, never reached with real calendars.
_SEARCH_DAYS = 31


@lru_cache(maxsize=16)
def _holidays(year: int) -> frozenset[date]:
    # Per year and frozen: the holidays object fills itself lazily, which is not thread-safe.
    return frozenset(holidays.country_holidays(HOLIDAY_COUNTRY, years=year))


def is_holiday(day: date) -> bool:
    """A Colombian public holiday (the "Ley Emiliani" Monday moves included)."""
    return day in _holidays(day.year)


def _local(moment: datetime, name: str = "moment") -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(TIMEZONE)


def _window(day: date) -> tuple[datetime, datetime] | None:
    """That day's allowed window in Bogotá, or None (Sunday, holiday)."""
    hours = ALLOWED_WINDOWS.get(day.weekday())
    if hours is None or is_holiday(day):
        return None
    start, end = hours
    # Bogotá has no daylight saving time: wall-clock times are unambiguous.
    return datetime.combine(day, start, TIMEZONE), datetime.combine(day, end, TIMEZONE)


def is_allowed(moment: datetime) -> bool:
    """Whether a proactive message may be sent at `moment` (start included, end excluded:
    7:00 yes, 19:00 no)."""
    local = _local(moment)
    window = _window(local.date())
    return window is not None and window[0] <= local < window[1]


def next_allowed(moment: datetime) -> datetime:
    """The first allowed instant at or after `moment`, in Bogotá time: `moment` itself when
    allowed, else the start of the next window (skipping Sundays and holidays)."""
    local = _local(moment)
    for days_ahead in range(_SEARCH_DAYS):
        window = _window(local.date() + timedelta(days=days_ahead))
        if window is not None and local < window[1]:
            return max(local, window[0])
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
    if last_proactive_sent_at is not None:
        last_day = _local(last_proactive_sent_at, "last_proactive_sent_at").date()
        candidate = max(
            candidate, datetime.combine(last_day + timedelta(days=1), time(0), TIMEZONE)
        )
    return next_allowed(candidate)
