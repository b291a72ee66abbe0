"""The chaos run's invariants, checked once the queues drained.

Sources: what the load sent and which webhooks answered 200 (bench/chaos_load.py); what
reached the local Twilio endpoint (each send names its outbox entry in its StatusCallback,
`?outbox_id=…`); Redis's append-only log, which holds every item ever pushed to a mailbox —
each outbox entry with the MessageSid it answers (`reply_to`) and the atomic step (MULTI/EXEC
of a script) that pushed it — read after the run, since nothing else records which entry
answers which message; the live Redis and SQL through the engine's own classes.

- lost: a message accepted with 200 that got no reply at Twilio and was not handed to a
  person (her words stored in the transcript while she had a ticket, no bot reply due);
- duplicates: a delivery of an outbox entry already delivered, and the same reply (the same
  text answering the same message) delivered under two entries pushed in different steps
  (her message answered twice);
- out of order: among one participant's replies as Twilio received them, a reply to message k
  after a reply to a later message, or an entry sent before one queued ahead of it;
- erasure leftovers: after BORRAR, anything of hers in SQL (HER_ROWS, participants) or Redis
  (Keys.participant_keys, any key or value naming her but erasure's own mark and the
  per-minute counter, tickets, dead letters);
- waiting tickets: every ticket whose latest SQL status (handoff_events) is waiting is in the
  Redis line, and every ticket in the line is waiting in SQL.
"""

from __future__ import annotations

import inspect
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import redis
from sqlalchemy import func, select

from bench.chaos_load import Webhook, Woman
from bot.handoff.queue import EXPIRED, WAITING
from bot.runtime import Runtime
from bot.store.models import HER_ROWS, HandoffEvent, Message, Participant
from tests.support.twilio_endpoint import Sent


# -- Redis's append-only log -------------------------------------------------------------------
@dataclass(frozen=True)
class Pushed:
    """One outbox entry as it was first queued."""

    id: str
    participant: str
    reply_to: str
    body: str
    seq: int  # order of the push in the log (all pushes of the run)
    step: int  # the atomic step (a script's MULTI…EXEC) that pushed it


@dataclass
class Log:
    outbound: dict[str, Pushed] = field(default_factory=dict)
    inbound: dict[str, int] = field(default_factory=dict)  # MessageSid -> seq of its push
    commands: int = 0
    truncated: bool = False


def _commands(data: bytes) -> Iterator[list[bytes]]:
    """RESP arrays, as the AOF holds them; stops at a torn tail."""
    i, end = 0, len(data)
    while i < end:
        if data[i : i + 1] != b"*":
            raise ValueError(f"unexpected byte at {i}")
        j = data.index(b"\r\n", i)
        count = int(data[i + 1 : j])
        i = j + 2
        args = []
        for _ in range(count):
            j = data.index(b"\r\n", i)
            length = int(data[i + 1 : j])
            i = j + 2
            if i + length + 2 > end:
                raise ValueError("torn tail")
            args.append(data[i : i + length])
            i += length + 2
        yield args


def read_log(files: list[Path]) -> Log:
    log = Log()
    seq = step = 0
    in_multi = False
    for path in files:
        try:
            for args in _commands(path.read_bytes()):
                log.commands += 1
                name = args[0].upper()
                if name == b"MULTI":
                    in_multi, step = True, step + 1
                    continue
                if name == b"EXEC":
                    in_multi = False
                    continue
                if not in_multi:
                    step += 1
                if name != b"RPUSH":
                    continue
                for raw in args[2:]:
                    seq += 1
                    _note(log, raw, seq, step)
        except ValueError:
            log.truncated = True
    return log


def _note(log: Log, raw: bytes, seq: int, step: int) -> None:
    if not raw.startswith(b"{"):
        return
    try:
        item = json.loads(raw)
    except ValueError:
        return
    if not isinstance(item, dict):
        return
    if "message_sid" in item and "address" in item:  # an inbound message (bot/core/messages.py)
        log.inbound.setdefault(str(item["message_sid"]), seq)
    elif "reply_to" in item and str(item.get("id", "")).startswith("out_"):  # an outbox entry
        if item["id"] not in log.outbound:  # a later push is the same entry moved
            log.outbound[item["id"]] = Pushed(
                id=item["id"],
                participant=str(item.get("participant", "")),
                reply_to=str(item.get("reply_to", "")),
                body=str(item.get("body", "")),
                seq=seq,
                step=step,
            )


def outbox_id_of(sent: Sent) -> str:
    return parse_qs(urlsplit(sent.status_callback).query).get("outbox_id", [""])[0]


# -- the engine's public methods, whichever shape they have today ---------------------------------
def is_done(queue, participant: str, item_id: str) -> bool:  # type: ignore[no-untyped-def]
    if len(inspect.signature(queue.is_done).parameters) >= 2:
        return bool(queue.is_done(participant, item_id))
    return bool(queue.is_done(item_id))


