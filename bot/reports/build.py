"""Build the report in two steps: `fetch` runs the aggregates (`queries`; I/O), and
`report_from` turns them into named tables of suppressed figures (`model`; pure). What each
figure means is said once, in each table's note (the page and the exports show it) and in the
README.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from bot.content.store import Snapshot
from bot.outbound.sms import GSM7, UCS2, encoding, segments
from bot.reports import queries
from bot.reports.model import (
    ALL,
    KEY,
    MINUTES,
    MONEY,
    NUMBER,
    PROTECTING,
    SHARE,
    TEXT,
    Chart,
    Column,
    Figure,
    Filters,
    Report,
    Table,
    marker,
    shown,
    table,
)
from bot.reports.period import DAY, Period
from bot.reports.stats import minutes, percentile, rounded

NO_CODE = "sin código"  # a failure without a Twilio error code (a Spanish source string)
# PostgreSQL's memory for the report's hash aggregates (the default 4MB spills a quarter's
# messages to disk).
WORK_MEM = "64MB"
# The big aggregates, by connection (about as long as each other on a million messages).
TOGETHER = (("figures",), ("sms", "tickets"))


@dataclass(frozen=True)
class Options:
    suppress_below: int = 5
    sms_price_per_segment: float = 0.0
    # intent -> what the menu calls it; outcome id -> its name (content/), in content's order
    topic_labels: Mapping[str, str] = field(default_factory=dict)
    outcome_labels: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_content(
        cls,
        snapshot: Snapshot,
        language: str = "es",
        suppress_below: int = 5,
        sms_price_per_segment: float = 0.0,
    ) -> Options:
        """The options of a report whose topic and outcome names come from content/."""
        labels = labels_from_content(snapshot, language)
        return cls(
            suppress_below=suppress_below,
            sms_price_per_segment=sms_price_per_segment,
            topic_labels=labels["topics"],
            outcome_labels=labels["outcomes"],
        )


def labels_from_content(snapshot: Snapshot, language: str = "es") -> dict[str, Mapping[str, str]]:
    """Topic names (the menus' button titles, whose payload is "/<intent>") and outcome names
    (content/outcomes.yml, in `language`)."""
    topics: dict[str, str] = {}
    for variants in snapshot.responses.values():
        for variant in variants:
            for button in variant.get("buttons") or ():
                payload = str(button.get("payload", ""))
                if payload.startswith("/") and "{" not in payload:
                    topics.setdefault(payload[1:], str(button.get("title", "")))
    outcomes = {kind.id: kind.label(language) for kind in snapshot.outcomes}
    return {"topics": topics, "outcomes": outcomes}


@dataclass(frozen=True)
class Aggregates:
    """Everything the database answered for one report: aggregates, and one row per ticket
    opened in the period with her pseudonymous id (to count women; never shown)."""

    figures: queries.MessageFigures
    tickets: list[queries.TicketTimes]
    ratings: tuple[list[queries.Counted], int]
    reminders_made: queries.Counted
    reminder_decisions: list[queries.Counted]
    reminder_messages: queries.ReminderMessages
    opt_outs: int
    erasures: int
    failures: list[queries.Failure]
    sms: tuple[list[queries.SmsText], int]
    outcomes_in_period: dict[str, int]
    outcomes_ever: dict[str, int]


def fetch(sessions: sessionmaker[Session], period: Period, filters: Filters) -> Aggregates:
    """Run every aggregate. On PostgreSQL they run on three connections at once (`TOGETHER`,
    and the small ones on a third): independent reads, each seeing the database as its
    statement starts. SQLite: one after the other."""
    scope = queries.Scope(period, filters)
    jobs: dict[str, Callable[[Session], object]] = {
        "figures": lambda s: queries.message_figures(s, scope),
        "sms": lambda s: queries.sms_texts(s, scope),
        "tickets": lambda s: queries.tickets(s, scope),
        "failures": lambda s: queries.failures(s, scope),
        "ratings": lambda s: queries.ratings(s, scope),
        "reminders_made": lambda s: queries.reminders_made(s, scope),
        "reminder_decisions": lambda s: queries.reminder_decisions(s, scope),
        "reminder_messages": lambda s: queries.reminder_messages(s, scope),
        "opt_outs": lambda s: queries.opt_outs(s, scope),
        "erasures": lambda s: queries.erasures(s, scope),
        "outcomes_in_period": lambda s: queries.outcomes(s, period.first, period.last),
        "outcomes_ever": lambda s: queries.outcomes(s, None, period.last),
    }

    def run(names: list[str]) -> dict[str, object]:
        with sessions() as session:
            if session.get_bind().dialect.name == "postgresql":
                # Group the period's messages in memory rather than on disk (this
                # transaction only).
                session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
            return {name: jobs[name](session) for name in names}

    with sessions() as session:
        parallel = session.get_bind().dialect.name == "postgresql"
    if not parallel:
        return Aggregates(**run(list(jobs)))  # type: ignore[arg-type]
    shares = [list(g) for g in TOGETHER]
    shares.append([n for n in jobs if all(n not in g for g in TOGETHER)])
    with ThreadPoolExecutor(max_workers=len(shares)) as pool:
        found: dict[str, object] = {}
        for part in pool.map(run, shares):
            found.update(part)
    return Aggregates(**found)  # type: ignore[arg-type]


def build_report(
    sessions: sessionmaker[Session],
    period: Period,
    filters: Filters | None = None,
    options: Options | None = None,
    now: datetime | None = None,
) -> Report:
    filters = filters or Filters()
    return report_from(fetch(sessions, period, filters), period, filters, options, now)


def report_from(
    a: Aggregates,
    period: Period,
    filters: Filters,
    options: Options | None = None,
    now: datetime | None = None,
) -> Report:
    """The report's tables from the aggregates. Pure."""
    options = options or Options()
    below = options.suppress_below
    tables = (
        _participants(a.figures, below),
        _messages(a.figures, below),
        _activity(a.figures, period, below),
        _topics(a.figures, below, options.topic_labels),
        _understanding(a.figures, below),
        _handoffs(a.tickets, below),
        _ratings(a.ratings, below),
        _reminders(a, below),
        _privacy(a.opt_outs, a.erasures, below),
        _failures(a.failures, below),
        _sms(a.sms, below, options.sms_price_per_segment),
        _outcomes(a.outcomes_in_period, a.outcomes_ever, below, options.outcome_labels),
    )
    return Report(
        period=period,
        filters=filters,
        suppress_below=below,
        generated_at=now or datetime.now(UTC),
        tables=tables,
    )


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100 * part / whole, 1)


