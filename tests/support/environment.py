"""The test session's environment: the real Redis (db 9) and PostgreSQL, fictitious Twilio
credentials and senders, and the settings every process under test gets. Shared by the suite,
its fixtures and the benchmarks."""

from __future__ import annotations

import os

import redis

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "test-auth-token"
WHATSAPP_SENDER = "whatsapp:+15550000001"
SMS_SENDER = "+15550000002"
SUPERVISOR_ALERT_TO = "whatsapp:+15550000099"


def base_environment(prefix: str, database_url: str, **overrides: str) -> dict[str, str]:
    return {
        "ALMAS_ENV": "production",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": WHATSAPP_SENDER,
        "TWILIO_SMS_FROM": SMS_SENDER,
        "TWILIO_API_URL": "http://127.0.0.1:9",
        "PUBLIC_BASE_URL": "https://almas.example.org",
        "REDIS_URL": REDIS_URL,
        "REDIS_PREFIX": prefix,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "PARTICIPANT_ID_KEY": "test-participant-key",
        # Tests compare SMS bodies with content/ verbatim (tests/integration/test_shaping.py
        # turns transliteration on).
        "SMS_TRANSLITERATE": "false",
        **overrides,
    }


def delete_prefix(client: redis.Redis, prefix: str) -> None:
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])