# -- the report --------------------------------------------------------------------------------
@dataclass
class Finding:
    kind: str
    summary: str
    participant: str = ""
    terms: tuple[str, ...] = ()  # what to look for in the logs (message sids, entry ids)


@dataclass
class Report:
    accepted: int = 0
    never_accepted: int = 0
    refused_attempts: Counter = field(default_factory=Counter)
    retried: int = 0
    replies: int = 0
    deliveries: int = 0
    handed: int = 0
    apologies: int = 0  # answered only with the apology: her message was dead-lettered
    lost: int = 0
    lost_reasons: Counter = field(default_factory=Counter)
    duplicates_same_entry: int = 0
    duplicates_same_reply: int = 0
    out_of_order: int = 0
    out_of_order_women: int = 0
    erased: int = 0
    erasure_leftovers: int = 0
    tickets_sql_not_redis: int = 0
    tickets_redis_not_sql: int = 0
    tickets_waiting: int = 0
    unmapped_deliveries: int = 0
    latencies: list[float] = field(default_factory=list)
    first_accept: float = 0.0
    last_accept: float = 0.0
    first_delivery: float = 0.0
    last_delivery: float = 0.0
    deadletters: dict[str, int] = field(default_factory=dict)
    log: Log | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        return self.duplicates_same_entry + self.duplicates_same_reply

    @property
    def ticket_mismatches(self) -> int:
        return self.tickets_sql_not_redis + self.tickets_redis_not_sql

    def failed(self) -> list[str]:
        failures = []
        if self.lost:
            failures.append(f"{self.lost} lost")
        if self.duplicates:
            failures.append(f"{self.duplicates} duplicates")
        if self.out_of_order:
            failures.append(f"{self.out_of_order} out of order")
        if self.erasure_leftovers:
            failures.append(f"{self.erasure_leftovers} erasure leftovers")
        if self.ticket_mismatches:
            failures.append(f"{self.ticket_mismatches} waiting-ticket mismatches")
        return failures


def check(
    rt: Runtime,
    women: list[Woman],
    sent: list[Sent],
    log: Log,
) -> Report:
    report = Report(log=log)
    hooks = [h for w in women for h in w.hooks]
    by_sid = {h.sid: h for h in hooks}
    by_pid = {w.pid: w for w in women}
    _webhooks(report, hooks)

    # What reached Twilio for her: (order of arrival, entry id, Sent); the first delivery of
    # each entry counts, a later one is a duplicate.
    addresses = {w.address for w in women}
    delivered: dict[str, tuple[int, Sent]] = {}
    seen: Counter = Counter()
    for index, item in enumerate(sent):
        entry = outbox_id_of(item)
        seen[entry] += 1
        if seen[entry] > 1:
            report.duplicates_same_entry += 1
            report.findings.append(
                Finding(
                    "duplicate",
                    f"entry {entry} delivered {seen[entry]} times (to {item.to[-4:]}, "
                    f"body {item.body[:60]!r})",
                    _pid_of(log, entry),
                    (entry,),
                )
            )
            continue
        if item.to in addresses:
            delivered[entry] = (index, item)
    report.deliveries = len(sent)
    report.deadletters = {
        "inbox": len(rt.inbox.deadletters()),
        "outbox": len(rt.outbox.deadletters()),
    }

    answers: dict[str, list[tuple[int, Sent, Pushed]]] = defaultdict(list)
    for entry, (index, item) in delivered.items():
        pushed = log.outbound.get(entry)
        if pushed is None:
            report.unmapped_deliveries += 1
            continue
        if pushed.reply_to in by_sid:
            answers[pushed.reply_to].append((index, item, pushed))
    report.replies = sum(len(v) for v in answers.values())
    if delivered:
        times = [item.at for _, item in delivered.values()]
        report.first_delivery, report.last_delivery = min(times), max(times)

    _dead_letters(rt, report, by_sid)
    _same_reply_twice(report, answers, by_sid)
    _lost(rt, report, hooks, answers, log)
    _order(report, women, answers)
    _erasure(rt, report, [w for w in women if w.eraser and w.hooks[-1].accepted], by_pid)
    _tickets(rt, report)
    return report


def _dead_letters(rt: Runtime, report: Report, by_sid: dict[str, Webhook]) -> None:
    """Her messages the worker gave up on (she was sent the apology instead of an answer): not
    lost, but not answered either — each shown with why."""
    for dead in rt.inbox.deadletters():
        try:
            sid = str(json.loads(dead.item).get("message_sid", ""))
        except ValueError:
            sid = ""
        hook = by_sid.get(sid)
        if hook is None:
            continue
        report.apologies += 1
        report.findings.append(
            Finding(
                "dead letter",
                f"message {sid} #{hook.k + 1} {hook.text!r} dead-lettered after {dead.attempts} "
                f"attempts ({dead.reason[:120]}); she got the apology",
                dead.participant,
                (sid, dead.participant),
            )
        )


