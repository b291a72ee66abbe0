"""Which support lines to give, and how they read. Shared by the crisis gate (worker) and the
emergency action (NLU path), so both say the same thing."""

from __future__ import annotations

from collections.abc import Iterable

from bot.content.describe import describe_line
from bot.content.schema import SupportLine
from bot.content.store import ContentStore

CASE_ORDER = (
    "emergency", "violence", "sexual_violence", "children", "suicide", "mental_health",
    "trafficking", "extortion",
)  # fmt: skip


def lines_for(lines: Iterable[SupportLine], cases: Iterable[str]) -> list[SupportLine]:
    """Verified lines for these cases, emergency (123) first. Unverified ones never."""
    wanted = set(cases)
    chosen = [line for line in lines if line.verified and wanted & set(line.cases)]
    return sorted(chosen, key=lambda line: min(CASE_ORDER.index(c) for c in line.cases))


def lines_text(store: ContentStore, cases: Iterable[str]) -> str:
    lines = lines_for(store.snapshot().support_lines, cases)
    listed = "\n".join(describe_line(line) for line in lines)  # as the console previews it
    return store.system_text("emergency_intro") + "\n" + listed
