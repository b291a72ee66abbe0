"""The `almas` command line."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from bot.core.keys import shard_of
from bot.ops.cli import main
from bot.runtime import Runtime
from bot.store.db import upgrade
from tests.support.environment import base_environment
from tests.support.stack import ROOT


def run(runtime: Runtime, *args: str, **env: str):  # type: ignore[no-untyped-def]
    environ = base_environment(runtime.settings.redis_prefix, runtime.settings.database_url, **env)
    return CliRunner().invoke(main, list(args), env=environ, catch_exceptions=False)


def dead_letter_one(runtime: Runtime) -> None:
    runtime.inbox.enqueue("p_dead", ['{"message_sid": "SMx"}'])
    lease = runtime.inbox.claim(5)
    assert lease is not None
    runtime.inbox.fail(lease, '{"message_sid": "SMx"}', "SMx", "RasaError: boom", 1)


def test_deadletters_lists_what_failed_with_the_reason(runtime: Runtime) -> None:
    dead_letter_one(runtime)
    result = run(runtime, "deadletters")
    assert result.exit_code == 0
    assert "p_dead" in result.output and "RasaError: boom" in result.output
    assert result.output.strip().endswith("1 dead letter(s)")


def test_deadletters_as_json(runtime: Runtime) -> None:
    dead_letter_one(runtime)
    [line] = run(runtime, "deadletters", "--json").output.strip().splitlines()
    assert json.loads(line)["reason"] == "RasaError: boom"


def test_production_without_secrets_refuses_and_names_them(runtime: Runtime) -> None:
    result = CliRunner().invoke(
        main,
        ["check-settings"],
        env={
            "ALMAS_ENV": "production",
            "TWILIO_ACCOUNT_SID": "",
            "TWILIO_AUTH_TOKEN": "",
            "SECRET_KEY": "",
            "PARTICIPANT_ID_KEY": "",
        },
    )
    assert result.exit_code != 0
    assert "PARTICIPANT_ID_KEY" in result.output


def test_db_upgrade(runtime: Runtime, tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = run(runtime, "db", "upgrade", DATABASE_URL=url)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cli.db").exists()


def test_caseworker_add_with_password_from_stdin_and_token_as_last_line(runtime: Runtime) -> None:
    from bot.handoff.accounts import by_token, check_password

    environ = base_environment(runtime.settings.redis_prefix, runtime.settings.database_url)
    email = f"ana.{runtime.settings.redis_prefix}@almas.example.org"
    added = CliRunner().invoke(
        main, ["caseworker", "add", email, "--name", "Ana", "--role", "supervisor"],
        input="una-clave-larga\n", env=environ,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert check_password(runtime.sessions, email, "una-clave-larga").role == "supervisor"  # type: ignore[union-attr]
    assert check_password(runtime.sessions, email, "otra-clave-larga") is None
    issued = CliRunner().invoke(main, ["caseworker", "token", email], env=environ)
    token = issued.output.strip().splitlines()[-1]
    assert by_token(runtime.sessions, token).email == email  # type: ignore[union-attr]
    again = CliRunner().invoke(main, ["caseworker", "add", email, "--name", "Ana"],
                               input="una-clave-larga\n", env=environ)  # fmt: skip
    assert again.exit_code != 0 and "already has an account" in again.output


def test_short_passwords_are_refused(runtime: Runtime) -> None:
    result = run(runtime, "caseworker", "add", "b@almas.example.org", "--name", "B")
    assert result.exit_code != 0


def test_queue_lists_who_waits_first(runtime: Runtime) -> None:
    runtime.handoff.open("p_normal", "sms", "credit", "pregunta")
    runtime.handoff.open("p_urgent", "whatsapp", "emergency:violence", "…", "urgent")
    lines = run(runtime, "queue").output.strip().splitlines()
    assert "urgent" in lines[0] and "emergency:violence" in lines[0]
    assert lines[2] == "2 waiting"


def database_with_an_old_and_a_new_message(tmp_path) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A database of its own (counts must not include other tests' rows): one message past
    retention (181 days), one recent, from the same participant."""
    from sqlalchemy import update

    from bot.store.db import upgrade
    from bot.store.engine import make_engine, make_sessionmaker
    from bot.store.models import Message
    from bot.store.transcript import record_inbound

    url = f"sqlite:///{tmp_path / 'retention.db'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    record_inbound(sessions, "p_old", "sms", "viejo", "SMold")
    record_inbound(sessions, "p_old", "sms", "nuevo", "SMnew")
    with sessions() as session:
        session.execute(
            update(Message)
            .where(Message.twilio_sid == "SMold")
            .values(created_at=datetime.now(UTC) - timedelta(days=181))
        )
        session.commit()
    engine.dispose()
    return url, "p_old"


