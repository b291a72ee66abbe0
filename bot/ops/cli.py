"""`almas`: the project's command line (workers, database, Rasa, dead letters)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import click

from bot.core.logs import configure_logging
from bot.core.settings import (
    DEFAULT_DATABASE_URL,
    PROJECT_ROOT,
    Settings,
    SettingsError,
    announce,
    load_settings,
    share_metrics_directory,
)
from bot.handoff.accounts import CASE_WORKER, ROLES


def _settings() -> Settings:
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    configure_logging()
    announce(settings)
    return settings


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handler(signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


@click.group()
def main() -> None:
    """ALMAS Assistant: WhatsApp and SMS helpline engine."""
    # Before any command imports prometheus_client: the directory every process's metrics share.
    share_metrics_directory()


@main.command()
def worker() -> None:
    """Answer participants' messages: gates, Rasa, replies into the outbox."""
    from bot.conversation.worker import ConversationWorker
    from bot.runtime import build_runtime

    ConversationWorker(build_runtime(_settings())).run(_stop_on_signals())


@main.command()
def sender() -> None:
    """Send what is in the outbox through Twilio, in order, with retries."""
    from bot.outbound.sender import OutboxSender
    from bot.runtime import build_runtime

    OutboxSender(build_runtime(_settings())).run(_stop_on_signals())


@main.command()
def scheduler() -> None:
    """Run the scheduled jobs: retention purge (hourly), scholarship reminders (every 15 min)."""
    from bot.ops.scheduler import run
    from bot.runtime import build_runtime

    run(build_runtime(_settings()), _stop_on_signals())


@main.command()
def purge() -> None:
    """Delete transcripts and case notes older than TRANSCRIPT_RETENTION_DAYS, now."""
    from bot.privacy.retention import purge_expired
    from bot.runtime import build_runtime

    settings = _settings()
    removed = purge_expired(build_runtime(settings))
    if removed is None:
        raise click.ClickException("another process is purging right now; try again later")
    days = settings.transcript_retention_days
    counts = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in removed.items())
    click.echo(f"purged what is older than {days} days: {counts}")


QUEUE_CHOICE = click.Choice(["inbox", "outbox", "all"])