def _pid_of(log: Log, entry: str) -> str:
    pushed = log.outbound.get(entry)
    return pushed.participant if pushed else ""


def _webhooks(report: Report, hooks: list[Webhook]) -> None:
    for hook in hooks:
        refused = [status for _, status in hook.attempts if status != "200"]
        report.refused_attempts.update(refused)
        if refused:
            report.retried += 1
        if hook.accepted:
            report.accepted += 1
        else:
            report.never_accepted += 1
    accepted = [h.accepted_at for h in hooks if h.accepted_at is not None]
    if accepted:
        report.first_accept = min(h.attempts[0][0] for h in hooks if h.attempts)
        report.last_accept = max(accepted)


def _same_reply_twice(
    report: Report, answers: dict[str, list[tuple[int, Sent, Pushed]]], by_sid: dict
) -> None:
    for sid, delivered in answers.items():
        by_body: dict[str, list[Pushed]] = defaultdict(list)
        for _, _, pushed in delivered:
            by_body[pushed.body].append(pushed)
        for body, entries in by_body.items():
            steps = {p.step for p in entries}
            if len(steps) > 1:
                report.duplicates_same_reply += len(steps) - 1
                report.findings.append(
                    Finding(
                        "duplicate",
                        f"message {sid} ({by_sid[sid].text!r}) answered twice with {body[:60]!r}: "
                        f"entries {', '.join(p.id for p in entries)} pushed in different steps",
                        entries[0].participant,
                        (sid, *(p.id for p in entries)),
                    )
                )


def _lost(
    rt: Runtime,
    report: Report,
    hooks: list[Webhook],
    answers: dict[str, list[tuple[int, Sent, Pushed]]],
    log: Log,
) -> None:
    unanswered = [h for h in hooks if h.accepted and h.sid not in answers]
    stored: set[str] = set()
    with_ticket: set[str] = set()
    if unanswered:
        with rt.sessions() as session:
            sids = [h.sid for h in unanswered]
            stored = set(
                session.scalars(select(Message.twilio_sid).where(Message.twilio_sid.in_(sids)))
            )
            pids = list({h.woman.pid for h in unanswered})
            with_ticket = set(
                session.scalars(
                    select(HandoffEvent.participant_id).where(HandoffEvent.participant_id.in_(pids))
                )
            )
    for hook in hooks:
        if not hook.accepted:
            continue
        if hook.sid in answers:
            first = min(item.at for _, item, _ in answers[hook.sid])
            report.latencies.append(first - (hook.accepted_at or first))
            continue
        pid = hook.woman.pid
        done = is_done(rt.inbox, pid, hook.sid)
        if done and hook.sid in stored and pid in with_ticket:
            report.handed += 1
            continue
        queued = [p for p in log.outbound.values() if p.reply_to == hook.sid]
        if hook.sid not in log.inbound:
            reason = "accepted (200) but never queued in her inbox"
        elif any(json.loads(i).get("message_sid") == hook.sid for i in rt.inbox.pending(pid)):
            reason = "still in her inbox"
        elif any(hook.sid in d.item for d in rt.inbox.deadletters()):
            reason = "dead-lettered in the inbox"
        elif queued:
            pending = rt.outbox.pending(pid)
            if any(p.id in item for p in queued for item in pending):
                reason = "replies still in her outbox"
            elif any(p.id in d.item for p in queued for d in rt.outbox.deadletters()):
                reason = "replies dead-lettered in the outbox"
            else:
                reason = "replies queued but never delivered"
        elif done:
            reason = "processed, no reply, not handed to a person"
        else:
            reason = "not processed, not pending"
        report.lost += 1
        report.lost_reasons[reason] += 1
        report.findings.append(
            Finding(
                "lost",
                f"message {hook.sid} #{hook.k + 1} {hook.text!r}: {reason}"
                + (f" (entries {', '.join(p.id for p in queued)})" if queued else ""),
                pid,
                (hook.sid, *(p.id for p in queued)),
            )
        )