def _participants(figures: queries.MessageFigures, below: int) -> Table:
    women, new = figures.total.women, figures.new
    returning = women - new
    return table(
        "participants",
        "Mujeres alcanzadas",
        (Column("figure", "Cifra", TEXT), Column("women", "Mujeres")),
        (
            ("Mujeres alcanzadas", Figure(women, women)),
            ("Nuevas (su primer mensaje fue en el periodo)", Figure(new, new)),
            ("Que volvieron (escribieron antes del periodo)", Figure(returning, returning)),
        ),
        below,
        protect=True,
        note="Mujeres distintas con al menos un mensaje (suyo o nuestro) en el periodo.",
    )


def _counts(label: str, c: queries.MessageCounts) -> tuple[object, ...]:
    return (
        label,
        Figure(c.women, c.women),
        Figure(c.inbound, c.inbound_women),
        Figure(c.outbound, c.outbound_women),
    )


def _messages(figures: queries.MessageFigures, below: int) -> Table:
    rows = [_counts(c.key, c) for c in figures.channels] + [_counts(ALL, figures.total)]
    return table(
        "messages",
        "Mensajes por canal",
        (
            Column("channel", "Canal", TEXT),
            Column("women", "Mujeres"),
            Column("inbound", "Mensajes recibidos"),
            Column("outbound", "Mensajes enviados"),
        ),
        rows,  # type: ignore[arg-type]
        below,
        protect=True,
        note="Mensajes guardados en el periodo: los de ella (recibidos) y los nuestros "
        "(enviados: respuestas del asistente, de asesoras, recordatorios).",
        chart=Chart("bar", "channel", ("inbound", "outbound")),
    )