@main.group(invoke_without_command=True)
@click.option("--queue", type=QUEUE_CHOICE, default="all")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_context
def deadletters(ctx: click.Context, queue: str, as_json: bool) -> None:
    """List messages that failed too often and were set aside for a person
    (`replay` puts them back, `purge` deletes old ones)."""
    if ctx.invoked_subcommand is not None:
        return
    from bot.runtime import build_runtime

    rt = build_runtime(_settings())
    queues = [rt.inbox, rt.outbox] if queue == "all" else [getattr(rt, queue)]
    total = 0
    for q in queues:
        for dead in q.deadletters():
            total += 1
            if as_json:
                click.echo(json.dumps(dead.__dict__, ensure_ascii=False))
                continue
            when = datetime.fromtimestamp(dead.dead_at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            click.echo(
                f"{when}  {dead.queue:6}  {dead.participant}  attempts={dead.attempts}  "
                f"{dead.reason}"
            )
    if not as_json:
        click.echo(f"{total} dead letter(s)")


@deadletters.command("replay")
@click.option("--queue", type=QUEUE_CHOICE, default="all")
@click.option("--participant", default="", help="Only hers (the id the list shows).")
def deadletters_replay(queue: str, participant: str) -> None:
    """Put dead letters back in line (after the cause was fixed), attempts forgotten."""
    from bot.runtime import build_runtime

    rt = build_runtime(_settings())
    queues = [rt.inbox, rt.outbox] if queue == "all" else [getattr(rt, queue)]
    replayed = 0
    for q in queues:
        for dead in q.drop_deadletters(participant=participant):
            q.replay(dead)
            replayed += 1
    click.echo(f"{replayed} dead letter(s) put back in line")


@deadletters.command("purge")
@click.option("--older-than-days", type=float, required=True)
def deadletters_purge(older_than_days: float) -> None:
    """Delete dead letters older than this (the retention purge does it for
    TRANSCRIPT_RETENTION_DAYS)."""
    import time

    from bot.runtime import build_runtime

    rt = build_runtime(_settings())
    before = time.time() - older_than_days * 86400
    removed = sum(len(q.drop_deadletters(dead_before=before)) for q in (rt.inbox, rt.outbox))
    click.echo(f"{removed} dead letter(s) deleted")


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.option("--revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database at DATABASE_URL to the latest schema."""
    from bot.store.db import upgrade

    settings = _settings()
    upgrade(settings.database_url, revision)
    click.echo(f"database at {settings.database_url.split('@')[-1]} is at {revision}")


@main.group()
def rasa() -> None:
    """Rasa, run as a service from its own environment (.venv-rasa)."""


@rasa.command("train")
@click.option("--force", is_flag=True, help="Train even if nlu/ and flows/ did not change.")
def rasa_train(force: bool) -> None:
    """Train the model, only if nlu/ or flows/ changed since the last training."""
    from bot.ops.rasa_service import MODEL_PATH, train

    trained = train(force=force)
    where = MODEL_PATH.relative_to(PROJECT_ROOT)
    click.echo(f"model trained: {where}" if trained else f"model is up to date: {where}")


@rasa.command("run")
@click.option("--port", type=int, default=None, help="Default: the port in RASA_URL.")
def rasa_run(port: int | None) -> None:
    """Start Rasa's server (REST channel and HTTP API) with Redis tracker and lock stores."""
    from urllib.parse import urlparse

    from bot.ops.rasa_service import rasa_environment, run_command, write_endpoints

    settings = _settings()
    port = port or urlparse(settings.rasa_url).port or 5005
    endpoints = write_endpoints(settings, PROJECT_ROOT / "var" / f"rasa-endpoints-{port}.yml")
    command = run_command(settings, endpoints, port)
    os.execve(command[0], command, rasa_environment())


@main.command()
@click.option("--port", type=int, default=None, help="Default: the port in ACTION_SERVER_URL.")
def actions(port: int | None) -> None:
    """Start the rasa-sdk action server with the custom actions in flows/actions."""
    from urllib.parse import urlparse

    settings = _settings()
    port = port or urlparse(settings.action_server_url).port or 5055
    command = [
        sys.executable, "-m", "rasa_sdk", "--actions", "flows.actions", "--port", str(port),
    ]  # fmt: skip
    os.execv(command[0], command)


@main.group()
def crisis() -> None:
    """The crisis classifier (trained from nlu/crisis/)."""


@crisis.command("train")
def crisis_train() -> None:
    """Train the classifier if nlu/crisis/ or the classifier changed (models/crisis-*.joblib)."""
    from bot.conversation.crisis.classifier import build_and_save, model_path

    path = model_path()
    if path.is_file():
        click.echo(f"crisis classifier is up to date: {path.relative_to(PROJECT_ROOT)}")
        return
    _, path = build_and_save(path)
    click.echo(f"crisis classifier trained: {path.relative_to(PROJECT_ROOT)}")


@crisis.command("assess")
@click.argument("text")
def crisis_assess(text: str) -> None:
    """How the crisis gate reads TEXT: certain, possible or none, the kind and the score."""
    from bot.conversation.crisis.assess import assess

    danger = assess(text)
    pattern = "none"
    if danger.pattern is not None:
        pattern = "certain" if danger.pattern.certain else "broad"
    click.echo(f"{danger.level}  kind={danger.kind}  score={danger.score:.3f}  pattern={pattern}")


@main.group()
def content() -> None:
    """Content that programme staff edit (content/*.yml)."""


def _content_repository():  # type: ignore[no-untyped-def]
    from bot.publishing.repository import ContentRepository
    from bot.runtime import build_runtime

    rt = build_runtime(_settings())
    return ContentRepository(rt.sessions, rt.redis, rt.keys)


@content.command("check")
@click.option(
    "--files", "from_files", is_flag=True, help="Check content/ even when the database has content."
)
def content_check(from_files: bool) -> None:
    """Validate content: schema, dates, links, SMS lengths, texts the dialogue needs. Checks
    what is published in the database once content was imported, else content/."""
    from bot.content.i18n import today_in_bogota
    from bot.content.sources import FileSource, StaticSource, live_documents
    from bot.content.store import ContentStore
    from bot.core.settings import content_dir
    from bot.publishing.check import check, dialogue_needs
    from bot.runtime import build_runtime

    documents: dict[str, str] = {}
    if not from_files:
        try:
            settings = load_settings()
        except SettingsError:
            settings = None  # a developer's machine without settings: content/ it is
        if settings is not None:
            try:
                with build_runtime(settings).sessions() as session:
                    documents = live_documents(session)
            except Exception as exc:  # no database, no tables: content/ it is
                click.echo(f"(database not readable: {type(exc).__name__}; checking content/)")
    click.echo("checking the published content" if documents else f"checking {content_dir()}")
    source = StaticSource(documents) if documents else FileSource(content_dir())
    needed, paged = dialogue_needs()
    problems = check(ContentStore(source=source), today_in_bogota(), needed, paged)
    for problem in problems:
        click.echo(str(problem))
    errors = [p for p in problems if p.level == "error"]
    click.echo(f"content check: {len(errors)} error(s), {len(problems) - len(errors)} warning(s)")
    if errors:
        raise SystemExit(1)


@content.command("import")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--if-empty", is_flag=True, help="Only when nothing was imported yet (first start).")
def content_import(directory: Path | None, if_empty: bool) -> None:
    """Load content/*.yml into the database (idempotent: unchanged items are left alone,
    changed ones get a new published version). What the files do not hold stays."""
    from bot.content.sources import FileSource
    from bot.core.settings import content_dir
    from bot.publishing.repository import ContentChangeError

    repository = _content_repository()
    if if_empty and not repository.is_empty():
        click.echo("content: already imported (edit it in the console)")
        return
    try:
        result = repository.import_documents(FileSource(directory or content_dir()).documents())
    except ContentChangeError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"content imported: {result.created} new, {result.changed} changed, "
        f"{result.unchanged} unchanged"
    )


@content.command("export")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path))
def content_export(directory: Path | None) -> None:
    """Write what is published to content/*.yml (same shape as the files), for git."""
    from bot.core.settings import content_dir

    target = directory or content_dir()
    documents = _content_repository().export_documents()
    if not documents:
        raise click.ClickException("nothing was imported: the database holds no content")
    target.mkdir(parents=True, exist_ok=True)
    for name, text in documents.items():
        (target / name).write_text(text, encoding="utf-8")
    click.echo(f"content exported: {len(documents)} files to {target}")