def _order(
    report: Report, women: list[Woman], answers: dict[str, list[tuple[int, Sent, Pushed]]]
) -> None:
    k_of = {h.sid: h.k for w in women for h in w.hooks}
    arrivals: dict[str, list[tuple[int, Pushed]]] = defaultdict(list)
    for delivered in answers.values():
        for index, _, pushed in delivered:
            arrivals[pushed.participant].append((index, pushed))
    for pid, items in arrivals.items():
        items.sort(key=lambda pair: pair[0])
        bad = 0
        latest_k, latest_seq, latest = -1, -1, None
        for _, pushed in items:
            k = k_of[pushed.reply_to]
            if latest is not None and (k < latest_k or pushed.seq < latest_seq):
                bad += 1
                report.findings.append(
                    Finding(
                        "order",
                        f"entry {pushed.id} (reply to message #{k + 1}) reached Twilio after "
                        f"{latest.id} (reply to message #{latest_k + 1}, queued "
                        f"{'later' if pushed.seq < latest_seq else 'earlier'})",
                        pid,
                        (pushed.id, latest.id, pushed.reply_to, latest.reply_to),
                    )
                )
            if k >= latest_k and pushed.seq >= latest_seq:
                latest_k, latest_seq, latest = k, pushed.seq, pushed
        if bad:
            report.out_of_order += bad
            report.out_of_order_women += 1


def _redis_dump(client: redis.Redis) -> dict[str, str]:
    """Every key of the run's own Redis with its content as text (to look for her id)."""
    dump: dict[str, str] = {}
    for key in client.scan_iter(count=1000):
        kind = client.type(key)
        if kind == "string":
            value: object = client.get(key)
        elif kind == "hash":
            value = client.hgetall(key)
        elif kind == "list":
            value = client.lrange(key, 0, -1)
        elif kind == "set":
            value = sorted(client.smembers(key))
        elif kind == "zset":
            value = client.zrange(key, 0, -1)
        else:
            value = ""
        dump[key] = str(value)
    return dump


def _erasure(rt: Runtime, report: Report, erased: list[Woman], by_pid: dict) -> None:
    report.erased = len(erased)
    if not erased:
        return
    client = redis.Redis.from_url(rt.settings.redis_url, decode_responses=True)
    try:
        dump = _redis_dump(client)
    finally:
        client.close()
    tickets = rt.handoff.waiting() + rt.handoff.claimed()
    dead = rt.inbox.deadletters() + rt.outbox.deadletters()
    with rt.sessions() as session:
        for woman in erased:
            pid = woman.pid
            left: list[str] = []
            for model in (Participant, *HER_ROWS):
                column = Participant.id if model is Participant else model.participant_id
                n = int(session.scalar(select(func.count()).where(column == pid)) or 0)
                if n:
                    left.append(f"SQL {model.__tablename__}: {n} rows")
            left += [f"Redis key {k}" for k in rt.keys.participant_keys(pid) if k in dump]
            allowed = {rt.keys.erased(pid)}
            rate = rt.keys.sender_rate(pid, 0).rsplit(":", 1)[0]
            named = [
                k for k, v in dump.items()
                if (pid in k or pid in v) and k not in allowed and not k.startswith(rate)
                and k not in rt.keys.participant_keys(pid)
            ]  # fmt: skip
            left += [f"Redis key naming her: {k}" for k in named]
            left += [f"ticket {t.id} ({t.status})" for t in tickets if t.participant == pid]
            left += [f"dead letter ({d.queue})" for d in dead if d.participant == pid]
            if left:
                report.erasure_leftovers += len(left)
                report.findings.append(
                    Finding("erasure", "after BORRAR: " + "; ".join(left), pid, (pid,))
                )


def _tickets(rt: Runtime, report: Report) -> None:
    latest: dict[str, str] = {}
    with rt.sessions() as session:
        for ticket_id, status in session.execute(
            select(HandoffEvent.ticket_id, HandoffEvent.status).order_by(HandoffEvent.id)
        ):
            latest[ticket_id] = status
    waiting_sql = {t for t, s in latest.items() if s in (WAITING, EXPIRED)}
    waiting_redis = {t.id for t in rt.handoff.waiting()}
    report.tickets_waiting = len(waiting_sql)
    for ticket in sorted(waiting_sql - waiting_redis):
        report.tickets_sql_not_redis += 1
        report.findings.append(
            Finding(
                "ticket", f"ticket {ticket} waiting in SQL, not in the Redis line", "", (ticket,)
            )
        )
    for ticket in sorted(waiting_redis - waiting_sql):
        report.tickets_redis_not_sql += 1
        report.findings.append(
            Finding(
                "ticket",
                f"ticket {ticket} in the Redis line, SQL says {latest.get(ticket, 'nothing')!r}",
                "",
                (ticket,),
            )
        )


def grep_logs(log_dir: Path, terms: tuple[str, ...], limit: int = 12) -> list[str]:
    """Log lines (of every process) naming any of `terms`."""
    if not terms:
        return []
    pattern = re.compile("|".join(re.escape(t) for t in terms if t))
    found = []
    for path in sorted(log_dir.glob("*.log")):
        for line in path.read_text(errors="replace").splitlines():
            if pattern.search(line):
                found.append(f"{path.stem}: {line[:300]}")
    if len(found) <= limit:
        return found
    return [*found[: limit - 1], f"… {len(found) - limit + 1} more lines"]
