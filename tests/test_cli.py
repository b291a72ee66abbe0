"""The `almas` command line."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bot.cli import main
from bot.runtime import Runtime
from tests.conftest import base_environment


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
    from bot.caseworkers import by_token, check_password

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
    assert lines[-1] == "2 waiting"