def _activity(figures: queries.MessageFigures, period: Period, below: int) -> Table:
    found = {b.key: b for b in figures.buckets}
    empty = queries.MessageCounts("", 0, 0, 0, 0, 0)
    rows = [_counts(bucket, found.get(bucket, empty)) for bucket in period.buckets()]
    return table(
        "activity",
        "Actividad por día" if period.bucket == DAY else "Actividad por mes",
        (
            Column("day", "Fecha", KEY),
            Column("women", "Mujeres"),
            Column("inbound", "Mensajes recibidos"),
            Column("outbound", "Mensajes enviados"),
        ),
        rows,  # type: ignore[arg-type]
        below,
        protect=True,
        note="Días y meses de Bogotá.",
        chart=Chart("line", "day", ("women", "inbound", "outbound")),
    )


def _topics(figures: queries.MessageFigures, below: int, labels: Mapping[str, str]) -> Table:
    rows = [
        (
            labels.get(t.intent) or t.intent,
            t.intent,
            Figure(t.messages, t.women),
            Figure(t.women, t.women),
        )
        for t in figures.topics
    ]
    return table(
        "topics",
        "Temas consultados",
        (
            Column("topic", "Tema", KEY),
            Column("intent", "Intención", KEY),
            Column("messages", "Mensajes"),
            Column("women", "Mujeres"),
        ),
        rows,
        below,
        protect=True,
        note="Lo que el diálogo entendió de cada mensaje de ella (la intención), después de "
        "su consentimiento.",
        chart=Chart("bar", "topic", ("messages",), horizontal=True),
    )


def _understanding(figures: queries.MessageFigures, below: int) -> Table:
    f = figures
    return table(
        "understanding",
        "Mensajes no entendidos",
        (Column("figure", "Cifra", TEXT), Column("value", "Valor", NUMBER)),
        (
            ("Mensajes leídos por el diálogo", Figure(f.read, f.read_women)),
            ("No entendidos", Figure(f.not_understood, f.not_understood_women)),
            (
                "Parte no entendida (%)",
                Figure(_share(f.not_understood, f.read), f.not_understood_women),
            ),
        ),
        below,
        note="Mensajes de ella que llegaron al diálogo (Rasa); no entendidos: los que recibieron "
        "la respuesta de «no te entendí».",
    )


def _durations(tickets: list[queries.TicketTimes], until: str) -> tuple[list[float], set[str]]:
    values, women = [], set()
    for t in tickets:
        end = {
            "claimed": t.claimed,
            "first_reply": t.first_reply,
            "resolved": t.resolved,
        }[until]
        span = minutes(t.joined, end)
        if span is not None:
            values.append(span)
            women.add(t.participant)
    return values, women


def _handoffs(everything: list[queries.TicketTimes], below: int) -> Table:
    groups = (
        ("normal", [t for t in everything if not t.urgent]),
        ("urgent", [t for t in everything if t.urgent]),
        (ALL, everything),
    )
    rows = []
    for label, tickets in groups:

        def counted(keep: list[queries.TicketTimes]) -> Figure:
            return Figure(len(keep), len({t.participant for t in keep}))

        row: list[object] = [
            label,
            counted(tickets),
            counted([t for t in tickets if t.claimed]),
            counted([t for t in tickets if t.resolved]),
            counted([t for t in tickets if t.closed_unresolved and not t.resolved]),
            counted([t for t in tickets if not t.resolved and not t.closed_unresolved]),
        ]
        for until in ("claimed", "first_reply", "resolved"):
            values, behind = _durations(tickets, until)
            for q in (50, 90):
                row.append(Figure(rounded(percentile(values, q)), len(behind)))
        rows.append(row)
    return table(
        "handoffs",
        "Conversaciones con asesoras",
        (
            Column("priority", "Prioridad", TEXT),
            Column("tickets", "Casos"),
            Column("claimed", "Tomados"),
            Column("resolved", "Resueltos"),
            Column("closed_unresolved", "Cerrados sin resolver"),
            Column("open", "Aún abiertos"),
            Column("wait_p50", "Espera hasta ser tomada, p50 (min)", MINUTES),
            Column("wait_p90", "Espera hasta ser tomada, p90 (min)", MINUTES),
            Column("first_reply_p50", "Hasta la primera respuesta, p50 (min)", MINUTES),
            Column("first_reply_p90", "Hasta la primera respuesta, p90 (min)", MINUTES),
            Column("resolution_p50", "Hasta resolver, p50 (min)", MINUTES),
            Column("resolution_p90", "Hasta resolver, p90 (min)", MINUTES),
        ),
        rows,  # type: ignore[arg-type]
        below,
        protect=True,
        note="Casos que entraron a la fila en el periodo. Urgente: una crisis. Los tiempos se "
        "cuentan desde que entró a la fila; primera respuesta: el primer mensaje que le "
        "enviamos desde que una asesora tomó el caso hasta que se cerró.",
        chart=Chart("bar", "priority", ("wait_p50", "wait_p90")),
    )


