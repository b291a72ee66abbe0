"""When case workers are in (content/programme.yml, America/Bogota), on the shared weekly-hours
model (bot/content/hours.py). Public holidays are not taken out: programme.yml says when the
team works. Pure."""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_datetime

from bot.content.hours import WeeklyHours
from bot.content.i18n import LOCALE


def is_open(hours: dict[str, str], now: datetime) -> bool:
    return WeeklyHours.from_spec(hours).is_open(now)


def next_opening(hours: dict[str, str], now: datetime) -> datetime | None:
    """The next moment case workers are in (now if open), within a week; None if never."""
    return WeeklyHours.from_spec(hours).next_open(now, search_days=8)


def opening_in_words(moment: datetime) -> str:
    """'el lunes 30 de noviembre a las 8:00'."""
    return "el " + format_datetime(moment, "EEEE d 'de' MMMM 'a las' H:mm", locale=LOCALE)


def wait_estimate_minutes(position: int, recent_waits_seconds: list[float]) -> int | None:
    """An honest estimate: her position times the median wait of recent claims; None without
    enough history (then we say we don't know rather than invent a number)."""
    if len(recent_waits_seconds) < 3:
        return None
    ordered = sorted(recent_waits_seconds)
    median = ordered[len(ordered) // 2]
    return max(1, round(position * median / 60))
