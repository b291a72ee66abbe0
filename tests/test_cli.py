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
