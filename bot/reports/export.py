"""The report as files: CSV (every table one after the other), XLSX (a sheet per table, and one
about the report) and JSON. Pure: bytes in memory, no I/O. The values are the report's —
already suppressed —, so an export never shows more than the page.

`translate` turns the report's Spanish source texts (titles, column names, our own labels)
into the reader's language; the default leaves them in Spanish.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bot.reports.model import ALL, TEXT, Report, Table, Value

Translate = Callable[[str], str]
FORMATS = ("csv", "xlsx", "json")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def _same(text: str) -> str:
    return text


def about(report: Report, translate: Translate = _same) -> list[tuple[str, str]]:
    """What the report is: period, filters, the suppression rule."""
    filters = report.filters
    return [
        (translate("Informe ALMAS"), ""),
        (translate("Desde"), report.period.first.isoformat()),
        (translate("Hasta (incluido)"), report.period.last.isoformat()),
        (translate("Canal"), filters.channel or translate(ALL)),
        (translate("Tema"), filters.topic or translate(ALL)),
        (translate("Generado (UTC)"), report.generated_at.strftime("%Y-%m-%d %H:%M")),
        (
            translate("Celdas ocultas"),
            translate("«%(marker)s»: cifra de menos de %(n)s mujeres, oculta")
            % {"marker": report.marker, "n": report.suppress_below},
        ),
        (
            translate("Celdas protegidas"),
            translate("«*»: oculta para que otra cifra oculta no se pueda calcular restando"),
        ),
    ]


def cell_text(table: Table, column: int, value: Value, translate: Translate = _same) -> Value:
    """A value as the reader sees it: our labels translated, the rest as is."""
    if isinstance(value, str) and table.columns[column].kind == TEXT:
        return translate(value)
    return value


def header(table: Table, translate: Translate = _same) -> list[str]:
    return [translate(c.label) for c in table.columns]


def rows(table: Table, translate: Translate = _same) -> list[list[Value]]:
    return [[cell_text(table, i, v, translate) for i, v in enumerate(row)] for row in table.rows]


def to_csv(report: Report, translate: Translate = _same) -> bytes:
    """One CSV: the report's description, then each table under its title, a blank line
    between. UTF-8 with a byte-order mark, so spreadsheet programs read the accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for line in about(report, translate):
        writer.writerow(line)
    for table in report.tables:
        writer.writerow([])
        writer.writerow([translate(table.title)])
        writer.writerow(header(table, translate))
        writer.writerows(["" if v is None else v for v in row] for row in rows(table, translate))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(report: Report, translate: Translate = _same) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = translate("Informe")[:31]
    for line in about(report, translate):
        sheet.append(list(line))
    sheet["A1"].font = Font(bold=True)
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 60
    for table in report.tables:
        sheet.append([])
        sheet.append([translate(table.title), translate(table.note)])
    used: set[str] = {sheet.title}
    for table in report.tables:
        page = book.create_sheet(_sheet_name(translate(table.title), used))
        page.append([translate(table.title)])
        page["A1"].font = Font(bold=True)
        page.append(header(table, translate))
        for cell in page[2]:
            cell.font = Font(bold=True)
        for row in rows(table, translate):
            page.append(row)
        page.append([])
        page.append([translate(table.note)])
        for i, column in enumerate(table.columns, start=1):
            page.column_dimensions[get_column_letter(i)].width = max(12, len(column.label) + 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_name(title: str, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the book."""
    clean = "".join(" " if c in "[]:*?/\\" else c for c in title)[:31].strip() or "Tabla"
    name, n = clean, 2
    while name in used:
        suffix = f" ({n})"
        name, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name


def to_dict(report: Report, translate: Translate = _same) -> dict[str, Any]:
    return {
        "period": {
            "from": report.period.first.isoformat(),
            "to": report.period.last.isoformat(),
            "kind": report.period.kind,
        },
        "filters": {"channel": report.filters.channel, "topic": report.filters.topic},
        "suppress_below": report.suppress_below,
        "suppressed_marker": report.marker,
        "generated_at": report.generated_at.isoformat(),
        "tables": [
            {
                "name": table.name,
                "title": translate(table.title),
                "note": translate(table.note),
                "filtered": table.filtered,
                "columns": [
                    {"name": c.name, "label": translate(c.label), "kind": c.kind}
                    for c in table.columns
                ],
                "rows": rows(table, translate),
            }
            for table in report.tables
        ],
    }


def to_json(report: Report, translate: Translate = _same) -> bytes:
    return json.dumps(to_dict(report, translate), ensure_ascii=False, indent=2).encode("utf-8")


def render(report: Report, fmt: str, translate: Translate = _same) -> bytes:
    if fmt == "csv":
        return to_csv(report, translate)
    if fmt == "xlsx":
        return to_xlsx(report, translate)
    if fmt == "json":
        return to_json(report, translate)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}")
