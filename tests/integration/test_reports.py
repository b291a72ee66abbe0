"""The reports (issue 15) on SQLite and PostgreSQL: every figure of a known history, exactly
(tests/support/report_history.py says what happened); the filters; small cells hidden in the
report, the page and every export; no ids or texts anywhere; who may open the page; the CLI."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from bot.content.store import ContentStore
from bot.core.settings import load_settings
from bot.ops.cli import main
from bot.reports.build import Options, build_report, labels_from_content
from bot.reports.export import to_csv, to_json, to_xlsx
from bot.reports.model import Filters, Report
from bot.reports.period import Period
from bot.runtime import build_runtime
from bot.store.db import upgrade
from bot.store.engine import make_engine, make_sessionmaker
from tests.support.casework import console_account, login, new_client
from tests.support.environment import base_environment
from tests.support.report_history import FIRST, LAST, PRIVATE, postgres_schema, write_history
from webhooks.app import create_app

QUARTER = Period(FIRST, LAST)
LABELS = labels_from_content(ContentStore().snapshot())
OPTIONS = Options.from_content(
    ContentStore().snapshot(), suppress_below=5, sms_price_per_segment=0.05
)
H, P = "<5", "*"  # hidden (fewer than 5 women); hidden to protect another cell


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'reports.db'}"
        return
    with postgres_schema() as url:
        yield url


@pytest.fixture
def history(database_url: str) -> Iterator[sessionmaker[Session]]:
    upgrade(database_url)
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    write_history(sessions)
    yield sessions
    engine.dispose()


def rows(report: Report, name: str) -> list[tuple[object, ...]]:
    return list(report.table(name).rows)


def test_every_figure_of_a_known_quarter_on_both_databases(history) -> None:
    report = build_report(history, QUARTER, Filters(), OPTIONS)

    assert rows(report, "participants") == [
        ("Mujeres alcanzadas", 16),
        ("Nuevas (su primer mensaje fue en el periodo)", 11),
        ("Que volvieron (escribieron antes del periodo)", 5),
    ]
    assert rows(report, "messages") == [("sms", 6, 6, 14), ("whatsapp", 10, 20, 26),
                                        ("todos", 16, 26, 40)]  # fmt: skip
    activity = {row[0]: row[1:] for row in rows(report, "activity")}
    assert len(activity) == 92  # every Bogotá day of the quarter, empty ones as zeros
    assert activity["2026-07-01"] == (H, H, 0)  # W10 at 00:00:00 Bogotá
    assert activity["2026-07-10"] == (10, 10, 16)
    assert activity["2026-08-02"] == (6, 6, 12)
    assert activity["2026-08-20"] == (8, 8, 0)
    assert activity["2026-09-01"] == (6, 0, 6)
    assert activity["2026-09-10"] == (6, 0, 6)
    assert activity["2026-09-30"] == (H, H, 0)  # W10 at 23:59:59 Bogotá
    assert activity["2026-07-02"] == (0, 0, 0)
    assert sum(v[2] for v in activity.values() if isinstance(v[2], int)) == 40

    # out_of_scope (2 women) hidden; ask_credit hidden too, or 24 read − the rest would tell.
    assert rows(report, "topics") == [
        ("Cursos y formación", "ask_courses", 10, 10),
        ("Microcréditos", "ask_credit", P, P),
        ("Becas", "ask_scholarships", 6, 6),
        ("out_of_scope", "out_of_scope", H, H),
    ]
    assert rows(report, "understanding") == [
        ("Mensajes leídos por el diálogo", 24),
        ("No entendidos", H),
        ("Parte no entendida (%)", H),
    ]
    assert rows(report, "handoffs") == [
        ("normal", 8, 6, 6, H, H, 7.0, 11.0, 10.0, 14.0, 37.0, 41.0),
        ("urgent", 6, 6, 6, 0, 0, 2.5, 6.0, None, None, 20.0, 20.0),
        ("todos", 14, 12, 12, H, H, 4.5, 9.8, 10.0, 14.0, 26.0, 39.8),
    ]
    assert rows(report, "ratings") == [
        ("1", 0, 0.0, None), ("2", 0, 0.0, None), ("3", 0, 0.0, None),
        ("4", 5, 45.5, None), ("5", 6, 54.5, None), ("todos", 11, 100.0, 4.55),
    ]  # fmt: skip
    assert rows(report, "reminders") == [
        ("Suscripciones nuevas", "", 6),
        ("Decisiones", "queued", 5),
        ("Decisiones", "no_consent", 0),
        ("Decisiones", "opted_out", H),
        ("Decisiones", "no_address", 0),
        ("Decisiones", "expired", 0),
        ("Recordatorios enviados (Twilio los aceptó)", "", 5),
        ("Recordatorios entregados", "", 5),
        ("Recordatorios no entregados", "", 0),
        ("Recordatorios no enviados (se dio de baja)", "", H),
    ]
    assert rows(report, "privacy") == [
        ("Se dieron de baja (y siguen de baja)", 5),
        ("Borraron sus datos (sin filtros)", 5),
    ]
    assert rows(report, "failures") == [("30003", "whatsapp", 5, 5), ("21610", "sms", H, H)]
    # GSM-7: 6 one-segment + 5 two-segment SMS; UCS-2: one emoji SMS (one woman: hidden, and
    # GSM-7 hidden with it, or the total would tell). The failed and the suppressed: not sent.
    assert rows(report, "sms") == [("GSM-7", P, P, P), ("UCS-2", H, H, H),
                                   ("todos", 12, 17, 0.85)]  # fmt: skip
    outcomes = {row[1]: row[2:] for row in rows(report, "outcomes")}
    assert outcomes["course_enrolled"] == (5, 6)  # W01 twice counts once; W06 in June; W07 after
    assert outcomes["job_placement"] == (H, H)
    assert outcomes["credit_granted"] == (0, 0)
    assert list(outcomes) == [k.id for k in ContentStore().snapshot().outcomes]


def test_the_sms_filter_keeps_the_women_who_used_sms(history) -> None:
    report = build_report(history, QUARTER, Filters(channel="sms"), OPTIONS)
    assert rows(report, "participants") == [
        ("Mujeres alcanzadas", 6),
        ("Nuevas (su primer mensaje fue en el periodo)", 6),
        ("Que volvieron (escribieron antes del periodo)", 0),
    ]
    assert rows(report, "messages") == [("sms", 6, 6, 14), ("todos", 6, 6, 14)]
    assert [r[:4] for r in rows(report, "handoffs")] == [
        ("normal", 0, 0, 0), ("urgent", 5, 5, 5), ("todos", 5, 5, 5),
    ]  # fmt: skip
    assert rows(report, "ratings")[-1] == ("todos", 5, 100.0, 4.0)
    assert rows(report, "privacy") == [
        ("Se dieron de baja (y siguen de baja)", H),  # S03–S05
        ("Borraron sus datos (sin filtros)", 5),
    ]
    sent = report.table("reminders").cell("Recordatorios enviados (Twilio los aceptó)", "count")
    assert sent == 0
    outcomes = {row[1]: row[2:] for row in rows(report, "outcomes")}
    assert outcomes["course_enrolled"] == (5, 6)  # outcomes are not filtered


def test_the_topic_filter_keeps_the_women_who_asked_it(history) -> None:
    report = build_report(history, QUARTER, Filters(topic="ask_credit"), OPTIONS)
    assert rows(report, "participants") == [
        ("Mujeres alcanzadas", 6),
        ("Nuevas (su primer mensaje fue en el periodo)", H),  # W06
        ("Que volvieron (escribieron antes del periodo)", P),
    ]
    # W01–W06's whole conversations: courses and credit in; our answers, the case workers',
    # the failed ones and W06's reminder out.
    assert rows(report, "messages") == [("whatsapp", 6, 12, 18), ("todos", 6, 12, 18)]
    assert [r[:4] for r in rows(report, "handoffs")][-1] == ("todos", 6, 6, 6)


def test_a_period_is_whole_bogota_days(history) -> None:
    first_day = build_report(history, Period(FIRST, FIRST), Filters(), OPTIONS)
    assert rows(first_day, "messages")[-1] == ("todos", H, H, 0)  # W10 only, not X02
    july = build_report(history, Period(FIRST, FIRST.replace(day=31)), Filters(), OPTIONS)
    assert july.table("participants").cell("Mujeres alcanzadas", "women") == 10


def test_a_long_period_is_counted_by_bogota_month(history) -> None:
    report = build_report(history, Period(date(2026, 6, 1), date(2026, 12, 31)), Filters())
    assert report.table("activity").title == "Actividad por mes"
    assert rows(report, "activity") == [
        ("2026-06", H, H, 0),  # X01, and X02 at 23:59:59 on June 30 in Bogotá
        ("2026-07", 10, 11, 16),
        ("2026-08", 14, 14, 12),
        ("2026-09", 12, H, 12),
        ("2026-10", H, H, 0),  # X02 at 00:00:00 on October 1
        ("2026-11", 0, 0, 0),
        ("2026-12", 0, 0, 0),
    ]


def test_the_threshold_is_a_setting(history) -> None:
    options = Options(suppress_below=2, topic_labels=LABELS["topics"])
    report = build_report(history, QUARTER, Filters(), options)
    topics = {row[1]: row[2:] for row in rows(report, "topics")}
    assert topics["out_of_scope"] == (2, 2)
    assert rows(report, "understanding")[1] == ("No entendidos", 2)
    assert report.table("failures").rows[1] == ("21610", "sms", "<2", "<2")


def _csv_tables(data: bytes) -> dict[str, list[list[str]]]:
    """The CSV export's tables by title (header row first)."""
    text = data.decode("utf-8-sig")
    tables, current = {}, None
    for line in csv.reader(io.StringIO(text)):
        if not line:
            current = None
        elif current is None and len(line) == 1:
            current = tables.setdefault(line[0], [])
        elif current is not None:
            current.append(line)
    return tables


