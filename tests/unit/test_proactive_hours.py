"""Proactive-message hours (Ley 2300 de 2023): windows, Sundays and Colombian holidays, one a
day, all in America/Bogota whatever zone the input is in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from bot.content.hours import is_holiday
from bot.content.i18n import TIMEZONE as BOGOTA
from bot.outbound.proactive_hours import (
    LEY_2300_HOURS,
    earliest_send,
    is_allowed,
    may_send_today,
    next_allowed,
)

ALLOWED_WINDOWS = LEY_2300_HOURS.windows


def bog(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BOGOTA)


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        # Wednesday 25 November 2026, an ordinary weekday
        (bog(2026, 11, 25, 6, 59), False),
        (bog(2026, 11, 25, 7, 0), True),
        (bog(2026, 11, 25, 12, 30), True),
        (bog(2026, 11, 25, 18, 59), True),
        (bog(2026, 11, 25, 19, 0), False),
        (bog(2026, 11, 25, 23, 0), False),
        # Friday has the weekday window too
        (bog(2026, 11, 27, 18, 59), True),
        # Saturday 28 November 2026
        (bog(2026, 11, 28, 7, 59), False),
        (bog(2026, 11, 28, 8, 0), True),
        (bog(2026, 11, 28, 14, 59), True),
        (bog(2026, 11, 28, 15, 0), False),
        # Sunday 29 November 2026: never
        (bog(2026, 11, 29, 8, 0), False),
        (bog(2026, 11, 29, 12, 0), False),
        # Holidays on weekdays: never
        (bog(2026, 12, 8, 10, 0), False),  # Inmaculada Concepción, a Tuesday
        (bog(2026, 12, 25, 10, 0), False),  # Navidad, a Friday
        (bog(2027, 1, 11, 10, 0), False),  # Reyes Magos, moved to Monday (Ley Emiliani)
        (bog(2027, 1, 6, 10, 0), True),  # ... so the 6th itself is an ordinary Wednesday
        (bog(2027, 3, 25, 10, 0), False),  # Jueves Santo
        (bog(2027, 3, 26, 10, 0), False),  # Viernes Santo
        # UTC inputs are read as Bogotá time (UTC-5)
        (datetime(2026, 11, 25, 11, 59, tzinfo=UTC), False),  # 6:59 in Bogotá
        (datetime(2026, 11, 25, 12, 0, tzinfo=UTC), True),  # 7:00
        (datetime(2026, 11, 25, 23, 59, tzinfo=UTC), True),  # 18:59
        (datetime(2026, 11, 26, 0, 0, tzinfo=UTC), False),  # 19:00 on the 25th
        (datetime(2026, 11, 30, 1, 0, tzinfo=UTC), False),  # Monday in UTC, Sunday 20:00 here
        # Any zone: 13:00 and 14:00 in UTC+1 are 7:00 and 8:00 on Saturday in Bogotá
        (datetime(2026, 11, 28, 13, 0, tzinfo=timezone(timedelta(hours=1))), False),
        (datetime(2026, 11, 28, 14, 0, tzinfo=timezone(timedelta(hours=1))), True),
    ],
)
def test_is_allowed(moment: datetime, allowed: bool) -> None:
    assert is_allowed(moment) is allowed


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (bog(2026, 11, 25, 10, 15), bog(2026, 11, 25, 10, 15)),  # allowed: itself
        (bog(2026, 11, 25, 5, 0), bog(2026, 11, 25, 7, 0)),  # before opening: today 7:00
        (bog(2026, 11, 25, 19, 0), bog(2026, 11, 26, 7, 0)),  # at closing: tomorrow
        (bog(2026, 11, 27, 20, 0), bog(2026, 11, 28, 8, 0)),  # Friday night: Saturday 8:00
        (bog(2026, 11, 28, 16, 0), bog(2026, 11, 30, 7, 0)),  # Saturday 16:00: Monday 7:00
        (bog(2026, 11, 29, 11, 0), bog(2026, 11, 30, 7, 0)),  # Sunday: Monday
        (bog(2027, 1, 9, 16, 0), bog(2027, 1, 12, 7, 0)),  # holiday Monday: Tuesday
        (bog(2026, 12, 7, 19, 30), bog(2026, 12, 9, 7, 0)),  # holiday Tuesday: Wednesday
        (bog(2027, 3, 24, 19, 30), bog(2027, 3, 27, 8, 0)),  # Holy Thu + Fri: Saturday 8:00
        (bog(2026, 12, 24, 19, 0), bog(2026, 12, 26, 8, 0)),  # Christmas Friday: Saturday
        (datetime(2026, 11, 29, 3, 0, tzinfo=UTC), bog(2026, 11, 30, 7, 0)),  # Sat 22:00 here
    ],
)
def test_next_allowed(moment: datetime, expected: datetime) -> None:
    found = next_allowed(moment)
    assert found == expected
    assert found.tzinfo == BOGOTA  # said in Bogotá time, whatever came in
    assert is_allowed(found)


def test_next_allowed_is_never_earlier_and_is_the_first_allowed_minute() -> None:
    start = bog(2026, 12, 4, 0, 0)  # a Friday, through a Saturday, Sunday and holiday Tuesday
    for minutes in range(0, 6 * 24 * 60, 37):
        moment = start + timedelta(minutes=minutes)
        found = next_allowed(moment)
        assert found >= moment and is_allowed(found)
        if found > moment:  # nothing allowed in between (checked at minute steps)
            probe = moment
            while probe < found:
                assert not is_allowed(probe)
                probe += timedelta(minutes=30)


@pytest.mark.parametrize(
    ("last", "now", "may"),
    [
        (None, bog(2026, 11, 25, 9, 0), True),
        (bog(2026, 11, 25, 7, 5), bog(2026, 11, 25, 18, 0), False),  # same day
        (bog(2026, 11, 24, 18, 55), bog(2026, 11, 25, 7, 0), True),  # yesterday
        (bog(2026, 11, 25, 23, 59), bog(2026, 11, 26, 0, 0), True),  # across midnight in Bogotá
        # Across midnight in UTC but not in Bogotá: 18:30 and 19:10 on the 25th, same day
        (
            datetime(2026, 11, 25, 23, 30, tzinfo=UTC),
            datetime(2026, 11, 26, 0, 10, tzinfo=UTC),
            False,
        ),
        # Same UTC day, different Bogotá days: 23:00 on the 24th, 8:00 on the 25th
        (
            datetime(2026, 11, 25, 4, 0, tzinfo=UTC),
            datetime(2026, 11, 25, 13, 0, tzinfo=UTC),
            True,
        ),
        (bog(2026, 11, 26, 8, 0), bog(2026, 11, 25, 9, 0), False),  # clock skew: not twice
    ],
)
def test_one_proactive_message_per_bogota_day(
    last: datetime | None, now: datetime, may: bool
) -> None:
    assert may_send_today(last, now) is may


@pytest.mark.parametrize(
    ("last", "now", "expected"),
    [
        (None, bog(2026, 11, 25, 9, 0), bog(2026, 11, 25, 9, 0)),
        (bog(2026, 11, 25, 7, 5), bog(2026, 11, 25, 9, 0), bog(2026, 11, 26, 7, 0)),
        (bog(2026, 11, 27, 8, 0), bog(2026, 11, 27, 9, 0), bog(2026, 11, 28, 8, 0)),
        (bog(2026, 12, 7, 8, 0), bog(2026, 12, 7, 9, 0), bog(2026, 12, 9, 7, 0)),
        (bog(2026, 11, 24, 8, 0), bog(2026, 11, 25, 20, 0), bog(2026, 11, 26, 7, 0)),
    ],
)
def test_earliest_send_applies_both_rules(
    last: datetime | None, now: datetime, expected: datetime
) -> None:
    assert earliest_send(last, now) == expected


def test_windows_are_one_constant_without_sunday() -> None:
    assert 6 not in ALLOWED_WINDOWS
    assert ALLOWED_WINDOWS[0] == ALLOWED_WINDOWS[4] == (time(7), time(19))
    assert ALLOWED_WINDOWS[5] == (time(8), time(15))
    with pytest.raises(TypeError):
        ALLOWED_WINDOWS[6] = (time(9), time(12))  # type: ignore[index]


@pytest.mark.parametrize(
    ("day", "holiday"),
    [
        (date(2026, 12, 8), True),
        (date(2026, 12, 25), True),
        (date(2027, 1, 1), True),
        (date(2027, 1, 11), True),
        (date(2027, 1, 6), False),
        (date(2026, 11, 25), False),
    ],
)
def test_colombian_holidays(day: date, holiday: bool) -> None:
    assert is_holiday(day) is holiday


@pytest.mark.parametrize(
    "call",
    [
        lambda: is_allowed(datetime(2026, 11, 25, 10, 0)),
        lambda: next_allowed(datetime(2026, 11, 25, 10, 0)),
        lambda: may_send_today(None, datetime(2026, 11, 25, 10, 0)),
        lambda: may_send_today(datetime(2026, 11, 25, 10, 0), bog(2026, 11, 25, 11, 0)),
    ],
)
def test_naive_datetimes_are_refused(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call()
