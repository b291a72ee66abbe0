"""The report as data: named tables of already-suppressed values, and the suppression rule.
Pure: no I/O.

Small cells. Every figure is computed together with how many women are behind it (`Figure`).
A figure behind fewer than `suppress_below` women (but not none) is never shown: its cell holds
the marker "<5" (for the default threshold 5) in the page, the exports and the JSON alike —
counts, shares, averages and times all the same, since a median of two waits is two women's
waits. Then, in a table whose rows add up to a total shown somewhere (`protect`), in each
column of counts, shares or money, if exactly one cell is hidden, the smallest other non-zero
cell is hidden too, marked "*", so that the hidden cell cannot be worked out by subtraction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.addresses import SMS, WHATSAPP
from bot.reports.period import Period

Value = int | float | str | None

# Column kinds: how a value is read (and whether a label is translated).
TEXT = "text"  # a label of ours, translated by the page (a Spanish source string)
KEY = "key"  # a label from the data (a date, a channel, an intent, an error code): as is
COUNT = "count"
SHARE = "percent"
MONEY = "money"
MINUTES = "minutes"
NUMBER = "number"  # an average
ADDITIVE = (COUNT, SHARE, MONEY)  # the kinds whose hidden cells are protected from subtraction
# A cell hidden only so that another hidden cell cannot be worked out from a total.
PROTECTING = "*"
ALL = "todos"  # the label of a total row, and of "no filter" (a Spanish source string)


def marker(suppress_below: int) -> str:
    return f"<{suppress_below}"


@dataclass(frozen=True)
class Figure:
    """A figure and how many women are behind it (None value: nothing to compute)."""

    value: int | float | None
    women: int


def shown(figure: Figure, suppress_below: int) -> Value:
    if figure.value is None:
        return None
    if 0 < figure.women < suppress_below:
        return marker(suppress_below)
    return figure.value


def protect_column(values: list[Value], suppress_below: int) -> list[Value]:
    """If exactly one cell is hidden, hide the smallest other non-zero number as well."""
    if sum(v == marker(suppress_below) for v in values) != 1:
        return values
    numbers = [(v, i) for i, v in enumerate(values) if isinstance(v, int | float) and v != 0]
    if not numbers:
        return values
    _, smallest = min(numbers)
    return [PROTECTING if i == smallest else v for i, v in enumerate(values)]


@dataclass(frozen=True)
class Column:
    name: str
    label: str  # Spanish source text; the page translates it
    kind: str = COUNT


@dataclass(frozen=True)
class Chart:
    """How the page draws a table: Chart.js type, the labels' column, the series' columns."""

    kind: str  # "bar", "line"
    labels: str
    series: tuple[str, ...]
    horizontal: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    title: str  # Spanish source text
    columns: tuple[Column, ...]
    rows: tuple[tuple[Value, ...], ...]
    note: str = ""  # Spanish source text: how the figures are computed, in one sentence
    filtered: bool = True  # whether the channel and topic filters apply to it
    chart: Chart | None = None

    def index(self, column: str) -> int:
        return [c.name for c in self.columns].index(column)

    def column(self, name: str) -> list[Value]:
        i = self.index(name)
        return [row[i] for row in self.rows]

    def row(self, label: Value) -> dict[str, Value]:
        """The row whose first cell is `label`, by column name."""
        for row in self.rows:
            if row[0] == label:
                return {c.name: v for c, v in zip(self.columns, row, strict=True)}
        raise KeyError(label)

    def cell(self, label: Value, column: str) -> Value:
        return self.row(label)[column]


def table(
    name: str,
    title: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence[Value | Figure]],
    suppress_below: int,
    protect: bool = False,
    **extra: object,
) -> Table:
    """A table from figures: each suppressed; with `protect` (its rows add up to a total
    shown somewhere), each count, share or money column protected."""
    cells = [[shown(v, suppress_below) if isinstance(v, Figure) else v for v in r] for r in rows]
    for i, column in enumerate(columns):
        if protect and column.kind in ADDITIVE and len(cells) > 1:
            protected = protect_column([r[i] for r in cells], suppress_below)
            for r, value in zip(cells, protected, strict=True):
                r[i] = value
    return Table(
        name=name,
        title=title,
        columns=tuple(columns),
        rows=tuple(tuple(r) for r in cells),
        **extra,  # type: ignore[arg-type]
    )


CHANNELS = (WHATSAPP, SMS)
_INTENT = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class Filters:
    channel: str | None = None  # "sms", "whatsapp"
    topic: str | None = None  # an intent

    @property
    def any(self) -> bool:
        return bool(self.channel or self.topic)

    @classmethod
    def parse(cls, channel: str | None, topic: str | None) -> Filters:
        """From a request: anything that is not a channel or an intent's name means no filter."""
        channel = (channel or "").strip().lower()
        topic = (topic or "").strip()
        return cls(
            channel=channel if channel in CHANNELS else None,
            topic=topic if _INTENT.match(topic) else None,
        )


@dataclass(frozen=True)
class Report:
    period: Period
    filters: Filters
    suppress_below: int
    generated_at: datetime
    tables: tuple[Table, ...] = field(default=())

    def table(self, name: str) -> Table:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)

    @property
    def marker(self) -> str:
        return marker(self.suppress_below)
