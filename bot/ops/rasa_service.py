"""Running Rasa as a separate service from its own environment (.venv-rasa, Python 3.10).

The app never imports rasa: this module only writes Rasa's endpoint configuration from the
settings (one source of truth for Redis and URLs) and starts the `rasa` executable.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import yaml

from bot.core.keys import Keys
from bot.core.settings import PROJECT_ROOT, Settings

RASA_BIN = Path(os.environ.get("RASA_BIN", PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"))
MODELS_DIR = PROJECT_ROOT / "models"
MODEL_NAME = "almas"
MODEL_PATH = MODELS_DIR / f"{MODEL_NAME}.tar.gz"
FINGERPRINT_PATH = MODELS_DIR / "training-fingerprint"
# What the model is trained from (test stories and the held-out set are not).
TRAINING_INPUTS = (
    PROJECT_ROOT / "nlu" / "config.yml",
    PROJECT_ROOT / "nlu" / "data",
    PROJECT_ROOT / "flows" / "domain.yml",
    PROJECT_ROOT / "flows" / "data",
)

# Rasa must not try to reach the internet (telemetry) and its libraries are noisy.
RASA_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "PYTHONWARNINGS": "ignore",
}


def training_fingerprint() -> str:
    """Hash of everything the model is trained from."""
    digest = hashlib.sha256()
    for root in TRAINING_INPUTS:
        for path in [root] if root.is_file() else sorted(root.rglob("*.yml")):
            digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def model_is_current() -> bool:
    return (
        MODEL_PATH.is_file()
        and FINGERPRINT_PATH.is_file()
        and FINGERPRINT_PATH.read_text().strip() == training_fingerprint()
    )


def train(force: bool = False) -> bool:
    """Train the model if nlu/ or flows/ changed since the last training. True if it trained."""
    if not force and model_is_current():
        return False
    fingerprint = training_fingerprint()
    MODELS_DIR.mkdir(exist_ok=True)
    command = [
        str(RASA_BIN), "train",
        "--config", str(PROJECT_ROOT / "nlu" / "config.yml"),
        "--domain", str(PROJECT_ROOT / "flows" / "domain.yml"),
        "--data", str(PROJECT_ROOT / "nlu" / "data"), str(PROJECT_ROOT / "flows" / "data"),
        "--out", str(MODELS_DIR),
        "--fixed-model-name", MODEL_NAME,
    ]  # fmt: skip
    subprocess.run(command, check=True, env={**os.environ, **RASA_ENV}, cwd=PROJECT_ROOT)
    FINGERPRINT_PATH.write_text(fingerprint + "\n")
    return True


def tracker_key_prefix(settings: Settings) -> str:
    """The key prefix of Rasa's tracker store (bot/core/keys.py names it)."""
    return Keys(settings.redis_prefix).rasa_tracker_prefix()


def endpoints_config(settings: Settings) -> dict:
    """Rasa's endpoints.yml: tracker and lock store in our Redis, actions, NLG from the app."""
    redis_url = urlparse(settings.rasa_redis_url)
    db = int((redis_url.path or "/0").lstrip("/") or 0)
    redis_common = {
        "url": redis_url.hostname or "127.0.0.1",
        "port": redis_url.port or 6379,
        "db": db,
        "key_prefix": tracker_key_prefix(settings),
        "use_ssl": redis_url.scheme == "rediss",
    }
    if redis_url.password:
        redis_common["password"] = redis_url.password
    return {
        "action_endpoint": {"url": settings.action_server_url + "/webhook"},
        "nlg": {"url": settings.nlg_url},
        "tracker_store": {
            "type": "redis",
            **redis_common,
            "record_exp": settings.tracker_expiry_days * 24 * 3600,
        },
        "lock_store": {"type": "redis", **redis_common},
    }


def write_endpoints(settings: Settings, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(endpoints_config(settings), sort_keys=False))
    return path


def run_command(settings: Settings, endpoints_path: Path, port: int) -> list[str]:
    return [
        str(RASA_BIN), "run",
        "--enable-api",
        "--interface", "127.0.0.1",
        "--port", str(port),
        "--model", str(MODEL_PATH),
        "--endpoints", str(endpoints_path),
        "--credentials", str(PROJECT_ROOT / "flows" / "credentials.yml"),
    ]  # fmt: skip


def rasa_environment() -> dict[str, str]:
    """Rasa's environment: quiet, offline, and able to import flows.channels."""
    path = os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, **RASA_ENV, "PYTHONPATH": path}
