"""Weekly opening hours in Bogotá, optionally closed on Colombian public holidays: the one
model behind both the case workers' office hours (content/programme.yml) and the hours in which
proactive messages may go out (Ley 2300 de 2023, bot/outbound/proactive_hours.py).

Windows are [start, end) wall-clock times per weekday (Monday = 0); Bogotá has no daylight
saving time, so they are unambiguous.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from bot.content.i18n import TIMEZONE
from bot.content.schema import WEEKDAYS

HOLIDAY_COUNTRY = "CO"


@lru_cache(maxsize=16)
def _holidays(year: int) -> frozenset[date]:
    # Per year and frozen: the holidays object fills itself lazily, which is not thread-safe.
    return frozenset(holidays.country_holidays(HOLIDAY_COUNTRY, years=year))


def is_holiday(day: date) -> bool:
    """A Colombian public holiday (the "Ley Emiliani" Monday moves included)."""
    return day in _holidays(day.year)


@dataclass(frozen=True)
class WeeklyHours:
    windows: Mapping[int, tuple[time, time]]  # weekday (Monday = 0) -> [start, end)
    closed_on_holidays: bool = False

    @classmethod
    def from_spec(cls, spec: Mapping[str, str], closed_on_holidays: bool = False) -> WeeklyHours:
        """From content's form: {"monday": "08:00-17:00", ...}; a day left out is closed."""
        windows = {}
        for weekday, name in enumerate(WEEKDAYS):
            if spec.get(name):
                start, end = spec[name].split("-")
                windows[weekday] = (time.fromisoformat(start), time.fromisoformat(end))
        return cls(windows=windows, closed_on_holidays=closed_on_holidays)

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """That day's window in Bogotá, or None (closed all day)."""
        hours = self.windows.get(day.weekday())
        if hours is None or (self.closed_on_holidays and is_holiday(day)):
            return None
        start, end = hours
        return datetime.combine(day, start, TIMEZONE), datetime.combine(day, end, TIMEZONE)

    def is_open(self, moment: datetime) -> bool:
        """Open at `moment` (start included, end excluded: 7:00 yes, 19:00 no)."""
        local = moment.astimezone(TIMEZONE)
        window = self.window(local.date())
        return window is not None and window[0] <= local < window[1]

    def next_open(self, moment: datetime, search_days: int) -> datetime | None:
        """The first open instant at or after `moment`, in Bogotá time (`moment` itself when
        open); None if closed for `search_days` days."""
        local = moment.astimezone(TIMEZONE)
        for days_ahead in range(search_days):
            window = self.window(local.date() + timedelta(days=days_ahead))
            if window is not None and local < window[1]:
                return max(local, window[0])
        return None
