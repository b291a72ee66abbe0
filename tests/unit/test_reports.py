"""The reports' pure parts (bot/reports/): periods in Bogotá days, the small-cell rule and its
protection of hidden cells, percentiles, filters, who may see the reports, and the vendored
chart library."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.reports.access import may_see_reports
from bot.reports.model import (
    COUNT,
    KEY,
    MINUTES,
    PROTECTING,
    Column,
    Figure,
    Filters,
    protect_column,
    shown,
    table,
)
from bot.reports.period import (
    DAILY_UP_TO_DAYS,
    MONTH,
    QUARTER,
    WEEK,
    Period,
    PeriodError,
    parse_period,
    preset,
)
from bot.reports.stats import percentile

VENDOR = Path(__file__).resolve().parents[2] / "webhooks" / "static" / "vendor"
CHART_JS_SHA256 = "2812cb8825fdc57469eb2f7bb055e9429244e599920511ee477e828499b632cb"
WEDNESDAY = date(2026, 8, 19)


@pytest.mark.parametrize(
    ("kind", "first"),
    [(WEEK, date(2026, 8, 17)), (MONTH, date(2026, 8, 1)), (QUARTER, date(2026, 7, 1))],
)
def test_presets_run_from_monday_the_first_of_the_month_or_quarter_to_today(
    kind: str, first: date
) -> None:
    assert preset(kind, WEDNESDAY) == Period(first, WEDNESDAY, kind)


def test_a_period_is_whole_bogota_days_as_utc_instants() -> None:
    period = Period(date(2026, 7, 1), date(2026, 9, 30))
    assert period.start == datetime(2026, 7, 1, 5, 0, tzinfo=UTC)  # Bogotá is UTC-5
    assert period.end == datetime(2026, 10, 1, 5, 0, tzinfo=UTC)  # excluded
    assert period.days == 92 and period.buckets()[0] == "2026-07-01"
    assert period.buckets()[-1] == "2026-09-30" and len(period.buckets()) == 92


def test_a_long_period_is_charted_by_month() -> None:
    year = Period(date(2026, 1, 15), date(2026, 12, 31))
    assert year.days > DAILY_UP_TO_DAYS
    assert year.buckets() == [f"2026-{m:02d}" for m in range(1, 13)]


def test_custom_dates_are_checked() -> None:
    assert parse_period("custom", "2026-07-01", "2026-07-01", WEDNESDAY).days == 1
    with pytest.raises(PeriodError, match="anterior"):
        parse_period("custom", "2026-07-02", "2026-07-01", WEDNESDAY)
    with pytest.raises(PeriodError, match="AAAA-MM-DD"):
        parse_period("custom", "1/7/2026", "2026-07-01", WEDNESDAY)
    with pytest.raises(PeriodError, match="desconocido"):
        parse_period("decade", "", "", WEDNESDAY)


def test_a_figure_about_fewer_women_than_the_threshold_is_hidden_zero_is_not() -> None:
    assert shown(Figure(4, 4), 5) == "<5"
    assert shown(Figure(5, 5), 5) == 5
    assert shown(Figure(0, 0), 5) == 0
    assert shown(Figure(40, 3), 5) == "<5"  # 40 messages from 3 women
    assert shown(Figure(12.5, 2), 5) == "<5"  # a median of two women's waits
    assert shown(Figure(None, 0), 5) is None
    assert shown(Figure(1, 1), 2) == "<2"  # REPORT_SUPPRESS_BELOW


def test_one_hidden_cell_in_a_column_hides_the_smallest_other_one_too() -> None:
    assert protect_column([12, "<5", 9], 5) == [12, "<5", PROTECTING]
    assert protect_column([12, "<5", "<5"], 5) == [12, "<5", "<5"]  # two: neither can be told
    assert protect_column([0, "<5", 7], 5) == [0, "<5", PROTECTING]  # a zero tells nothing
    assert protect_column([3, 8], 5) == [3, 8]


def test_a_table_protects_its_counts_only_when_its_rows_add_up_to_a_total() -> None:
    columns = (Column("k", "k", KEY), Column("n", "n", COUNT), Column("t", "t", MINUTES))
    rows = [("a", Figure(2, 2), Figure(3.0, 2)), ("b", Figure(9, 9), Figure(4.0, 9))]
    assert table("x", "x", columns, rows, 5).rows == (("a", "<5", "<5"), ("b", 9, 4.0))
    assert table("x", "x", columns, rows, 5, protect=True).rows == (
        ("a", "<5", "<5"),
        ("b", PROTECTING, 4.0),  # minutes do not add up: not protected
    )


def test_percentiles_interpolate_like_postgresql_percentile_cont() -> None:
    assert percentile([2, 4, 6, 8, 10, 12], 50) == 7.0
    assert percentile([2, 4, 6, 8, 10, 12], 90) == 11.0
    assert percentile([5], 90) == 5
    assert percentile([], 50) is None


def test_filters_take_only_a_channel_and_an_intent_name() -> None:
    assert Filters.parse("SMS", "ask_credit") == Filters("sms", "ask_credit")
    assert Filters.parse("telegram", "x' OR 1=1") == Filters(None, None)
    assert not Filters.parse("", "").any


@pytest.mark.parametrize(
    ("role", "allowed"), [("supervisor", True), ("programme", True), ("case_worker", False)]
)
def test_supervisors_and_programme_staff_see_the_reports(role: str, allowed: bool) -> None:
    assert may_see_reports(role) is allowed


def test_the_vendored_chart_library_is_the_pinned_release_with_its_licence() -> None:
    script = (VENDOR / "chart.umd.min.js").read_bytes()
    assert hashlib.sha256(script).hexdigest() == CHART_JS_SHA256
    assert script.startswith(b"/*!\n * Chart.js v4.4.7")
    assert "MIT License" in (VENDOR / "chart.js.LICENSE.md").read_text()
    assert "4.4.7" in (VENDOR / "README.md").read_text()


def test_the_report_settings_refuse_a_negative_price_and_a_threshold_below_one() -> None:
    from bot.core.settings import SettingsError, load_settings
    from tests.support.environment import base_environment

    env = base_environment("almasreportsettings", "sqlite:///:memory:")
    settings = load_settings(environ={**env, "SMS_PRICE_PER_SEGMENT": "0.0475"})
    assert settings.sms_price_per_segment == 0.0475 and settings.report_suppress_below == 5
    with pytest.raises(SettingsError, match="SMS_PRICE_PER_SEGMENT"):
        load_settings(environ={**env, "SMS_PRICE_PER_SEGMENT": "-1"})
    with pytest.raises(SettingsError, match="REPORT_SUPPRESS_BELOW"):
        load_settings(environ={**env, "REPORT_SUPPRESS_BELOW": "0"})
