"""The chaos run (issue 13): the whole helpline under load while its parts fail, then checks
that nothing was lost, nothing went twice, order was kept and erasure left nothing.

    python -m bench.chaos            # 300 participants x 5 messages at 5 msg/s (~5 min of
                                     # load; ~13 min in all on 2 CPUs)
    python -m bench.chaos --quick    # 20 x 3 at 1 msg/s, one fault of each kind (~1 min of
                                     # load; ~5 min in all: Rasa loads its model twice)
    python -m bench.chaos --seed N   # the same participants and scripts again
    make chaos                       # CHAOS_ARGS="--quick" for the short one

What it starts, all its own, all removed at the end: a redis-server on a free loopback port
with AOF (everysec) in a temporary directory; a PostgreSQL database (created on the server of
TEST_POSTGRES_URL, or --postgres-url, migrated, dropped); a local Twilio-compatible endpoint
that answers some sends with 500, 429, a timeout, or accepts and answers late
(tests/support/twilio_endpoint.py, RandomFaults) and posts status callbacks; and every Procfile
process (tests/support/stack.py), production mode: the web twice (two gunicorn processes on two
ports, the load alternating between them), three workers, two senders, Rasa, the action server
and the scheduler.

The load (bench/chaos_load.py): signed webhooks of participants who greet, accept the privacy
notice, ask about courses, scholarships, diplomas, credit, answer menus by number, sometimes ask
for a person; about 5 % end with BORRAR MIS DATOS and confirm. The faults (bench/chaos_faults.py)
on a schedule while it runs: SIGKILL a worker and a sender (started again), SIGSTOP a sender for
longer than its lease, restart Redis (SHUTDOWN, start), stop Rasa for 30 s. Then it waits for
the queues to drain and checks (bench/chaos_checks.py) and prints the figures; the exit status
is 1 when an invariant fails, 2 when the run itself could not be done.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.chaos_checks import Report, check, grep_logs, outbox_id_of, read_log
from bench.chaos_env import (
    SENDERS,
    WEBS,
    WORKERS,
    RedisServer,
    build_stack,
    code_changes,
    code_snapshot,
    rasa_endpoints_file,
    scratch_database,
    stack_environment,
    start_stack,
)
from bench.chaos_faults import FULL_PLAN, QUICK_PLAN, Injector, group_alive
from bench.chaos_load import Load, Woman, make_women, schedule
from bench.common import percentile
from bot.core.settings import load_settings
from bot.runtime import Runtime, build_runtime
from tests.support.environment import ACCOUNT_SID, AUTH_TOKEN, POSTGRES_URL
from tests.support.stack import Stack, wait_until
from tests.support.twilio_endpoint import DELIVERED, RandomFaults, Sent, TwilioEndpoint

METRIC_WORDS = ("send", "sent", "retr", "dead")
STRAY_GRACE = 20.0  # seconds a stopped process group may take to be gone


@dataclass
class Options:
    participants: int
    messages: int
    rate: float
    erasers: float
    seed: int
    drain_timeout: float
    fault_rates: RandomFaults
    twilio_timeout: float
    rasa_down: float
    quick: bool
    postgres_url: str
    keep_logs: str


def parse(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench.chaos", description="Chaos run: load + faults, then invariants."
    )
    parser.add_argument("--quick", action="store_true", help="20 x 3 at 1 msg/s, one fault each")
    parser.add_argument("--participants", type=int, help="default 300 (quick: 20)")
    parser.add_argument("--messages", type=int, help="per participant; default 5 (quick: 3)")
    parser.add_argument("--rate", type=float, help="webhooks per second; default 5 (quick: 1)")
    parser.add_argument("--erasers", type=float, default=0.05, help="share who erase (0.05)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    parser.add_argument("--drain-timeout", type=float, help="seconds (default 600; quick 300)")
    parser.add_argument("--server-error", type=float, default=0.03, help="Twilio 500 rate")
    parser.add_argument("--too-many", type=float, default=0.03, help="Twilio 429 rate")
    parser.add_argument("--timeout", type=float, default=0.01, help="Twilio timeout rate")
    parser.add_argument("--late", type=float, default=0.01, help="accepted, answered late")
    parser.add_argument(
        "--twilio-timeout", type=float, default=5.0, help="the senders' TWILIO_TIMEOUT_SECONDS"
    )
    parser.add_argument("--rasa-down", type=float, default=30.0, help="seconds Rasa is stopped")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("CHAOS_POSTGRES_URL", POSTGRES_URL),
        help="a database on the server where the run may create its own (TEST_POSTGRES_URL)",
    )
    parser.add_argument("--keep-logs", default="", help="copy every process's log here")
    args = parser.parse_args(argv)
    quick = args.quick
    messages = args.messages or (3 if quick else 5)
    if messages < 2:
        parser.error("--messages must be at least 2 (a greeting and ACEPTO)")
    return Options(
        participants=args.participants or (20 if quick else 300),
        messages=messages,
        rate=args.rate or (1.0 if quick else 5.0),
        erasers=args.erasers,
        seed=args.seed if args.seed is not None else random.randrange(10**6),
        drain_timeout=args.drain_timeout or (300.0 if quick else 600.0),
        fault_rates=RandomFaults(
            server_error=args.server_error,
            too_many_requests=args.too_many,
            timeout=args.timeout,
            late_answer=args.late,
            delay=args.twilio_timeout + 2.0,
        ),
        twilio_timeout=args.twilio_timeout,
        rasa_down=args.rasa_down,
        quick=quick,
        postgres_url=args.postgres_url,
        keep_logs=args.keep_logs,
    )


def say(text: str = "") -> None:
    print(text, flush=True)


def row(label: str, value: object) -> None:
    say(f"  {label + ':':28}{value}")


class Run:
    def __init__(self, options: Options) -> None:
        self.options = options
        self.rng = random.Random(options.seed)
        self.workdir = Path(tempfile.mkdtemp(prefix="almas-chaos-"))
        (self.workdir / "redis").mkdir()
        self.redis_server = RedisServer(self.workdir / "redis")
        self.twilio = TwilioEndpoint(
            account_sid=ACCOUNT_SID,
            auth_token=AUTH_TOKEN,
            callbacks=DELIVERED,
            random_faults=options.fault_rates,
            rng=random.Random(options.seed + 1),
        )
        self.stack: Stack | None = None
        self.rt: Runtime | None = None
        self.injector: Injector | None = None
        self.groups: set[int] = set()  # every process group started (the stray check)
        self.ports: dict[str, int] = {}
        self.database = ""

    # -- setting up and tearing down -------------------------------------------------------------
    def note_groups(self) -> None:
        if self.stack is not None:
            self.groups.update(p.pid for p in self.stack.processes.values())

    def main(self) -> int:
        options = self.options
        self.twilio.start()
        try:
            with scratch_database(options.postgres_url) as database_url:
                self.database = database_url.rsplit("/", 1)[-1]
                self.redis_server.start()
                env, self.ports = stack_environment(
                    self.redis_server.url,
                    database_url,
                    self.twilio.base_url,
                    self.workdir,
                    TWILIO_TIMEOUT_SECONDS=f"{options.twilio_timeout:g}",
                )
                self.stack = build_stack(env, self.ports, self.workdir / "logs")
                try:
                    return self.run(env)
                finally:
                    self.tear_down()
        finally:
            self.twilio.stop()
            shutil.rmtree(self.workdir, ignore_errors=True)
            say(f"cleaned up: temporary directory {self.workdir} removed, database dropped")

    def tear_down(self) -> None:
        if self.injector is not None:
            self.injector.resume_all()
        if self.rt is not None:
            self.rt.redis.close()
            self.rt.engine.dispose()
        if self.stack is not None:
            self.note_groups()
            if self.options.keep_logs:
                shutil.copytree(self.stack.log_dir, self.options.keep_logs, dirs_exist_ok=True)
                say(f"logs kept in {self.options.keep_logs}")
            self.stack.stop_all()
        self.redis_server.shutdown()
        if self.ports:
            rasa_endpoints_file(self.ports).unlink(missing_ok=True)
        # A group's leader is waited for; its children may take a moment more to exit.
        wait_until(lambda: not any(group_alive(g) for g in self.groups), STRAY_GRACE, interval=0.2)
        stray = [g for g in self.groups if group_alive(g)]
        for group in stray:
            os.killpg(group, signal.SIGKILL)
        if self.redis_server.process is not None and self.redis_server.process.poll() is None:
            stray.append(self.redis_server.process.pid)
        say(f"stopped every process: {len(stray)} stray" + (f" (killed: {stray})" if stray else ""))

    # -- the run -----------------------------------------------------------------------------------
    def run(self, env: dict[str, str]) -> int:
        options = self.options
        assert self.stack is not None
        stack = self.stack
        settings = load_settings(environ=env)
        say(
            f"ALMAS chaos run: {options.participants} participants x {options.messages} messages"
            f" at {options.rate:g} msg/s, {options.erasers:.0%} erase, seed {options.seed}"
        )
        say(
            f"Redis 127.0.0.1:{self.redis_server.port} (AOF everysec, own), PostgreSQL "
            f"{self.database} (own); lease {settings.lease_seconds:g} s, Twilio timeout "
            f"{settings.twilio_timeout_seconds:g} s"
        )
        rates = options.fault_rates
        say(
            f"Twilio endpoint faults at random: 500 {rates.server_error:.0%}, 429 "
            f"{rates.too_many_requests:.0%}, timeout {rates.timeout:.0%}, late answer "
            f"{rates.late_answer:.0%} (answer after {rates.delay:g} s)"
        )
        say(
            f"starting the stack: {len(WEBS)} web, {len(WORKERS)} workers, {len(SENDERS)} "
            "senders, rasa, actions, scheduler …"
        )
        began = time.monotonic()
        code = code_snapshot()
        try:
            start_stack(stack, self.ports)
        except Exception as exc:
            self.note_groups()
            say(f"the stack did not start: {exc}")
            for name in list(stack.processes):
                say(f"--- {name}\n{stack.tail(name, 15)}")
            return 2
        self.note_groups()
        say(f"stack ready in {time.monotonic() - began:.0f} s")
        self.rt = build_runtime(settings)

        women = make_women(
            stack, self.twilio, self.rng, options.participants, options.messages, options.erasers
        )
        order = schedule(self.rng, women)
        web_urls = [f"http://127.0.0.1:{self.ports[name]}" for name in WEBS]
        load = Load(settings.public_base_url, web_urls, women, order)
        duration = len(order) / options.rate
        self.injector = Injector(
            stack,
            self.redis_server,
            self.rt.outbox,
            [w.pid for w in women],
            settings.lease_seconds,
            options.rasa_down,
            self.rng,
            self.note_groups,
        )
        say(f"load: {len(order)} webhooks over ~{duration:.0f} s; faults on schedule")
        if options.quick:  # one of each Twilio fault for sure (the first sends meet them)
            self.twilio.inject(*rates.one_of_each())
        origin = time.time()
        self.injector.schedule(QUICK_PLAN if options.quick else FULL_PLAN, origin, duration)
        load.run(options.rate, progress=_progress(len(order)))
        say(f"load sent in {load.finished - load.started:.0f} s; waiting for the faults to end")
        self.injector.wait()

        drain_began = time.monotonic()
        drained = wait_until(lambda: self.drained(women), options.drain_timeout, interval=1.0)
        drain_seconds = time.monotonic() - drain_began
        settle = rates.delay + 3.0  # a late answer or a paused sender's send would land by now
        time.sleep(settle)
        drained = drained and self.drained(women)
        say(
            f"queues {'drained' if drained else 'NOT drained'} {drain_seconds:.0f} s after the "
            f"load and the faults (then {settle:g} s more for stragglers)"
        )

        with self.twilio.lock:
            sent = list(self.twilio.sent)
            faulted = list(self.twilio.faulted)
            requests_made = self.twilio.requests
        log = read_log(self.redis_server.aof_files())
        report = check(self.rt, women, sent, log)
        metrics = self.scrape_metrics(env)
        self.print_report(report, load, faulted, requests_made, drained, drain_seconds, metrics)
        self.print_evidence(report, women, sent)
        failures = report.failed() + ([] if drained else ["queues not drained"])
        if any(f.error for f in self.injector.injected):
            failures.append("a fault could not be injected")
        changed = code_changes(code)
        if changed:
            say()
            say(
                f"WARNING: {len(changed)} files of the code under test changed during the run "
                "(processes started again after that ran other code than the rest; the "
                "database was migrated before): " + ", ".join(changed[:20])
            )
        say()
        verdict = "FAILED: " + ", ".join(failures) if failures else "every invariant holds"
        say(f"RESULT: {verdict}" + (" (but the code changed during the run)" if changed else ""))
        return 1 if failures else 0

    def drained(self, women: list[Woman]) -> bool:
        rt = self.rt
        assert rt is not None
        try:
            for woman in women:
                if rt.inbox.pending(woman.pid) or rt.outbox.pending(woman.pid):
                    return False
                if rt.outbox.pending(rt.keys.proactive_mailbox(woman.pid)):
                    return False
            return all(q.stats().get("active", 0) == 0 for q in (rt.inbox, rt.outbox))
        except Exception:  # Redis restarting
            return False

    def scrape_metrics(self, env: dict[str, str]) -> list[str]:
        url = f"http://127.0.0.1:{self.ports['web-1']}/metrics"
        headers = {"Authorization": f"Bearer {env.get('METRICS_TOKEN', '')}"}
        try:
            response = requests.get(url, headers=headers, timeout=10)
        except requests.RequestException as exc:
            return [f"/metrics: {type(exc).__name__}"]
        if response.status_code != 200:
            return [f"/metrics: HTTP {response.status_code} (no metrics endpoint)"]
        return [
            line
            for line in response.text.splitlines()
            if line
            and not line.startswith("#")
            and any(w in line.split("{")[0].split(" ")[0] for w in METRIC_WORDS)
            and not line.split("{")[0].endswith(("_created", "_bucket"))
        ]

    # -- printing ----------------------------------------------------------------------------------
    def print_report(
        self,
        report: Report,
        load: Load,
        faulted: list,
        requests_made: int,
        drained: bool,
        drain_seconds: float,
        metrics: list[str],
    ) -> None:
        assert self.injector is not None
        say()
        say("=== faults injected (seconds since the load began) ===")
        for fault in self.injector.injected:
            outcome = fault.detail or f"ERROR {fault.error}"
            say(f"  +{fault.began:6.1f} .. +{fault.ended:6.1f}  {fault.kind:14} {outcome}")
        kinds: dict[str, list[float]] = {}
        for at, fault in faulted:
            kinds.setdefault(fault.kind, []).append(at - load.started)
        say(f"  Twilio endpoint: {requests_made} send requests; faults met:")
        for kind, times in sorted(kinds.items()):
            first, last = min(times), max(times)
            say(f"    {kind:12} x{len(times):4}  (first +{first:.1f} s, last +{last:.1f} s)")

        total = report.accepted + report.never_accepted
        sending = max(report.last_accept - report.first_accept, 1e-9)
        span = max(report.last_delivery - report.first_delivery, 1e-9)
        refused = ", ".join(f"{k} x{v}" for k, v in report.refused_attempts.most_common())
        dead = report.deadletters
        say()
        say("=== figures ===")
        row("webhooks sent", total)
        row("messages accepted (200)", f"{report.accepted} ({report.never_accepted} never)")
        row(
            "webhook attempts refused",
            f"{sum(report.refused_attempts.values())}"
            + (f" ({refused}; {report.retried} messages retried)" if refused else ""),
        )
        row("sending took", f"{sending:.1f} s ({report.accepted / sending:.2f} msg/s)")
        row("drained after the load", f"{'yes' if drained else 'NO'} ({drain_seconds:.0f} s)")
        row("replies delivered", f"{report.replies} (all sends at Twilio: {report.deliveries})")
        row("reply throughput", f"{report.replies / span:.2f} replies/s over {span:.0f} s")
        if report.latencies:
            p50, p90 = percentile(report.latencies, 50), percentile(report.latencies, 90)
            row(
                "reply latency",
                f"p50 {p50:.2f} s, p90 {p90:.2f} s, max {max(report.latencies):.1f} s "
                f"(n={len(report.latencies)})",
            )
        row("handed to a person", f"{report.handed} (no bot reply due)")
        row("answered with the apology", f"{report.apologies} (dead-lettered messages)")
        row("dead letters", f"inbox {dead['inbox']}, outbox {dead['outbox']}")
        if report.unmapped_deliveries:
            row("deliveries not in the AOF", report.unmapped_deliveries)
        log = report.log
        if log is not None:
            row(
                "AOF read",
                f"{log.commands} commands, {len(log.inbound)} inbound pushes, "
                f"{len(log.outbound)} outbox entries" + (" (torn tail)" if log.truncated else ""),
            )
            if len(self.redis_server.base_files()) > 1:
                say("  WARNING: the AOF was rewritten during the run; the log may be incomplete")
        say()
        say("=== invariants ===")
        lost = ", ".join(f"{r}: {n}" for r, n in report.lost_reasons.items())
        dups = (
            f"{report.duplicates_same_entry} same entry, {report.duplicates_same_reply} same reply"
        )
        tickets = (
            f"{report.tickets_sql_not_redis} only in SQL, {report.tickets_redis_not_sql} only "
            "in Redis"
        )
        rows = (
            ("lost (accepted, not answered nor handed to a person)", report.lost, lost),
            ("duplicates (same entry / same reply twice)", report.duplicates, dups),
            (
                "out of order (per participant)",
                report.out_of_order,
                f"{report.out_of_order_women} participants",
            ),
            (f"erasure leftovers ({report.erased} erased)", report.erasure_leftovers, ""),
            (
                f"waiting-ticket mismatches ({report.tickets_waiting} waiting)",
                report.ticket_mismatches,
                tickets,
            ),
        )
        for name, value, detail in rows:
            verdict = "ok" if value == 0 else "FAIL"
            say(f"  {name:56} {value:5}  {verdict}" + (f"  ({detail})" if value and detail else ""))
        say()
        say("=== /metrics (web-1), send / retry / dead-letter counters ===")
        for line in metrics or ["(no such counters)"]:
            say(f"  {line}")
        say(
            f"  (this run's own count: {report.deliveries} sends reached Twilio of "
            f"{requests_made} requests, {len(faulted)} met an injected fault; dead letters "
            f"inbox {dead['inbox']} / outbox {dead['outbox']})"
        )

    def print_evidence(self, report: Report, women: list[Woman], sent: list[Sent]) -> None:
        if not report.findings:
            return
        assert self.stack is not None
        by_pid = {w.pid: w for w in women}
        say()
        say("=== evidence ===")
        shown: dict[str, int] = {}
        for finding in report.findings:
            shown[finding.kind] = shown.get(finding.kind, 0) + 1
            if shown[finding.kind] > 8:
                continue
            say(f"- [{finding.kind}] {finding.summary}")
            woman = by_pid.get(finding.participant)
            if woman is not None:
                say(f"  participant {woman.pid[:16]}… ({woman.her.channel}), her messages:")
                for hook in woman.hooks:
                    statuses = ",".join(s for _, s in hook.attempts)
                    say(f"    #{hook.k + 1} {hook.sid} {hook.text!r} [{statuses}]")
                say("  what reached Twilio for her, in order:")
                for item in (x for x in sent if x.to == woman.address):
                    body = item.body.replace("\n", " / ")
                    say(f"    {outbox_id_of(item)} {body[:90]!r}")
            for line in grep_logs(self.stack.log_dir, finding.terms):
                say(f"    {line}")
        for kind, count in shown.items():
            if count > 8:
                say(f"  ({count - 8} more {kind} findings not shown)")


def _progress(total: int):  # type: ignore[no-untyped-def]
    step = max(1, total // 10)

    def report(done: int, _total: int) -> None:
        if done % step == 0 or done == total:
            say(f"  sent {done}/{total}")

    return report


def main(argv: list[str] | None = None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    # A SIGTERM (like Ctrl-C) still tears everything down: every process, Redis, the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    return Run(options).main()


if __name__ == "__main__":
    sys.exit(main())
