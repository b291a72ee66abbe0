"""Settings come from the environment; production refuses to start without its secrets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.core.settings import REQUIRED_SECRETS, TWILIO_REAL_API_URL, SettingsError, load_settings

SECRETS = {name: f"value-of-{name.lower()}" for name in REQUIRED_SECRETS}
DEV = {"ALMAS_ENV": "development"}


def test_production_names_every_missing_secret() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(environ={"ALMAS_ENV": "production", "SECRET_KEY": "x"})
    message = str(raised.value)
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "PARTICIPANT_ID_KEY"):
        assert name in message
    assert "SECRET_KEY" not in message


def test_production_is_the_default_mode() -> None:
    with pytest.raises(SettingsError):
        load_settings(environ={})


def test_development_fills_in_only_what_is_unset_and_says_which() -> None:
    settings = load_settings(environ={"ALMAS_ENV": "development", "SECRET_KEY": "mine"})
    assert settings.secret_key == "mine"
    assert "SECRET_KEY" not in settings.filled_in
    assert "TWILIO_AUTH_TOKEN" in settings.filled_in
    assert settings.twilio_api_url == "http://127.0.0.1:5000/simulator/twilio"


def test_defaults() -> None:
    settings = load_settings(environ={**SECRETS})
    assert settings.twilio_api_url == TWILIO_REAL_API_URL
    assert settings.port == 5000
    assert settings.public_base_url == "http://127.0.0.1:5000"
    assert settings.database_url.startswith("sqlite:///")
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.dedupe_hours >= 48


def test_environment_wins_over_dotenv_file(tmp_path: Path, monkeypatch) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "PORT=6000\nRASA_URL=http://from-file:5005\n"
        + "".join(f"{k}={v}\n" for k, v in SECRETS.items())
    )
    monkeypatch.setenv("PORT", "7000")
    settings = load_settings(dotenv_path=dotenv)
    assert settings.port == 7000
    assert settings.rasa_url == "http://from-file:5005"


def test_bad_number_is_named() -> None:
    with pytest.raises(SettingsError, match="PORT"):
        load_settings(environ={**SECRETS, "PORT": "cinco mil"})


@pytest.mark.parametrize(
    ("environ", "channel", "expected"),
    [
        ({"TWILIO_WHATSAPP_FROM": "+14155238886"}, "whatsapp", {"from_": "whatsapp:+14155238886"}),
        ({"TWILIO_SMS_FROM": "+15550000002"}, "sms", {"from_": "+15550000002"}),
        (
            {"TWILIO_SMS_FROM": "+15550000002", "TWILIO_MESSAGING_SERVICE_SID": "MG1"},
            "sms",
            {"messaging_service_sid": "MG1"},
        ),
        ({"TWILIO_MESSAGING_SERVICE_SID": "MG1"}, "whatsapp", {"messaging_service_sid": "MG1"}),
    ],
)
def test_sender_per_channel(environ, channel, expected) -> None:
    assert load_settings(environ={**SECRETS, **environ}).twilio_sender_for(channel) == expected


def test_no_sender_configured_is_a_clear_error() -> None:
    with pytest.raises(SettingsError, match="TWILIO_SMS_FROM"):
        load_settings(environ={**SECRETS}).twilio_sender_for("sms")


@pytest.mark.parametrize(
    "value",
    ["+57300123", "whatsapp:+1555", "3001234567", "+57 300 123 4567", "+5730012345678901"],
)
def test_supervisor_alert_to_that_is_not_a_possible_number_is_named(value: str) -> None:
    with pytest.raises(SettingsError, match="SUPERVISOR_ALERT_TO") as error:
        load_settings(environ={**DEV, "SUPERVISOR_ALERT_TO": f"+573001234567,{value}"})
    assert value.strip() in str(error.value) and "+573001234567," not in str(error.value)


def test_supervisor_alert_to_takes_numbers_and_whatsapp_addresses() -> None:
    settings = load_settings(
        environ={**DEV, "SUPERVISOR_ALERT_TO": " +573001234567 , whatsapp:+573007654321 "}
    )
    assert settings.supervisor_alert_to == ("+573001234567", "whatsapp:+573007654321")


def test_every_setting_is_read_once_and_documented_in_the_readme_and_env_example() -> None:
    from dataclasses import fields

    from bot.core.settings import ENVIRONMENT, PROJECT_ROOT, Settings

    names = {f.name for f in fields(Settings)}
    assert {field_name for field_name, _ in ENVIRONMENT.values()} <= names
    readme = (PROJECT_ROOT / "README.md").read_text()
    table = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", readme, re.MULTILINE))
    env_example = (PROJECT_ROOT / ".env.example").read_text()
    read_elsewhere = {"ALMAS_ENV", "PORT", "CONTENT_DIR", "LOG_LEVEL"}
    assert set(ENVIRONMENT) | read_elsewhere == table
    for name in set(ENVIRONMENT) | read_elsewhere:
        assert re.search(rf"^#? ?{name}=", env_example, re.MULTILINE), f"{name} not in .env.example"
