"""Programme outcomes: what a valid one is and who may change it. Pure (no I/O): the console
and the API apply these through bot/handoff/case.py, which reads and writes the store.

- the kind must be one content/outcomes.yml defines (programme staff keep that list);
- the day it happened is a real date, not in the future (Bogotá's today);
- only the case worker who recorded it, or a supervisor, may change its kind or day, or
  remove it; who changed it last, and when, is kept.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from bot.handoff.accounts import SUPERVISOR
from bot.handoff.rules import CaseworkError, Forbidden
from bot.store.models import CaseWorker, Outcome


class InvalidOutcome(CaseworkError):
    """What was sent is not a valid outcome (400); the subclass says what is wrong."""


class UnknownKind(InvalidOutcome):
    pass


class BadDay(InvalidOutcome):
    pass


class FutureDay(InvalidOutcome):
    pass


def parse_day(text: str) -> date:
    """A day as the console's date field and the API send it: YYYY-MM-DD."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise BadDay(f"not a date (YYYY-MM-DD): {text!r}") from exc


def check_outcome(kind: str, happened_on: date, kinds: Collection[str], today: date) -> None:
    if kind not in kinds:
        raise UnknownKind(f"unknown outcome kind {kind!r}: see content/outcomes.yml")
    if happened_on > today:
        raise FutureDay(f"{happened_on.isoformat()} is in the future")


def may_change(worker: CaseWorker, outcome: Outcome) -> bool:
    """Edit or remove: the one who recorded it, or a supervisor."""
    return worker.role == SUPERVISOR or outcome.recorded_by == worker.email


def check_may_change(worker: CaseWorker, outcome: Outcome) -> None:
    if not may_change(worker, outcome):
        raise Forbidden("only the case worker who recorded this outcome, or a supervisor")