def _ratings(ratings: tuple[list[queries.Counted], int], below: int) -> Table:
    found = {int(c.key): c for c in ratings[0]}
    total, women = sum(c.count for c in found.values()), ratings[1]
    rows: list[list[object]] = [
        [
            str(score),
            Figure(found[score].count if score in found else 0, _women(found, score)),
            Figure(
                _share(found[score].count, total) if score in found else 0.0,
                _women(found, score),
            ),
            None,
        ]
        for score in range(1, 6)
    ]
    average = sum(s * c.count for s, c in found.items()) / total if total else None
    rows.append([ALL, Figure(total, women), Figure(100.0 if total else None, women), None])
    built = table(
        "ratings",
        "Calificaciones (1 a 5)",
        (
            Column("rating", "Calificación", TEXT),
            Column("ratings", "Calificaciones"),
            Column("share", "Parte (%)", SHARE),
            Column("average", "Promedio", NUMBER),
        ),
        rows,  # type: ignore[arg-type]
        below,
        protect=True,
        note="Las calificaciones que dieron en el periodo, después de que una asesora resolvió "
        "su caso. El promedio se oculta (*) cuando se oculta alguna calificación: con el total, "
        "permitiría calcularla.",
        chart=Chart("bar", "rating", ("ratings",)),
    )
    hidden = any(row[1] in (marker(below), PROTECTING) for row in built.rows)
    shown_average = shown(Figure(rounded(average, 2), women), below)
    last = (*built.rows[-1][:3], PROTECTING if hidden and total else shown_average)
    return dataclasses.replace(built, rows=(*built.rows[:-1], last))


def _women(found: Mapping[int, queries.Counted], score: int) -> int:
    return found[score].women if score in found else 0


def _reminders(a: Aggregates, below: int) -> Table:
    made, sent = a.reminders_made, a.reminder_messages
    decisions = {c.key: c for c in a.reminder_decisions}

    rows: list[tuple[object, ...]] = [("Suscripciones nuevas", "", Figure(made.count, made.women))]
    for outcome in ("queued", "no_consent", "opted_out", "no_address", "expired"):
        c = decisions.pop(outcome, queries.Counted(outcome, 0, 0))
        rows.append(("Decisiones", outcome, Figure(c.count, c.women)))
    for c in decisions.values():  # a decision this code does not know yet
        rows.append(("Decisiones", c.key, Figure(c.count, c.women)))
    rows += [
        ("Recordatorios enviados (Twilio los aceptó)", "", Figure(*sent.sent)),
        ("Recordatorios entregados", "", Figure(*sent.delivered)),
        ("Recordatorios no entregados", "", Figure(*sent.not_delivered)),
        ("Recordatorios no enviados (se dio de baja)", "", Figure(*sent.suppressed)),
    ]
    return table(
        "reminders",
        "Recordatorios de becas",
        (
            Column("figure", "Cifra", TEXT),
            Column("detail", "Detalle", KEY),
            Column("count", "Cantidad"),
        ),
        rows,  # type: ignore[arg-type]
        below,
        note="Suscripciones hechas en el periodo; decisiones tomadas en el periodo (queued: "
        "enviado a la cola de salida); mensajes de recordatorio del periodo por su estado de "
        "entrega.",
    )