def test_small_cells_are_hidden_in_every_export_and_no_id_or_text_leaves(history) -> None:
    report = build_report(history, QUARTER, Filters(), OPTIONS)
    exported = _csv_tables(to_csv(report))
    assert exported["Fallos de entrega por código de Twilio"] == [
        ["Código de error", "Canal", "Mensajes", "Mujeres"],
        ["30003", "whatsapp", "5", "5"],
        ["21610", "sms", "<5", "<5"],
    ]
    assert exported["Mensajes no entendidos"][2] == ["No entendidos", "<5"]
    book = load_workbook(io.BytesIO(to_xlsx(report)))
    sheet = book["Fallos de entrega por código de"]
    assert [[c.value for c in r] for r in sheet.iter_rows(min_row=3, max_row=4)] == [
        ["30003", "whatsapp", 5, 5],
        ["21610", "sms", "<5", "<5"],
    ]
    data = json.loads(to_json(report))
    failures = next(t for t in data["tables"] if t["name"] == "failures")
    assert failures["rows"][1] == ["21610", "sms", "<5", "<5"]
    cells = " ".join(str(c.value) for s in book for r in s.iter_rows() for c in r)
    for private in PRIVATE:
        for where in (to_csv(report).decode("utf-8-sig"), to_json(report).decode(), cells):
            assert private not in where


