"""A year of a busy helpline for the reports benchmark (bench/reports.py), bulk-loaded into
PostgreSQL with COPY: participants, messages (with intents, fallbacks, delivery statuses and
error codes, case workers' replies, reminder messages), handoff events, ratings, reminder
subscriptions, outcomes, opt-outs and erasures. Seeded: the same data every run.

Shapes, roughly as the programme expects them: a woman writes in a few sessions over the year
(heavy-tailed: most a handful of messages, some hundreds), 70 % on WhatsApp; answers are the
bot's own texts from content/ (so SMS texts repeat, as they do), about one in twenty a case
worker's; 5 % of tickets urgent.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import psycopg

from bot.content.store import ContentStore
from bot.store.models import REMINDER_OUTBOX_PREFIX

YEAR_START = datetime(2026, 1, 1, 5, 0, tzinfo=UTC)  # midnight in Bogotá
YEAR_SECONDS = 365 * 86400
INTENTS = (
    ("ask_courses", 18), ("ask_credential_validation", 12), ("ask_scholarships", 10),
    ("ask_credit", 10), ("ask_employment", 8), ("ask_entrepreneurship", 6), ("greet", 10),
    ("thank", 5), ("affirm", 5), ("deny", 2), ("ask_migration_status", 5), ("inform", 4),
    ("request_human", 3), ("ask_psych_support", 1), ("out_of_scope", 1),
)  # fmt: skip
OUT_STATUSES = (
    ("delivered", 80), ("read", 10), ("sent", 4), ("failed", 3), ("undelivered", 2),
    ("suppressed", 1),
)  # fmt: skip
ERROR_CODES = (30003, 30005, 30006, 30007, 21610, 63016)
OUTCOME_KINDS = (
    "referred_to_course", "course_enrolled", "course_completed", "scholarship_applied",
    "scholarship_granted", "credential_started", "apostille_done", "convalidation_filed",
    "credential_obtained", "credit_referral", "credit_granted", "business_started",
    "job_placement", "psychosocial_referral",
)  # fmt: skip
INBOUND_TEXTS = (
    "hola", "quiero info de cursos", "como valido mi titulo", "hay becas?", "necesito un credito",
    "gracias", "si", "no", "menu", "1", "2", "quiero hablar con una asesora", "buenas tardes",
)  # fmt: skip


@dataclass(frozen=True)
class Sizes:
    participants: int = 50_000
    messages: int = 1_000_000
    tickets: int = 20_000


def _choice(rng: np.random.Generator, weighted: tuple, n: int) -> np.ndarray:  # type: ignore[type-arg]
    names = [w[0] for w in weighted]
    p = np.array([w[1] for w in weighted], dtype=float)
    return rng.choice(len(names), size=n, p=p / p.sum())


def bot_texts() -> list[str]:
    """What the bot says, from content/ (every response variant and system text)."""
    snapshot = ContentStore().snapshot()
    texts = [v["text"] for variants in snapshot.responses.values() for v in variants]
    texts += [t for t in snapshot.system.values() if "{" not in t]
    return [t for t in texts if t.strip()]


def _moment(seconds: float) -> datetime:
    return YEAR_START + timedelta(seconds=float(seconds))


def generate(connection: psycopg.Connection, sizes: Sizes, seed: int = 15) -> dict[str, int]:
    """Load everything; returns the row count of each table."""
    rng = np.random.default_rng(seed)
    counts: dict[str, int] = {}
    n_p, n_m, n_t = sizes.participants, sizes.messages, sizes.tickets
    pids = [f"p{i:07d}" + "0" * 56 for i in range(n_p)]
    first = rng.uniform(0, YEAR_SECONDS * 0.95, n_p)
    channel_of = np.where(rng.random(n_p) < 0.7, "whatsapp", "sms")

    # Tickets first: each case worker's reply is one of the messages.
    t_owner = rng.integers(0, n_p, n_t)
    t_joined = np.minimum(first[t_owner] + rng.exponential(20 * 86400, n_t), YEAR_SECONDS - 1)
    t_urgent = rng.random(n_t) < 0.05
    t_wait = np.where(t_urgent, rng.exponential(120, n_t), rng.exponential(900, n_t))
    t_claimed = rng.random(n_t) < 0.9
    t_fate = rng.random(n_t)  # < 0.8 resolved, < 0.9 abandoned, else still open
    t_replied = t_claimed & (rng.random(n_t) < 0.95)
    t_reply_at = t_joined + t_wait + rng.exponential(300, n_t)
    t_resolved_at = t_reply_at + rng.exponential(3600, n_t)

    # Messages come in sessions (a conversation: a few messages minutes apart), heavy-tailed
    # over the women; every woman has at least one. Stored in time order, as the helpline
    # writes them.
    n_replies = int(t_replied.sum())
    n_rest = n_m - n_p - n_replies
    sizes_ = 1 + rng.geometric(1 / 8, n_rest // 4)
    sizes_ = sizes_[np.cumsum(sizes_) <= n_rest]
    if n_rest > sizes_.sum():
        sizes_ = np.append(sizes_, n_rest - sizes_.sum())
    weights = rng.pareto(1.5, n_p) + 1
    session_owner = rng.choice(n_p, sizes_.size, p=weights / weights.sum())
    session_start = np.minimum(
        first[session_owner] + rng.exponential(40 * 86400, sizes_.size), YEAR_SECONDS - 3600
    )
    session_of = np.repeat(np.arange(sizes_.size), sizes_)
    running = np.cumsum(rng.exponential(60, n_rest))  # a minute or so between messages
    within = running - np.repeat(running[np.cumsum(sizes_) - sizes_], sizes_)
    owner = np.concatenate([np.arange(n_p), session_owner[session_of], t_owner[t_replied]])
    created = np.concatenate([first, session_start[session_of] + within, t_reply_at[t_replied]])
    created = np.minimum(created, YEAR_SECONDS - 1)
    size = owner.size
    worker = np.concatenate([np.zeros(n_p + n_rest, bool), np.ones(n_replies, bool)])
    inbound = np.concatenate(
        [np.ones(n_p, bool), rng.random(n_rest) < 0.5, np.zeros(n_replies, bool)]
    )
    intents = _choice(rng, INTENTS, size)
    has_intent = inbound & (rng.random(size) < 0.8)
    fallback = rng.random(size) < 0.12
    statuses = _choice(rng, OUT_STATUSES, size)
    codes = rng.choice(len(ERROR_CODES), size)
    switch = np.concatenate([np.zeros(n_p, bool), (rng.random(sizes_.size) < 0.05)[session_of],
                             np.zeros(n_replies, bool)])  # fmt: skip
    texts = bot_texts()
    text_pick = rng.integers(0, len(texts), size)
    reminder = (~inbound) & (~worker) & (rng.random(size) < 0.01)
    inbound_pick = rng.integers(0, len(INBOUND_TEXTS), size)
    in_time_order = np.argsort(created, kind="stable")

    def message_rows() -> Iterator[tuple]:  # type: ignore[type-arg]
        for n, i in enumerate(in_time_order):
            p = int(owner[i])
            channel = "sms" if switch[i] else channel_of[p]
            at = _moment(created[i])
            if inbound[i]:
                intent = INTENTS[intents[i]][0] if has_intent[i] else None
                yield (
                    pids[p], "in", channel, INBOUND_TEXTS[inbound_pick[i]], at, f"SM{n:032x}",
                    None, "received", None, 0, intent, 0.9 if intent else None,
                    bool(fallback[i]) if intent else None,
                )  # fmt: skip
                continue
            if worker[i]:
                text, status = f"Hola, soy Ana, asesora de ALMAS. Caso {n}.", "delivered"
            else:
                text, status = texts[text_pick[i]], OUT_STATUSES[statuses[i]][0]
            prefix = REMINDER_OUTBOX_PREFIX if reminder[i] else "out_"
            failed = status in ("failed", "undelivered")
            sid = None if status == "suppressed" else f"SM{n:032x}"
            yield (
                pids[p], "out", channel, text, at, sid,
                f"{prefix}{n:032x}", status, int(ERROR_CODES[codes[i]]) if failed else None, 0,
                None, None, None,
            )  # fmt: skip

    # A woman's first message is her first_seen (the replies come after it).
    first_seen = np.full(n_p, np.inf)
    np.minimum.at(first_seen, owner, created)
    opted = rng.random(n_p) < 0.03
    opted_at = np.minimum(first_seen + rng.exponential(60 * 86400, n_p), YEAR_SECONDS - 1)

    with connection.cursor() as cursor:
        with cursor.copy(
            "COPY participants (id, channel, first_seen, last_seen, opted_out_at, "
            "consent_version, consented_at) FROM STDIN"
        ) as copy:
            for p in range(n_p):
                seen = _moment(first_seen[p])
                opted_out = _moment(opted_at[p]) if opted[p] else None
                copy.write_row((pids[p], channel_of[p], seen, seen, opted_out, "v1", seen))
        counts["participants"] = n_p
        with cursor.copy(
            "COPY messages (participant_id, direction, channel, text, created_at, twilio_sid, "
            "outbox_id, status, error_code, num_media, intent, intent_confidence, fallback) "
            "FROM STDIN"
        ) as copy:
            written = 0
            for row in message_rows():
                copy.write_row(row)
                written += 1
        counts["messages"] = written

        events, ratings = [], []
        for k in range(n_t):
            tid, p = f"t{k:09d}", pids[int(t_owner[k])]
            priority = "urgent" if t_urgent[k] else "normal"
            joined = float(t_joined[k])
            events.append((tid, p, "waiting", priority, None, _moment(joined)))
            if not t_claimed[k]:
                if t_fate[k] < 0.5:
                    events.append((tid, p, "abandoned", priority, None, _moment(joined + 600)))
                continue
            claimed_at = joined + float(t_wait[k])
            events.append((tid, p, "claimed", priority, "ana@almas.org", _moment(claimed_at)))
            if t_fate[k] < 0.8:
                resolved_at = float(t_resolved_at[k])
                events.append((tid, p, "resolved", priority, "ana@almas.org", _moment(resolved_at)))
                if rng.random() < 0.5:
                    score = int(rng.choice(5, p=[0.04, 0.04, 0.12, 0.3, 0.5])) + 1
                    ratings.append((tid, p, score, _moment(resolved_at + 3600)))
            elif t_fate[k] < 0.9:
                events.append((tid, p, "abandoned", priority, None, _moment(claimed_at + 900)))
        with cursor.copy(
            "COPY handoff_events (ticket_id, participant_id, status, priority, case_worker, at) "
            "FROM STDIN"
        ) as copy:
            for event in events:
                copy.write_row(event)
        counts["handoff_events"] = len(events)
        with cursor.copy(
            "COPY handoff_ratings (ticket_id, participant_id, rating, at) FROM STDIN"
        ) as copy:
            for rating in ratings:
                copy.write_row(rating)
        counts["handoff_ratings"] = len(ratings)

        n_r = n_p // 5
        owners = rng.choice(n_p, n_r, replace=False)
        decisions = ("queued", "queued", "queued", "no_consent", "opted_out", "no_address")
        with cursor.copy(
            "COPY reminder_subscriptions (participant_id, scholarship_id, created_at, "
            "reminded_at, reminder_outcome) FROM STDIN"
        ) as copy:
            for p in owners:
                made = float(first_seen[p]) + float(rng.exponential(86400))
                decided = rng.random() < 0.8
                copy.write_row(
                    (
                        pids[int(p)], "beca-1", _moment(min(made, YEAR_SECONDS - 1)),
                        _moment(min(made + 3 * 86400, YEAR_SECONDS - 1)) if decided else None,
                        decisions[int(rng.integers(0, len(decisions)))] if decided else None,
                    )
                )  # fmt: skip
        counts["reminder_subscriptions"] = n_r

        n_o = n_p * 3 // 10
        with cursor.copy(
            "COPY outcomes (participant_id, kind, happened_on, recorded_by, recorded_at) FROM STDIN"
        ) as copy:
            for _ in range(n_o):
                p = int(rng.integers(0, n_p))
                day = _moment(float(first_seen[p]) + float(rng.exponential(60 * 86400)))
                day = min(day, _moment(YEAR_SECONDS - 1))
                kind = OUTCOME_KINDS[int(rng.integers(0, len(OUTCOME_KINDS)))]
                copy.write_row((pids[p], kind, (day - timedelta(hours=5)).date(), "ana", day))
        counts["outcomes"] = n_o

        with cursor.copy("COPY erasure_audit (at, reason, removed) FROM STDIN") as copy:
            for _ in range(n_p // 100):
                at = _moment(float(rng.uniform(0, YEAR_SECONDS)))
                copy.write_row((at, "participant_request", '{"messages": 12}'))
        counts["erasure_audit"] = n_p // 100
    connection.commit()
    return counts


def quarter(year: int = 2026, q: int = 3) -> tuple[date, date]:
    first = date(year, 3 * (q - 1) + 1, 1)
    last = (date(year + (q == 4), (3 * q) % 12 + 1, 1)) - timedelta(days=1)
    return first, last
