"""The reports page in a real browser (Playwright driving Debian's headless Chromium) against
the real stack: a programme user logs in, opens the reports, changes the period, sees the
charts drawn by the vendored Chart.js, downloads the CSV and the XLSX and finds in them exactly
the figures of the page — and on a phone's screen the page does not overflow.

The history is the known quarter of tests/support/report_history.py (the third quarter of
2026), written into the stack's database: what other stack tests write happens today, outside
that quarter."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, sync_playwright

from bot.handoff.accounts import add
from bot.store.engine import make_engine, make_sessionmaker
from tests.support.browser import launch, require_chromium
from tests.support.report_history import write_history
from tests.support.stack import Stack

pytestmark = pytest.mark.stack
EMAIL, PASSWORD = "pilar.programa@almas.example.org", "clave-de-los-informes"
MISSING = "—"  # the page's missing value (an empty CSV cell, None in XLSX)


def page_tables(page: Page) -> dict[str, list[list[str]]]:
    """Every report table on the page: its rows' cell texts, by table name."""
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('table[data-table]')].map(
            t => [t.dataset.table, [...t.tBodies[0].rows].filter(r => !r.cells[0].colSpan
                || r.cells[0].colSpan === 1).map(r => [...r.cells].map(
                c => c.textContent.trim()))]))"""
    )


def csv_tables(data: bytes) -> list[list[list[str]]]:
    """The CSV's tables in order (the report's description, titles and headers dropped)."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] | None = None
    header = False
    for line in csv.reader(io.StringIO(data.decode("utf-8-sig"))):
        if not line:
            current = None
        elif current is None and len(line) == 1:  # a table's title
            current, header = [], True
            tables.append(current)
        elif current is not None and header:
            header = False
        elif current is not None:
            current.append(line)
    return tables


def same(page_value: str, exported: object) -> bool:
    """A page cell and an exported one say the same (numbers as numbers)."""
    if exported is None or exported == "":  # an empty CSV cell is an empty or missing value
        return page_value in (MISSING, "")
    if isinstance(exported, int | float):
        return float(page_value) == float(exported)
    try:
        return float(page_value) == float(str(exported))
    except ValueError:
        return page_value == str(exported)


def test_programme_staff_see_the_charts_and_download_the_figures_of_the_page(
    stack: Stack, tmp_path: Path
) -> None:
    require_chromium()
    engine = make_engine(stack.env["DATABASE_URL"])
    sessions = make_sessionmaker(engine)
    add(sessions, EMAIL, "Pilar", PASSWORD, "programme")
    write_history(sessions)
    engine.dispose()

    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(
            accept_downloads=True, viewport={"width": 1280, "height": 900}
        )
        page = context.new_page()
        page.goto(stack.web_url + "/console/login")
        page.fill("input[name=email]", EMAIL)
        page.fill("input[name=password]", PASSWORD)
        page.click("#login")
        page.wait_for_url("**/console/reports/**")
        assert page.locator("#nav-reports").count() == 1

        page.select_option("#period", "custom")
        page.fill("#from", "2026-07-01")
        page.fill("#to", "2026-09-30")
        page.click("#show-report")
        page.wait_for_url("**from=2026-07-01**")
        page.wait_for_function("window.almasCharts && window.almasCharts.activity")

        # Charts drawn by Chart.js from the page's own figures (a hidden cell is a gap).
        for name in ("messages", "activity", "topics", "handoffs", "ratings", "outcomes"):
            assert page.locator(f"canvas#chart-{name}").count() == 1
        inbound = page.evaluate(
            "Chart.getChart(document.getElementById('chart-messages')).data.datasets[0].data"
        )
        assert inbound == [6, 20]  # sms, whatsapp
        days = page.evaluate("Chart.getChart(document.getElementById('chart-activity')).data")
        assert len(days["labels"]) == 92 and days["labels"][0] == "2026-07-01"
        assert days["datasets"][0]["data"][0] is None  # one woman that day: hidden, not drawn
        drawn = page.evaluate(
            "document.getElementById('chart-activity').getBoundingClientRect().height"
        )
        assert drawn > 100

        tables = page_tables(page)
        assert tables["participants"][0] == ["Mujeres alcanzadas", "16"]
        assert tables["failures"] == [["30003", "whatsapp", "5", "5"], ["21610", "sms", "<5", "<5"]]
        page.screenshot(path=str(tmp_path / "reports.png"), full_page=True)

        files = {}
        for fmt in ("csv", "xlsx"):
            with page.expect_download() as download:
                page.click(f"#export-{fmt}")
            name = download.value.suggested_filename
            assert name == f"almas-report-2026-07-01-2026-09-30.{fmt}"
            download.value.save_as(tmp_path / name)
            files[fmt] = tmp_path / name
        exported_csv = csv_tables(files["csv"].read_bytes())
        book = load_workbook(files["xlsx"])

        names = list(tables)
        assert len(exported_csv) == len(names) == len(book.sheetnames) - 1
        for name, from_csv, sheet in zip(names, exported_csv, book.sheetnames[1:], strict=True):
            shown = tables[name]
            rows = [[c.value for c in r] for r in book[sheet].iter_rows(min_row=3)]
            rows = rows[: len(shown)]  # the sheet ends with a blank line and the note
            for where, exported in (("csv", from_csv), ("xlsx", rows)):
                assert len(exported) == len(shown), (name, where)
                for page_row, row in zip(shown, exported, strict=True):
                    assert all(same(p, e) for p, e in zip(page_row, row, strict=True)), (
                        name, where, page_row, row,
                    )  # fmt: skip

        phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        small = phone.new_page()
        small.goto(page.url)  # no session in this context: the login page first
        small.fill("input[name=email]", EMAIL)
        small.fill("input[name=password]", PASSWORD)
        small.click("#login")
        small.goto(page.url)
        small.wait_for_function("window.almasCharts && window.almasCharts.activity")
        overflow = small.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the page is {overflow}px wider than a phone's screen"
        small.screenshot(path=str(tmp_path / "reports-phone.png"), full_page=True)
        browser.close()
