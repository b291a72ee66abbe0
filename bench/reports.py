"""How fast the reports are on a year of a busy helpline (issue 15): 50,000 participants,
1,000,000 messages, 20,000 tickets in PostgreSQL (bench/reports_data.py), then the page's
queries for a quarter and the XLSX export of the same quarter, against the goals (≤ 1 s for
the page, ≤ 5 s for the XLSX).

Its own database, `almas_bench_reports`, on the server of TEST_POSTGRES_URL (or --postgres-url):
created and loaded on the first run (about a minute), kept for later runs (--fresh loads it
again, --drop removes it at the end). Migrated to head, so the report indexes are in place;
--without-indexes measures without them (migration 0013 undone, then redone at the end).
The machine's load average is printed with the figures: on the 2-core development machine
other work on it weighs on them.

Run: .venv/bin/python -m bench.reports
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.reports_data import Sizes, generate, quarter
from bot.content.store import ContentStore
from bot.reports.build import Options, build_report
from bot.reports.export import to_xlsx
from bot.reports.model import Filters
from bot.reports.period import CUSTOM, Period
from bot.store.db import downgrade, upgrade
from bot.store.engine import make_engine, make_sessionmaker
from tests.support.environment import POSTGRES_URL

DATABASE = "almas_bench_reports"
PAGE_GOAL = 1.0
XLSX_GOAL = 5.0
RUNS = 5


def database_url(admin_url: str) -> str:
    return make_url(admin_url).set(database=DATABASE).render_as_string(hide_password=False)


def prepare(admin_url: str, fresh: bool) -> str:
    url = database_url(admin_url)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": DATABASE}
        )
        if exists and fresh:
            connection.execute(text(f'DROP DATABASE "{DATABASE}" WITH (FORCE)'))
            exists = None
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        loaded = connection.scalar(text("SELECT count(*) FROM messages"))
    engine.dispose()
    if not loaded:
        started = time.perf_counter()
        plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(plain) as connection:
            counts = generate(connection, Sizes())
            connection.autocommit = True
            connection.execute("VACUUM ANALYZE")
        print(f"loaded in {time.perf_counter() - started:.0f} s: {counts}")
    return url


def analyze(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()


def timed(action: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    """(first run, median of the following runs) in seconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return times[0], statistics.median(times[1:]) if runs > 1 else times[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--fresh", action="store_true", help="load the data again")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--without-indexes", action="store_true")
    args = parser.parse_args()

    url = prepare(args.postgres_url, args.fresh)
    if args.without_indexes:
        downgrade(url, "0012")  # the report indexes are 0013's
        analyze(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with engine.connect() as connection:
        sizes = {
            t: connection.scalar(text(f"SELECT count(*) FROM {t}"))  # noqa: S608
            for t in ("participants", "messages", "handoff_events", "handoff_ratings")
        }
        tickets = connection.scalar(text("SELECT count(DISTINCT ticket_id) FROM handoff_events"))
    print(f"database {DATABASE}: {sizes}, tickets {tickets}")
    options = Options.from_content(
        ContentStore().snapshot(), suppress_below=5, sms_price_per_segment=0.05
    )
    first, last = quarter(2026, 3)
    period = Period(first, last, CUSTOM)
    cases = {
        "quarter, no filter": Filters(),
        "quarter, SMS only": Filters(channel="sms"),
        "quarter, topic ask_credit": Filters(topic="ask_credit"),
    }
    print(f"period {first} to {last}; {RUNS} runs each (first run, then the median of the rest)")
    print("| report | page queries | goal | ratio | XLSX (queries + file) | goal | ratio |")
    print("|---|---|---|---|---|---|---|")
    for name, filters in cases.items():
        page_first, page = timed(lambda f=filters: build_report(sessions, period, f, options))
        xlsx_first, xlsx = timed(
            lambda f=filters: to_xlsx(build_report(sessions, period, f, options))
        )
        print(
            f"| {name} | {page:.3f} s (first {page_first:.3f} s) | ≤ {PAGE_GOAL:.0f} s "
            f"| {page / PAGE_GOAL:.2f} | {xlsx:.3f} s (first {xlsx_first:.3f} s) "
            f"| ≤ {XLSX_GOAL:.0f} s | {xlsx / XLSX_GOAL:.2f} |"
        )
    report = build_report(sessions, period, Filters(), options)
    print(f"(the quarter's XLSX is {len(to_xlsx(report)) / 1024:.0f} KiB)")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average while measuring (1, 5, 15 min): {load} on {os.cpu_count()} cores")
    engine.dispose()
    if args.without_indexes:
        upgrade(url)
        analyze(url)
    if args.drop:
        admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