def _privacy(opted: int, erased: int, below: int) -> Table:
    return table(
        "privacy",
        "Bajas y borrados",
        (Column("figure", "Cifra", TEXT), Column("women", "Mujeres")),
        (
            ("Se dieron de baja (y siguen de baja)", Figure(opted, opted)),
            ("Borraron sus datos (sin filtros)", Figure(erased, erased)),
        ),
        below,
        note="Bajas: mujeres cuya baja de los mensajes proactivos ocurrió en el periodo y sigue "
        "vigente. Borrados: el registro de borrados no guarda a quién, así que no se filtra "
        "por canal ni tema.",
    )


def _failures(failures: list[queries.Failure], below: int) -> Table:
    rows = [
        (
            str(f.error_code) if f.error_code is not None else NO_CODE,
            f.channel,
            Figure(f.messages, f.women),
            Figure(f.women, f.women),
        )
        for f in failures
    ]
    return table(
        "failures",
        "Fallos de entrega por código de Twilio",
        (
            Column("error_code", "Código de error", TEXT),
            Column("channel", "Canal", KEY),
            Column("messages", "Mensajes"),
            Column("women", "Mujeres"),
        ),
        rows,
        below,
        note="Mensajes enviados en el periodo cuyo estado final es failed o undelivered, por el "
        "código de error de Twilio (twilio.com/docs/api/errors).",
        chart=Chart("bar", "error_code", ("messages",)),
    )


def _sms(sms: tuple[list[queries.SmsText], int], below: int, price: float) -> Table:
    texts, women = sms
    by_encoding: dict[str, list[queries.SmsText]] = {GSM7: [], UCS2: []}
    for t in texts:
        by_encoding[encoding(t.text)].append(t)

    def behind(group: list[queries.SmsText]) -> int:
        # Distinct women are known per text: at least the largest, at most the sum. Shown only
        # when certainly enough; a group that may be small counts as small.
        most, least = sum(t.women for t in group), max((t.women for t in group), default=0)
        return least if least >= below or most < below else min(most, below - 1)

    rows: list[tuple[object, ...]] = []
    for name, group in (*by_encoding.items(), (ALL, texts)):
        sent = sum(t.count for t in group)
        used = sum(segments(t.text) * t.count for t in group)
        who = women if name == ALL else behind(group)
        row: list[object] = [name, Figure(sent, who), Figure(used, who)]
        if price > 0:
            row.append(Figure(round(used * price, 2), who))
        rows.append(tuple(row))
    columns = [
        Column("encoding", "Codificación", TEXT),
        Column("sms", "SMS enviados"),
        Column("segments", "Segmentos"),
    ]
    if price > 0:
        columns.append(Column("cost", "Costo estimado", MONEY))
    return table(
        "sms",
        "Segmentos de SMS",
        columns,
        rows,  # type: ignore[arg-type]
        below,
        protect=True,
        note="SMS que Twilio aceptó en el periodo, contados en segmentos como factura Twilio "
        "(GSM-7: 160 caracteres, 153 por parte; UCS-2: 70 y 67). Costo: segmentos por "
        "SMS_PRICE_PER_SEGMENT.",
        chart=Chart("bar", "encoding", ("segments",)),
    )


def _outcomes(
    in_period: dict[str, int], ever: dict[str, int], below: int, labels: Mapping[str, str]
) -> Table:
    kinds = [*labels, *sorted(set(ever) - set(labels))]
    rows = [
        (
            labels.get(kind) or kind,
            kind,
            Figure(in_period.get(kind, 0), in_period.get(kind, 0)),
            Figure(ever.get(kind, 0), ever.get(kind, 0)),
        )
        for kind in kinds
    ]
    return table(
        "outcomes",
        "Resultados del programa",
        (
            Column("outcome", "Resultado", KEY),
            Column("kind", "Código", KEY),
            Column("women", "Mujeres en el periodo"),
            Column("cumulative", "Mujeres acumuladas"),
        ),
        rows,
        below,
        note="Mujeres distintas con cada resultado registrado por una asesora, con fecha en el "
        "periodo, y desde el inicio hasta el fin del periodo. Sin filtros de canal ni tema.",
        filtered=False,
        chart=Chart("bar", "outcome", ("women", "cumulative"), horizontal=True),
    )
