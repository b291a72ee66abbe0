"""The helpline's Prometheus metrics: what each process counts and times as it works.

Web, workers and senders are separate processes (gunicorn's web has several of its own), so
every value lives in a file of one shared directory, PROMETHEUS_MULTIPROC_DIR, one file per
process and kind, and the web's `/metrics` adds them up (webhooks/metrics.py). prometheus_client
decides on multiprocess mode when it is first imported, by that variable: so this module makes
sure the directory exists and is in the environment BEFORE it imports prometheus_client. The
`almas` command and gunicorn's config set it first from the settings (environment, then `.env`,
default `var/metrics`, bot/core/settings.py); a process started some other way gets the
environment's value or the default here.

Gauges of shared state (queue depths, tickets waiting) are not kept here: the web reads them
from Redis at scrape time (bot/ops/metrics.py), so no process can count them twice.

Labels never carry a phone number, a participant, a message or an id: every label value comes
from a small closed set, and the helpers below map anything else to "other".
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# The same default as bot/core/settings.py's DEFAULT_METRICS_DIR (a test holds them equal).
DEFAULT_DIRECTORY = Path(__file__).resolve().parents[2] / "var" / "metrics"


def _shared_directory() -> Path:
    path = Path(os.environ.get(MULTIPROC_DIR_VARIABLE, "").strip() or DEFAULT_DIRECTORY)
    path.mkdir(parents=True, exist_ok=True)  # never crash on a directory not made yet
    os.environ[MULTIPROC_DIR_VARIABLE] = str(path)
    return path


# Where this process writes its values (and where the web reads everyone's).
DIRECTORY = _shared_directory()

from prometheus_client import Counter, Histogram, values  # noqa: E402  (after the directory)

if not getattr(values.ValueClass, "_multiprocess", False):  # imported before this module
    logging.getLogger(__name__).warning(
        "prometheus_client was imported before bot.core.metrics: this process's metrics stay "
        "in its memory and /metrics will not show them"
    )

OTHER = "other"

# Label values, each a closed set.
SMS, WHATSAPP = "sms", "whatsapp"
ACCEPTED, REJECTED = "accepted", "rejected"
OK, ERROR, TIMEOUT = "ok", "error", "timeout"
SENT, FAILED, RETRY, AMBIGUOUS = "sent", "failed", "retry", "ambiguous"
INBOX, OUTBOX = "inbox", "outbox"  # the names of bot/core/keys.py's two queues
QUEUES = (INBOX, OUTBOX)

# Not registered on prometheus_client's default registry: the web's scrape reads the files of
# every process through its own registry (bot/ops/metrics.py).
WEBHOOK_ACK_SECONDS = Histogram(
    "almas_webhook_ack_seconds",
    "Time from Twilio's request to the webhook's answer (signature, parse, enqueue).",
    ["channel", "outcome"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
    registry=None,
)
RASA_SECONDS = Histogram(
    "almas_rasa_request_seconds",
    "Time of one call to Rasa's REST channel, by outcome.",
    ["outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
    registry=None,
)
SENDS = Counter(
    "almas_sends",
    "Outbox send attempts by result, with Twilio's error code when it gave one.",
    ["result", "error_code"],
    registry=None,
)
RETRIES = Counter(
    "almas_retries",
    "Items put back in their queue to be tried again after a failure.",
    ["queue"],
    registry=None,
)
DEAD_LETTERS = Counter(
    "almas_deadletters",
    "Items set aside in the dead letters after too many failures.",
    ["queue"],
    registry=None,
)
TURNS = Counter(
    "almas_turns",
    "Inbound messages answered by a worker (replies committed to the outbox).",
    registry=None,
)


def _one_of(value: str, allowed: tuple[str, ...]) -> str:
    return value if value in allowed else OTHER


def channel_label(channel: str) -> str:
    return _one_of(channel, (SMS, WHATSAPP))


def error_code_label(code: object) -> str:
    """Twilio's error code as a label: its five digits (a closed set of codes, never an id or
    a number), "" when there is none, "other" for anything else."""
    if code is None or code == "":
        return ""
    if isinstance(code, int) and not isinstance(code, bool) and 10000 <= code <= 99999:
        return str(code)
    return OTHER


def webhook_acknowledged(channel: str, accepted: bool, seconds: float) -> None:
    outcome = ACCEPTED if accepted else REJECTED
    WEBHOOK_ACK_SECONDS.labels(channel=channel_label(channel), outcome=outcome).observe(seconds)


@contextmanager
def rasa_call(timeouts: tuple[type[BaseException], ...] = ()) -> Iterator[None]:
    """Time one call to Rasa: "ok" when the block ends normally, "timeout" when it raises one
    of `timeouts`, "error" for any other exception (which goes on)."""
    started = time.perf_counter()
    outcome = ERROR
    try:
        yield
        outcome = OK
    except timeouts:
        outcome = TIMEOUT
        raise
    finally:
        RASA_SECONDS.labels(outcome=outcome).observe(time.perf_counter() - started)


def send_result(result: str, error_code: object = None) -> None:
    SENDS.labels(
        result=_one_of(result, (SENT, FAILED, RETRY, AMBIGUOUS)),
        error_code=error_code_label(error_code),
    ).inc()


def retried(queue: str) -> None:
    RETRIES.labels(queue=_one_of(queue, QUEUES)).inc()


def dead_lettered(queue: str) -> None:
    DEAD_LETTERS.labels(queue=_one_of(queue, QUEUES)).inc()


def turn_answered() -> None:
    TURNS.inc()
