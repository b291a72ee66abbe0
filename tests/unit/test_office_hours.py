"""Office hours in Bogotá and the honest wait estimate (pure)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.handoff.office_hours import is_open, next_opening, opening_in_words, wait_estimate_minutes

B = ZoneInfo("America/Bogota")
UTC = ZoneInfo("UTC")
HOURS = {"lunes": "08:00-17:00", "viernes": "08:00-17:00", "sabado": "08:00-12:00"}


@pytest.mark.parametrize(
    ("now", "open_now", "opening"),
    [
        (datetime(2026, 11, 28, 10, 0, tzinfo=B), True, "el sábado 28 de noviembre a las 10:00"),
        (datetime(2026, 11, 28, 12, 0, tzinfo=B), False, "el lunes 30 de noviembre a las 8:00"),
        (datetime(2026, 11, 29, 9, 0, tzinfo=B), False, "el lunes 30 de noviembre a las 8:00"),
        (datetime(2026, 11, 30, 7, 59, tzinfo=B), False, "el lunes 30 de noviembre a las 8:00"),
        (datetime(2026, 12, 1, 9, 0, tzinfo=B), False, "el viernes 4 de diciembre a las 8:00"),
        # 13:30 UTC is 8:30 in Bogotá: open
        (datetime(2026, 11, 30, 13, 30, tzinfo=UTC), True, "el lunes 30 de noviembre a las 8:30"),
    ],
)  # fmt: skip
def test_office_hours_in_bogota(now: datetime, open_now: bool, opening: str) -> None:
    assert is_open(HOURS, now) is open_now
    assert opening_in_words(next_opening(HOURS, now)) == opening  # type: ignore[arg-type]


def test_no_office_hours_means_no_opening() -> None:
    assert next_opening({}, datetime(2026, 11, 30, 9, 0, tzinfo=B)) is None


def test_no_wait_estimate_without_history_and_median_times_position_with_it() -> None:
    assert wait_estimate_minutes(3, [60.0, 120.0]) is None
    assert wait_estimate_minutes(3, [60.0, 120.0, 600.0]) == 6  # median 2 min x 3
    assert wait_estimate_minutes(1, [1.0, 2.0, 3.0]) == 1  # never "0 minutes"
