"""The reporting period: whole days in Bogotá, from the first to the last (both included).
Pure: no I/O.

A period is asked for as a preset — this week (from Monday), this month, this quarter, each up
to today — or as custom dates. It becomes a half-open interval of UTC instants [start, end)
for the database, and buckets for the activity chart: days up to `DAILY_UP_TO_DAYS` days,
months beyond.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.content.i18n import TIMEZONE

WEEK = "week"
MONTH = "month"
QUARTER = "quarter"
CUSTOM = "custom"
PERIOD_KINDS = (WEEK, MONTH, QUARTER, CUSTOM)
# Longer periods than this are charted by month (a day per point would be unreadable).
DAILY_UP_TO_DAYS = 93
# The longest period asked for at once (ten years): beyond it the input is a mistake.
MAX_DAYS = 3660
DAY = "day"
MONTHLY = "month"


class PeriodError(ValueError):
    """The dates do not make a period; the message says why (in Spanish, for the page)."""


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # included
    kind: str = CUSTOM

    @property
    def start(self) -> datetime:
        """The first instant of the first day in Bogotá, in UTC."""
        return datetime.combine(self.first, time(0), TIMEZONE).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The first instant after the last day in Bogotá, in UTC (excluded)."""
        return datetime.combine(self.last + timedelta(days=1), time(0), TIMEZONE).astimezone(UTC)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def bucket(self) -> str:
        return DAY if self.days <= DAILY_UP_TO_DAYS else MONTHLY

    def buckets(self) -> list[str]:
        """Every bucket of the period, in order, as the database names them (YYYY-MM-DD or
        YYYY-MM), so that a day without messages still shows as zero."""
        if self.bucket == DAY:
            return [(self.first + timedelta(days=i)).isoformat() for i in range(self.days)]
        months, day = [], self.first.replace(day=1)
        while day <= self.last:
            months.append(day.strftime("%Y-%m"))
            day = (day + timedelta(days=32)).replace(day=1)
        return months


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def preset(kind: str, today: date) -> Period:
    """This week (Monday to today), this month or this quarter (its first day to today)."""
    if kind == WEEK:
        return Period(today - timedelta(days=today.weekday()), today, WEEK)
    if kind == MONTH:
        return Period(today.replace(day=1), today, MONTH)
    if kind == QUARTER:
        return Period(quarter_start(today), today, QUARTER)
    raise PeriodError("periodo desconocido")


def parse_period(kind: str, first: str, last: str, today: date) -> Period:
    """The period a request asks for: a preset, or custom ISO dates (YYYY-MM-DD)."""
    kind = (kind or MONTH).strip().lower()
    if kind != CUSTOM:
        return preset(kind, today)
    try:
        start, end = date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
    except (ValueError, AttributeError) as exc:
        raise PeriodError("las fechas van como AAAA-MM-DD") from exc
    if end < start:
        raise PeriodError("la fecha final es anterior a la inicial")
    if (end - start).days + 1 > MAX_DAYS:
        raise PeriodError("el periodo es demasiado largo (más de diez años)")
    return Period(start, end, CUSTOM)