# -- the page -------------------------------------------------------------------------------
@pytest.fixture
def app_with_history(prefix: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'page.db'}"
    upgrade(url)
    settings = load_settings(environ=base_environment(prefix, url, SMS_PRICE_PER_SEGMENT="0.05"))
    runtime = build_runtime(settings, content=ContentStore())
    write_history(runtime.sessions)
    yield create_app(settings, runtime), runtime
    runtime.redis.close()
    runtime.engine.dispose()


QUARTER_QUERY = "period=custom&from=2026-07-01&to=2026-09-30"


@pytest.mark.parametrize(
    ("role", "status"), [("programme", 200), ("supervisor", 200), ("case_worker", 403)]
)
def test_supervisors_and_programme_staff_see_the_reports_case_workers_do_not(
    app_with_history, role: str, status: int
) -> None:
    app, runtime = app_with_history
    client = new_client(app)
    login(client, console_account(runtime, role))
    for path in ("/", "/export.csv", "/export.xlsx"):
        path = "/console/reports" + path
        assert client.get(f"{path}?{QUARTER_QUERY}").status_code == status, path


def test_without_a_login_the_reports_send_to_the_login_page(app_with_history) -> None:
    app, _ = app_with_history
    response = new_client(app).get("/console/reports/")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_the_page_shows_the_figures_hidden_cells_and_exports_of_the_period(
    app_with_history,
) -> None:
    app, runtime = app_with_history
    client = new_client(app)
    login(client, console_account(runtime, "programme"))
    page = client.get(f"/console/reports/?{QUARTER_QUERY}").get_data(as_text=True)
    assert 'id="table-failures"' in page and 'id="chart-topics"' in page
    assert '<td data-column="messages" class="num">&lt;5</td>' in page
    assert "/static/vendor/chart.umd.min.js" in page
    for private in PRIVATE:
        assert private not in page
    export = client.get(f"/console/reports/export.csv?{QUARTER_QUERY}")
    assert export.headers["Content-Disposition"].endswith('2026-07-01-2026-09-30.csv"')
    assert _csv_tables(export.data)["Mujeres alcanzadas"][1] == ["Mujeres alcanzadas", "16"]
    english = new_client(app)
    login(english, console_account(runtime, "supervisor"))
    english.get("/console/lang/en")
    page = english.get(f"/console/reports/?{QUARTER_QUERY}").get_data(as_text=True)
    assert "Women reached" in page and "Mujeres alcanzadas" not in page
    assert _csv_tables(english.get(f"/console/reports/export.csv?{QUARTER_QUERY}").data)[
        "Women reached"
    ][1] == ["Women reached", "16"]