@main.group()
def caseworker() -> None:
    """Case-worker accounts."""


@caseworker.command("add")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(ROLES), default=CASE_WORKER)
def caseworker_add(email: str, name: str, role: str) -> None:
    """Create an account; the password is prompted, or read from standard input. Roles:
    case_worker, supervisor (sees numbers, retries failed sends, opens every case), programme
    (the reports page only: no queue, tickets, transcripts, numbers or API)."""
    from bot.handoff.accounts import AccountError, add
    from bot.runtime import build_runtime

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    try:
        add(build_runtime(_settings()).sessions, email, name, password, role)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{role} {email} added")


def _development_login_file(settings: Settings) -> Path:
    """Where the development supervisor's password is kept: one file per database, so a
    second database (a test's, say) never overwrites the password of `make run`'s own."""
    name = "dev-login.txt"
    if settings.database_url != DEFAULT_DATABASE_URL:
        digest = hashlib.sha256(settings.database_url.encode()).hexdigest()[:8]
        name = f"dev-login-{digest}.txt"
    return PROJECT_ROOT / "var" / name


@caseworker.command("dev")
def caseworker_dev() -> None:
    """Development only: make sure a supervisor can log in to the console; print how."""
    from bot.handoff.accounts import DEVELOPMENT_EMAIL, ensure_development_account
    from bot.runtime import build_runtime

    settings = _settings()
    if not settings.is_development:
        raise click.ClickException("`almas caseworker dev` is for ALMAS_ENV=development only")
    password_file = _development_login_file(settings)
    password = ensure_development_account(build_runtime(settings).sessions, password_file)
    console = f"{settings.public_base_url}/console/"
    click.echo(f"Console:   {console}  user {DEVELOPMENT_EMAIL}  password {password}")
    click.echo(f"           (kept in {password_file.relative_to(PROJECT_ROOT)})")


@caseworker.command("token")
@click.argument("email")
def caseworker_token(email: str) -> None:
    """Print a new API token for scripts (last line; the previous token stops working)."""
    from bot.handoff.accounts import AccountError, issue_token
    from bot.runtime import build_runtime

    try:
        token = issue_token(build_runtime(_settings()).sessions, email)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("New API token (shown once; use it as: Authorization: Bearer <token>):")
    click.echo(token)


