"""Settings, read once from the environment (and a `.env` file, which never overrides it).

Production refuses to start without its secrets and names what is missing; development
(`ALMAS_ENV=development`, what `make run` uses) fills in safe local values for what is unset
and says which ones it filled.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from bot.core.addresses import WHATSAPP, address_for, is_dialable

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TWILIO_REAL_API_URL = "https://api.twilio.com"
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'almas.db'}"
# Where every process writes its Prometheus metrics (bot/core/metrics.py).
METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
DEFAULT_METRICS_DIR = PROJECT_ROOT / "var" / "metrics"

DEVELOPMENT = "development"
PRODUCTION = "production"

# Secrets have no default in production: the process refuses to start without them.
REQUIRED_SECRETS = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "SECRET_KEY", "PARTICIPANT_ID_KEY")

# Values `make run` uses when unset. None of them is a real credential.
DEVELOPMENT_DEFAULTS = {
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "dev-auth-token-not-secret",
    "SECRET_KEY": "dev-secret-key-not-secret",
    "PARTICIPANT_ID_KEY": "dev-participant-key-not-secret",
    "TWILIO_WHATSAPP_FROM": "whatsapp:+15550000001",
    "TWILIO_SMS_FROM": "+15550000002",
}


class SettingsError(RuntimeError):
    """A setting is missing or malformed; the message names it."""


def _text(name: str, raw: str) -> str:
    return raw.strip()


def _url(name: str, raw: str) -> str:
    return raw.strip().rstrip("/")


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc


def _float(name: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _addresses(name: str, raw: str) -> tuple[str, ...]:
    """A comma-separated list of numbers ("+57…") or WhatsApp addresses ("whatsapp:+57…")."""
    addresses = tuple(a.strip() for a in raw.split(",") if a.strip())
    wrong = [a for a in addresses if not is_dialable(a)]
    if wrong:
        raise SettingsError(
            f"{name} must list E.164 numbers (+57…) or whatsapp:+57… addresses; "
            f"not a possible number: {', '.join(wrong)}"
        )
    return addresses


@dataclass(frozen=True)
class Settings:
    env: str = PRODUCTION
    twilio_account_sid: str = ""
    twilio_auth_token: str = field(default="", repr=False)
    twilio_api_url: str = TWILIO_REAL_API_URL
    twilio_whatsapp_from: str = ""
    twilio_sms_from: str = ""
    twilio_messaging_service_sid: str = ""
    public_base_url: str = "http://127.0.0.1:5000"
    port: int = 5000
    redis_url: str = "redis://127.0.0.1:6379/0"
    # REDIS_URL names one node of a Redis Cluster (the client finds the rest).
    redis_cluster: bool = False
    # Rasa's tracker and lock stores do not speak Cluster: with REDIS_CLUSTER they need a
    # plain Redis of their own; otherwise they share REDIS_URL.
    rasa_redis_url: str = ""
    redis_prefix: str = "almas"
    database_url: str = ""
    rasa_url: str = "http://127.0.0.1:5005"
    action_server_url: str = "http://127.0.0.1:5055"
    nlg_url: str = "http://127.0.0.1:5000/nlg"
    secret_key: str = field(default="", repr=False)
    participant_id_key: str = field(default="", repr=False)
    # Engine tuning: how long a worker holds a participant before others may take her over,
    # how often a message may fail before it is dead-lettered, and Rasa's timeout.
    lease_seconds: float = 20.0
    max_attempts: int = 5
    rasa_timeout_seconds: float = 30.0
    outbox_max_attempts: int = 12
    # Seconds a send to Twilio may take; after that the attempt is "uncertain" (Twilio may have
    # the message) and is reconciled before any resend. How long after an uncertain attempt
    # Twilio's message list is trusted to show it (the list is eventually consistent).
    twilio_timeout_seconds: float = 15.0
    outbox_reconcile_wait_seconds: float = 10.0
    dedupe_hours: int = 48
    tracker_expiry_days: int = 90
    # Personal data: transcripts and case notes older than this are purged (Ley 1581).
    transcript_retention_days: int = 180
    # Abuse: messages per sender per minute before she is asked to slow down; the longest
    # Body accepted (Twilio sends at most 1,600 SMS / 4,096 WhatsApp characters); how much of
    # a message goes to Rasa (the crisis check always reads all of it).
    rate_limit_per_minute: int = 15
    max_body_chars: int = 4096
    rasa_max_chars: int = 1000
    # SMS cost: transliterate á í ó ú… to GSM-7 and drop emoji (a segment holds 160 characters
    # instead of 70) and split long answers into numbered parts within this many segments per reply.
    sms_transliterate: bool = True
    sms_budget_segments: int = 3
    # Reports (bot/reports/): what one SMS segment costs (the currency of the Twilio invoice;
    # 0: unknown, no cost is shown), and the smallest number of women a figure may describe
    # (fewer, and the figure is hidden as "<5").
    sms_price_per_segment: float = 0.0
    report_suppress_below: int = 5
    # Addresses ("whatsapp:+…" or "+…") told at once when an urgent ticket opens.
    supervisor_alert_to: tuple[str, ...] = ()
    # Scholarship reminders go this many days before a call closes (bot/reminders/job.py).
    reminder_days_before: int = 3
    # Ley 2300 de 2023 for proactive messages (hours, holidays, one a day;
    # bot/outbound/proactive.py).
    # Only development may turn it off (the simulator at night); production refuses.
    proactive_limits: bool = True
    # Prometheus: the directory every process writes its metrics to (the same for all), and
    # the bearer token /metrics asks for (production serves no /metrics without one).
    metrics_dir: str = str(DEFAULT_METRICS_DIR)
    metrics_token: str = field(default="", repr=False)
    filled_in: tuple[str, ...] = ()

    @property
    def is_development(self) -> bool:
        return self.env == DEVELOPMENT

    def twilio_sender_for(self, channel: str) -> dict[str, str]:
        """The `From` / `MessagingServiceSid` field of a send on this channel."""
        if channel == "whatsapp":
            if self.twilio_whatsapp_from:
                return {"from_": address_for(WHATSAPP, self.twilio_whatsapp_from)}
            if self.twilio_messaging_service_sid:
                return {"messaging_service_sid": self.twilio_messaging_service_sid}
            raise SettingsError("TWILIO_WHATSAPP_FROM is needed to answer on WhatsApp")
        # SMS in Colombia usually goes through a Messaging Service (short code pool).
        if self.twilio_messaging_service_sid:
            return {"messaging_service_sid": self.twilio_messaging_service_sid}
        if self.twilio_sms_from:
            return {"from_": self.twilio_sms_from}
        raise SettingsError("TWILIO_SMS_FROM or TWILIO_MESSAGING_SERVICE_SID is needed for SMS")


# Every setting read from the environment: variable -> (Settings field, parser). The defaults
# are the Settings dataclass's, written once above. (ALMAS_ENV and PORT are read first: the
# other defaults depend on them.)
ENVIRONMENT: dict[str, tuple[str, Callable[[str, str], object]]] = {
    "TWILIO_ACCOUNT_SID": ("twilio_account_sid", _text),
    "TWILIO_AUTH_TOKEN": ("twilio_auth_token", _text),
    "TWILIO_API_URL": ("twilio_api_url", _url),
    "TWILIO_WHATSAPP_FROM": ("twilio_whatsapp_from", _text),
    "TWILIO_SMS_FROM": ("twilio_sms_from", _text),
    "TWILIO_MESSAGING_SERVICE_SID": ("twilio_messaging_service_sid", _text),
    "PUBLIC_BASE_URL": ("public_base_url", _url),
    "REDIS_URL": ("redis_url", _text),
    "REDIS_PREFIX": ("redis_prefix", _text),
    "REDIS_CLUSTER": ("redis_cluster", _bool),
    "RASA_REDIS_URL": ("rasa_redis_url", _text),
    "DATABASE_URL": ("database_url", _text),
    "RASA_URL": ("rasa_url", _url),
    "ACTION_SERVER_URL": ("action_server_url", _url),
    "NLG_URL": ("nlg_url", _text),
    "SECRET_KEY": ("secret_key", _text),
    "PARTICIPANT_ID_KEY": ("participant_id_key", _text),
    "WORKER_LEASE_SECONDS": ("lease_seconds", _float),
    "WORKER_MAX_ATTEMPTS": ("max_attempts", _int),
    "RASA_TIMEOUT_SECONDS": ("rasa_timeout_seconds", _float),
    "OUTBOX_MAX_ATTEMPTS": ("outbox_max_attempts", _int),
    "TWILIO_TIMEOUT_SECONDS": ("twilio_timeout_seconds", _float),
    "OUTBOX_RECONCILE_WAIT_SECONDS": ("outbox_reconcile_wait_seconds", _float),
    "DEDUPE_HOURS": ("dedupe_hours", _int),
    "TRACKER_EXPIRY_DAYS": ("tracker_expiry_days", _int),
    "TRANSCRIPT_RETENTION_DAYS": ("transcript_retention_days", _int),
    "RATE_LIMIT_PER_MINUTE": ("rate_limit_per_minute", _int),
    "MAX_BODY_CHARS": ("max_body_chars", _int),
    "RASA_MAX_CHARS": ("rasa_max_chars", _int),
    "SMS_TRANSLITERATE": ("sms_transliterate", _bool),
    "SMS_BUDGET_SEGMENTS": ("sms_budget_segments", _int),
    "SMS_PRICE_PER_SEGMENT": ("sms_price_per_segment", _float),
    "REPORT_SUPPRESS_BELOW": ("report_suppress_below", _int),
    "SUPERVISOR_ALERT_TO": ("supervisor_alert_to", _addresses),
    "REMINDER_DAYS_BEFORE": ("reminder_days_before", _int),
    "PROACTIVE_LIMITS": ("proactive_limits", _bool),
    METRICS_DIR_VARIABLE: ("metrics_dir", _text),
    "METRICS_TOKEN": ("metrics_token", _text),
}


def _read_environment(dotenv_path: Path | None) -> dict[str, str]:
    env: dict[str, str] = {}
    path = dotenv_path if dotenv_path is not None else PROJECT_ROOT / ".env"
    if path.is_file():
        env.update({k: v for k, v in dotenv_values(path).items() if v is not None})
    env.update(os.environ)  # the real environment always wins over the file
    return env


def load_settings(
    environ: dict[str, str] | None = None, dotenv_path: Path | None = None
) -> Settings:
    """Build settings from `environ` (default: `.env` overlaid by the process environment)."""
    env = dict(environ) if environ is not None else _read_environment(dotenv_path)
    mode = env.get("ALMAS_ENV", PRODUCTION).strip().lower() or PRODUCTION
    if mode not in (DEVELOPMENT, PRODUCTION):
        raise SettingsError(f"ALMAS_ENV must be {DEVELOPMENT!r} or {PRODUCTION!r}, got {mode!r}")

    port = _int("PORT", env["PORT"]) if env.get("PORT", "").strip() else Settings.port
    filled: list[str] = []
    if mode == DEVELOPMENT:
        # No Twilio account needed: sends go to the simulator's Twilio-compatible endpoint.
        local = {
            **DEVELOPMENT_DEFAULTS,
            "TWILIO_API_URL": f"http://127.0.0.1:{port}/simulator/twilio",
        }
        for name, value in local.items():
            if not env.get(name):
                env[name] = value
                filled.append(name)
    else:
        missing = [name for name in REQUIRED_SECRETS if not env.get(name)]
        if missing:
            raise SettingsError(
                "production mode needs these settings, which are unset: " + ", ".join(missing)
            )

    values: dict[str, object] = {}
    for name, (field_name, parse) in ENVIRONMENT.items():
        raw = env.get(name, "")
        if raw.strip() != "":
            values[field_name] = parse(name, raw)
    # Defaults that depend on another setting (the rest are the dataclass's own).
    values.setdefault("public_base_url", f"http://127.0.0.1:{port}")
    values.setdefault("nlg_url", f"http://127.0.0.1:{port}/nlg")
    values.setdefault("database_url", DEFAULT_DATABASE_URL)
    if values.get("redis_cluster") and not values.get("rasa_redis_url"):
        raise SettingsError(
            "REDIS_CLUSTER=true needs RASA_REDIS_URL: Rasa's tracker store does not speak "
            "Redis Cluster, so it needs a plain Redis (redis://host:port/db)"
        )
    values.setdefault("rasa_redis_url", values.get("redis_url", Settings.redis_url))
    if values.get("sms_price_per_segment", 0.0) < 0:  # type: ignore[operator]
        raise SettingsError("SMS_PRICE_PER_SEGMENT cannot be negative")
    if values.get("report_suppress_below", Settings.report_suppress_below) < 1:  # type: ignore[operator]
        raise SettingsError("REPORT_SUPPRESS_BELOW must be at least 1")
    if values.get("proactive_limits") is False and mode != DEVELOPMENT:
        raise SettingsError("PROACTIVE_LIMITS=false is for development only (Ley 2300 de 2023)")
    return Settings(env=mode, port=port, filled_in=tuple(filled), **values)  # type: ignore[arg-type]


def share_metrics_directory(dotenv_path: Path | None = None) -> Path:
    """Put PROMETHEUS_MULTIPROC_DIR (environment, then `.env`, default var/metrics) in this
    process's environment as an absolute path, and create the directory.

    Read on its own, without secrets, and first thing (the `almas` command, gunicorn's config):
    prometheus_client picks multiprocess mode when it is imported, and the processes this one
    starts (gunicorn's workers) inherit the environment.
    """
    raw = _read_environment(dotenv_path).get(METRICS_DIR_VARIABLE, "").strip()
    path = (Path(raw).expanduser() if raw else DEFAULT_METRICS_DIR).absolute()
    path.mkdir(parents=True, exist_ok=True)
    os.environ[METRICS_DIR_VARIABLE] = str(path)
    return path


def content_dir() -> Path:
    """Where content/ is read from (CONTENT_DIR; default the repository's content/).

    Read on its own, without secrets, because every process (the action server too) needs it.
    """
    return Path(os.environ.get("CONTENT_DIR") or PROJECT_ROOT / "content")


def announce(settings: Settings) -> None:
    """Say, once at start-up, which local values development mode filled in."""
    if settings.filled_in:
        log.warning(
            "development mode: using local placeholder values for %s (set them in .env "
            "or the environment to override)",
            ", ".join(settings.filled_in),
        )