def test_a_wrong_period_falls_back_to_this_month_and_says_so(app_with_history) -> None:
    app, runtime = app_with_history
    client = new_client(app)
    login(client, console_account(runtime, "programme"))
    page = client.get("/console/reports/?period=custom&from=2026-09-30&to=2026-07-01")
    assert page.status_code == 200
    assert "la fecha final es anterior a la inicial" in page.get_data(as_text=True)


def test_the_chart_script_and_chart_js_are_served_by_the_app(app_with_history) -> None:
    app, _ = app_with_history
    client = new_client(app)
    with client.get("/static/reports.js") as script:
        assert script.status_code == 200
    with client.get("/static/vendor/chart.umd.min.js") as chart_js:
        assert b"Chart.js v4.4.7" in chart_js.data[:200]


# -- the command line -------------------------------------------------------------------------
def test_almas_report_writes_the_quarter_as_csv_xlsx_and_json(history, tmp_path: Path) -> None:
    url = str(history.kw["bind"].url.render_as_string(hide_password=False))
    env = base_environment("almasreportcli", url)
    runner = CliRunner()
    out = tmp_path / "q3.xlsx"
    args = ["report", "--from", "2026-07-01", "--to", "2026-09-30"]
    result = runner.invoke(main, [*args, "--format", "xlsx", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out)["Mujeres alcanzadas"]
    assert [c.value for c in sheet[3]] == ["Mujeres alcanzadas", 16]
    result = runner.invoke(main, [*args, "--format", "json"], env=env)
    data = json.loads(result.stdout_bytes)
    assert data["period"] == {"from": "2026-07-01", "to": "2026-09-30", "kind": "custom"}
    result = runner.invoke(main, [*args, "--format", "csv", "--channel", "sms"], env=env)
    assert _csv_tables(result.stdout_bytes)["Mensajes por canal"][1] == ["sms", "6", "6", "14"]
    wrong = runner.invoke(main, ["report", "--from", "2026-09-30", "--to", "2026-07-01"], env=env)
    assert wrong.exit_code != 0 and "anterior" in wrong.output
