"""When case workers are in (content/programme.yml, America/Bogota). Pure."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from babel.dates import format_datetime

from bot.content.i18n import LOCALE, TIMEZONE
from bot.content.schema import WEEKDAYS


def _window(hours: dict[str, str], day: datetime) -> tuple[time, time] | None:
    spec = hours.get(WEEKDAYS[day.weekday()])
    if not spec:
        return None
    start, end = spec.split("-")
    return time.fromisoformat(start), time.fromisoformat(end)


def is_open(hours: dict[str, str], now: datetime) -> bool:
    local = now.astimezone(TIMEZONE)
    window = _window(hours, local)
    return window is not None and window[0] <= local.time() < window[1]


def next_opening(hours: dict[str, str], now: datetime) -> datetime | None:
    """The next moment case workers are in (now if open), within a week; None if never."""
    local = now.astimezone(TIMEZONE)
    if is_open(hours, local):
        return local
    for days_ahead in range(8):
        day = local + timedelta(days=days_ahead)
        window = _window(hours, day)
        if window is None:
            continue
        opening = day.replace(hour=window[0].hour, minute=window[0].minute, second=0, microsecond=0)
        if opening > local:
            return opening
    return None


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
