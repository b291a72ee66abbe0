"""The reports page for programme staff and supervisors (/console/reports): a period, filters,
the figures with their charts (Chart.js, vendored in static/vendor/), and every table as CSV
or XLSX. Thin: the figures are bot/reports/'s; this turns a request into a period and filters
and a report into a page or a file, in the console's language. Case workers get 403.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, abort, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from bot.content.i18n import today_in_bogota
from bot.reports.access import may_see_reports
from bot.reports.build import Options, build_report
from bot.reports.export import MEDIA_TYPES, cell_text, render
from bot.reports.model import ADDITIVE, ALL, CHANNELS, MINUTES, NUMBER, Filters, Report, Table
from bot.reports.period import CUSTOM, MONTH, PERIOD_KINDS, PeriodError, parse_period, preset
from webhooks.console import account_required, check_session_and_csrf
from webhooks.console_languages import select_locale
from webhooks.extensions import runtime

bp = Blueprint("reports", __name__, url_prefix="/console/reports")
bp.before_request(check_session_and_csrf)  # the console's idle expiry (and CSRF on POSTs)
EXPORTS = ("csv", "xlsx")
# Chart.js, vendored and pinned (webhooks/static/vendor/README.md).
CHART_JS = "vendor/chart.umd.min.js"


def register(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.app_context_processor
def report_helpers() -> dict[str, Any]:
    """For the console's header: whether to show the Reports link."""
    return {"may_see_reports": lambda worker: may_see_reports(worker.role)}


def _translate(text: str) -> str:
    return gettext(text) if text else text


def _allowed() -> None:
    if not may_see_reports(g.case_worker.role):
        abort(403, description="the reports are for supervisors and programme staff")


def _report() -> tuple[Report, str]:
    """The report the request asks for; an unusable period falls back to this month, said."""
    rt = runtime()
    args = request.args
    today = today_in_bogota()
    error = ""
    try:
        period = parse_period(
            args.get("period", MONTH), args.get("from", ""), args.get("to", ""), today
        )
    except PeriodError as exc:
        period, error = preset(MONTH, today), gettext(str(exc))
    options = Options.from_content(
        rt.content.snapshot(),
        select_locale(),
        suppress_below=rt.settings.report_suppress_below,
        sms_price_per_segment=rt.settings.sms_price_per_segment,
    )
    filters = Filters.parse(args.get("channel"), args.get("topic"))
    return build_report(rt.sessions, period, filters, options), error


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _charts(report: Report) -> list[dict[str, Any]]:
    """What the page's script draws: per table, its labels and series (a hidden cell is a
    gap, never a number)."""
    charts = []
    for table in report.tables:
        if table.chart is None:
            continue
        i = table.index(table.chart.labels)
        labels = [str(cell_text(table, i, row[i], _translate)) for row in table.rows]
        series = [
            {
                "label": _translate(table.columns[table.index(name)].label),
                "data": [_number(v) for v in table.column(name)],
            }
            for name in table.chart.series
        ]
        if table.name in ("messages", "handoffs", "sms"):  # the total row is not a bar
            keep = [n for n, row in enumerate(table.rows) if row[0] != ALL]
            labels = [labels[n] for n in keep]
            for s in series:
                s["data"] = [s["data"][n] for n in keep]
        charts.append(
            {
                "name": table.name,
                "type": table.chart.kind,
                "horizontal": table.chart.horizontal,
                "labels": labels,
                "series": series,
            }
        )
    return charts


def _topics(report: Report) -> list[tuple[str, str]]:
    """The topic filter's choices: what was asked in the period (and the chosen one)."""
    table = report.table("topics")
    choices = {row[1]: f"{row[0]} ({row[1]})" for row in table.rows}
    if report.filters.topic and report.filters.topic not in choices:
        choices[report.filters.topic] = report.filters.topic
    return sorted((str(k), str(v)) for k, v in choices.items())


def _shown(table: Table, column: int, value: object) -> str:
    """A cell as the page shows it (the exports carry the same value)."""
    if value is None:
        return "—"
    return str(cell_text(table, column, value, _translate))  # type: ignore[arg-type]


@bp.get("/")
@account_required
def page() -> ResponseReturnValue:
    _allowed()
    report, error = _report()
    response = Response(
        render_template(
            "console/reports.html",
            report=report,
            error=error,
            charts=_charts(report),
            topics=_topics(report),
            channels=CHANNELS,
            kinds=PERIOD_KINDS,
            custom=CUSTOM,
            shown=_shown,
            translate=_translate,
            numeric=(*ADDITIVE, MINUTES, NUMBER),
            chart_js=CHART_JS,
            exports=EXPORTS,
            query=request.query_string.decode(),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/export.<fmt>")
@account_required
def export(fmt: str) -> ResponseReturnValue:
    _allowed()
    if fmt not in EXPORTS:
        abort(404)
    report, _ = _report()
    name = f"almas-report-{report.period.first}-{report.period.last}.{fmt}"
    return Response(
        render(report, fmt, _translate),
        content_type=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