@main.command()
def queue() -> None:
    """Who waits for a case worker, and how long; how deep the inbox and outbox are."""
    from bot.runtime import build_runtime

    rt = build_runtime(_settings())
    rt.handoff.expire_leases()
    waiting = rt.handoff.waiting()
    for n, ticket in enumerate(waiting, start=1):
        minutes = int(ticket.waiting_seconds // 60)
        click.echo(
            f"{n:3d}. {ticket.priority:7} {ticket.channel:8} {ticket.topic:24} "
            f"waiting {minutes} min  {ticket.id}"
        )
    click.echo(f"{len(waiting)} waiting")
    for q in (rt.inbox, rt.outbox):
        depth = q.stats()
        click.echo(
            f"{q.name}: {depth['ready']} participant(s) with messages waiting, "
            f"{depth['active']} being worked on, {depth['deadletters']} dead letter(s)"
        )


@main.command()
@click.option("--from", "first", required=True, help="First day, YYYY-MM-DD (Bogotá).")
@click.option("--to", "last", required=True, help="Last day, included, YYYY-MM-DD.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]), default="csv")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Default: stdout.")
@click.option("--channel", type=click.Choice(["whatsapp", "sms"]), default=None)
@click.option("--topic", default=None, help="Only women who asked this intent.")
@click.option("--language", type=click.Choice(["es", "en", "it"]), default="es")
def report(
    first: str,
    last: str,
    fmt: str,
    out: str | None,
    channel: str | None,
    topic: str | None,
    language: str,
) -> None:
    """The programme's report for a period, as the reports page shows it: aggregates only,
    figures about fewer than REPORT_SUPPRESS_BELOW women hidden. Titles stay in Spanish;
    --language names the outcomes."""
    from bot.content.store import ContentStore
    from bot.reports.build import Options, build_report
    from bot.reports.export import render
    from bot.reports.model import Filters
    from bot.reports.period import CUSTOM, PeriodError, parse_period
    from bot.store.engine import make_engine, make_sessionmaker

    settings = _settings()
    try:
        period = parse_period(CUSTOM, first, last, datetime.now(UTC).date())
    except PeriodError as exc:
        raise click.ClickException(str(exc)) from exc
    options = Options.from_content(
        ContentStore().snapshot(),
        language,
        suppress_below=settings.report_suppress_below,
        sms_price_per_segment=settings.sms_price_per_segment,
    )
    engine = make_engine(settings.database_url)
    try:
        built = build_report(
            make_sessionmaker(engine), period, Filters.parse(channel, topic), options
        )
    finally:
        engine.dispose()
    data = render(built, fmt)
    if out:
        Path(out).write_bytes(data)
        click.echo(f"{fmt.upper()} report {period.first} to {period.last} written to {out}")
    else:
        click.echo(data, nl=False)  # bytes: written to the binary stdout as they are


@main.command("check-settings")
def check_settings() -> None:
    """Load the settings as the processes would, and say what is missing."""
    settings = _settings()
    click.echo(f"settings OK ({settings.env} mode)")


# -- NLU training data from the review of what was not understood (bot/publishing/unanswered.py)
@main.group()
def nlu() -> None:
    """NLU training data (nlu/data/)."""


@nlu.command("import-reviewed")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=PROJECT_ROOT / "nlu" / "data" / "reviewed.yml",
    show_default="nlu/data/reviewed.yml",
    help="The file to rewrite.",
)
def nlu_import_reviewed(out: Path) -> None:
    """Write the messages editors labelled with an intent on the review page (masked,
    de-duplicated) as Rasa training examples, for the next `almas rasa train`."""
    from bot.publishing.unanswered import domain_intents, write_reviewed
    from bot.store.engine import make_engine, make_sessionmaker

    engine = make_engine(_settings().database_url)
    try:
        done = write_reviewed(make_sessionmaker(engine), out, domain_intents())
    finally:
        engine.dispose()
    if done.written:
        click.echo(f"{done.examples} example(s) of {done.intents} intent(s) written to {out}")
    else:
        removed = " (the old one removed)" if done.removed else ""
        click.echo(f"no reviewed examples: {out} not written{removed}")


if __name__ == "__main__":
    main()