def transcript_texts(url: str, participant: str) -> list[str]:
    from bot.store.engine import make_engine, make_sessionmaker
    from bot.store.transcript import transcript

    engine = make_engine(url)
    try:
        return [m.text for m in transcript(make_sessionmaker(engine), participant)]
    finally:
        engine.dispose()


def test_purge_deletes_what_is_past_retention_and_prints_what_it_deleted(
    runtime: Runtime, tmp_path
) -> None:
    url, participant = database_with_an_old_and_a_new_message(tmp_path)
    result = run(runtime, "purge", DATABASE_URL=url)
    assert result.exit_code == 0, result.output
    assert "older than 180 days: 1 messages, 0 handoff notes" in result.output
    assert transcript_texts(url, participant) == ["nuevo"]


def test_purge_says_so_when_another_process_is_purging(runtime: Runtime) -> None:
    runtime.redis.set(runtime.keys.purge_lock(), "1")
    result = CliRunner().invoke(
        main,
        ["purge"],
        env=base_environment(runtime.settings.redis_prefix, runtime.settings.database_url),
    )
    assert result.exit_code != 0 and "another process is purging" in result.output


def test_the_scheduler_process_purges_at_start_and_stops_cleanly_on_sigterm(
    runtime: Runtime, tmp_path
) -> None:
    url, participant = database_with_an_old_and_a_new_message(tmp_path)
    env = {
        **os.environ,
        **base_environment(runtime.settings.redis_prefix, url),
    }
    scheduler = subprocess.Popen(
        [str(Path(sys.executable).parent / "almas"), "scheduler"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while transcript_texts(url, participant) != ["nuevo"]:
            assert scheduler.poll() is None, scheduler.communicate()[0]
            assert time.monotonic() < deadline, "the scheduler did not purge within 60 s"
            time.sleep(0.2)
        assert scheduler.poll() is None  # it keeps running after the first jobs
    finally:
        scheduler.send_signal(signal.SIGTERM)
        output = scheduler.communicate(timeout=20)[0]
    assert scheduler.returncode == 0, output
    assert "retention purge" in output


def test_caseworker_dev_gives_a_newcomer_a_console_login_in_development_only(
    runtime: Runtime, tmp_path
) -> None:
    from bot.handoff.accounts import DEVELOPMENT_EMAIL, check_password
    from bot.store.db import upgrade
    from bot.store.engine import make_engine, make_sessionmaker

    url = f"sqlite:///{tmp_path / 'dev.db'}"
    upgrade(url)
    env = base_environment(runtime.settings.redis_prefix, url, ALMAS_ENV="development")
    first = CliRunner().invoke(main, ["caseworker", "dev"], env=env, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    printed = re.search(r"Console: +(\S+) +user (\S+) +password (\S+)", first.output)
    assert printed is not None, first.output
    console, email, password = printed.groups()
    assert console.endswith("/console/") and email == DEVELOPMENT_EMAIL
    engine = make_engine(url)
    try:
        worker = check_password(make_sessionmaker(engine), email, password)
        assert worker is not None and worker.role == "supervisor"
        again = CliRunner().invoke(main, ["caseworker", "dev"], env=env)
        assert f"password {password}" in again.output  # the same login every `make run`
    finally:
        engine.dispose()
        kept = re.search(r"kept in (\S+)\)", first.output)
        assert kept is not None
        (ROOT / kept.group(1)).unlink(missing_ok=True)
    production = base_environment(runtime.settings.redis_prefix, url)
    refused = CliRunner().invoke(main, ["caseworker", "dev"], env=production)
    assert refused.exit_code != 0 and "development only" in refused.output


def test_queue_lists_who_waits_and_how_deep_the_queues_are(runtime: Runtime) -> None:
    runtime.inbox.enqueue("p_waiting", ['{"message_sid": "SMq"}'])
    result = run(runtime, "queue")
    assert result.exit_code == 0, result.output
    assert "0 waiting" in result.output
    assert "inbox: 1 participant(s) with messages waiting, 0 being worked on" in result.output
    assert "outbox: 0 participant(s)" in result.output


def test_deadletters_replay_puts_them_back_in_line_with_attempts_forgotten(
    runtime: Runtime,
) -> None:
    dead_letter_one(runtime)
    result = run(runtime, "deadletters", "replay", "--queue", "inbox")
    assert result.exit_code == 0 and "1 dead letter(s) put back" in result.output
    assert runtime.inbox.deadletters() == []
    assert runtime.inbox.pending("p_dead") == ['{"message_sid": "SMx"}']
    assert runtime.redis.hget(runtime.keys.attempts("inbox", shard_of("p_dead")), "SMx") is None


def test_deadletters_purge_deletes_only_old_ones(runtime: Runtime) -> None:
    dead_letter_one(runtime)
    assert "0 dead letter(s) deleted" in run(
        runtime, "deadletters", "purge", "--older-than-days", "1"
    ).output
    assert "1 dead letter(s) deleted" in run(
        runtime, "deadletters", "purge", "--older-than-days", "0"
    ).output
    assert runtime.inbox.deadletters() == []


def test_erasure_and_retention_remove_dead_letters(runtime: Runtime) -> None:
    from bot.privacy.erasure import erase_everything
    from bot.privacy.retention import purge_expired

    dead_letter_one(runtime)
    erase_everything(runtime, "p_other")
    assert len(runtime.inbox.deadletters()) == 1  # not hers: kept
    erase_everything(runtime, "p_dead")
    assert runtime.inbox.deadletters() == []
    runtime.inbox.enqueue("p_old", ['{"message_sid": "SMold"}'])
    lease = runtime.inbox.claim(5)
    assert lease is not None
    runtime.inbox.fail(lease, '{"message_sid": "SMold"}', "SMold", "boom", 1)
    later = datetime.now(UTC) + timedelta(days=runtime.settings.transcript_retention_days + 1)
    assert purge_expired(runtime, now=later)["dead_letters"] == 1  # type: ignore[index]


def test_a_failed_reply_kept_for_retry_expires_from_its_first_failure(runtime: Runtime) -> None:
    from bot.core.messages import OutboundMessage
    from bot.outbound.delivery import keep_for_retry

    first = OutboundMessage(participant="p_f", channel="sms", to="+15550001111", body="a")
    keep_for_retry(runtime, first)
    key = runtime.keys.outbox_failed("p_f")
    runtime.redis.expire(key, 100)  # as if the first failure was long ago
    keep_for_retry(runtime, OutboundMessage(participant="p_f", channel="sms", to="+1", body="b"))
    assert runtime.redis.ttl(key) <= 100  # a later failure does not keep it alive


def test_content_import_export_and_check_work_on_the_database(
    runtime: Runtime, tmp_path: Path
) -> None:
    """`make run`'s first start (import --if-empty), the export for git (same files back) and
    the check of what is published."""
    database = f"sqlite:///{tmp_path / 'content.db'}"
    upgrade(database)
    env = base_environment(runtime.settings.redis_prefix, database)
    cli = CliRunner()
    imported = cli.invoke(main, ["content", "import", "--if-empty"], env=env)
    assert imported.exit_code == 0 and "new" in imported.output, imported.output
    again = cli.invoke(main, ["content", "import", "--if-empty"], env=env)
    assert "already imported" in again.output
    exported = cli.invoke(main, ["content", "export", "--dir", str(tmp_path / "out")], env=env)
    assert exported.exit_code == 0, exported.output
    for path in sorted((ROOT / "content").glob("*.yml")):
        assert (tmp_path / "out" / path.name).read_text(encoding="utf-8") == path.read_text(
            encoding="utf-8"
        ), path.name
    checked = cli.invoke(main, ["content", "check"], env=env)
    assert checked.exit_code == 0 and "checking the published content" in checked.output
