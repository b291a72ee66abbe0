"""Rasa's REST channel, as the worker sees it. Rasa only ever receives a pseudonymous id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from bot.core import metrics
from bot.core.messages import BotReply, replies_from_rasa

# Our channel (flows/channels.py): messages kept whole, 500 when processing failed.
WEBHOOK_PATH = "/webhooks/almas/webhook"
# Reading her tracker after a turn (what the NLU understood): short, as it is only for reports.
TRACKER_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Intent:
    """The NLU's reading of one message: the intent's name and its confidence (0-1)."""

    name: str
    confidence: float


class RasaUnavailable(RuntimeError):
    """Rasa cannot be reached (stopped, restarting, still loading): wait and try again."""


class RasaError(RuntimeError):
    """Rasa answered, but with an error: this message may be the problem."""


class RasaTimeout(RasaError):
    """Rasa did not answer in time (handled as any RasaError; timed apart in the metrics)."""


class RasaClient:
    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()

    def send(self, sender: str, text: str) -> list[BotReply]:
        with metrics.rasa_call(timeouts=(RasaTimeout,)):
            response = self._request("POST", WEBHOOK_PATH, json={"sender": sender, "message": text})
        payload: Any = response.json()
        if not isinstance(payload, list):
            raise RasaError(f"unexpected answer from Rasa: {str(payload)[:200]}")
        return replies_from_rasa(payload)

    def parse(self, text: str) -> Intent:
        """What Rasa's NLU makes of `text` alone; nothing is stored."""
        with metrics.rasa_call(timeouts=(RasaTimeout,)):
            response = self._request("POST", "/model/parse", json={"text": text})
        return _intent_of(response.json(), response.text) or Intent("", 0.0)

    def latest_intent(self, sender: str, timeout: float = TRACKER_TIMEOUT_SECONDS) -> Intent | None:
        """What the NLU understood of her latest message (read after her turn, from the
        tracker Rasa keeps; Rasa runs with --enable-api). None: no message of hers yet."""
        with metrics.rasa_call(timeouts=(RasaTimeout,)):
            response = self._request(
                "GET",
                f"/conversations/{quote(sender, safe='')}/tracker",
                params={"include_events": "NONE"},
                timeout=timeout,
            )
        tracker = response.json()
        latest = tracker.get("latest_message") if isinstance(tracker, dict) else None
        return _intent_of(latest or {}, response.text)

    def _request(
        self, method: str, path: str, timeout: float | None = None, **kwargs: Any
    ) -> requests.Response:
        """One call to Rasa: unreachable or still loading (502/503/504) → RasaUnavailable (wait
        and retry, using up no attempts); any other answer but 200 → RasaError."""
        timeout = self.timeout if timeout is None else timeout
        try:
            response = self.http.request(
                method, f"{self.base_url}{path}", timeout=timeout, **kwargs
            )
        except requests.ConnectionError as exc:
            raise RasaUnavailable(f"Rasa is not reachable at {self.base_url}") from exc
        except requests.Timeout as exc:
            raise RasaTimeout(f"Rasa did not answer within {timeout:.0f} s") from exc
        # 502/503: a proxy in front of Rasa, or Rasa still loading its model.
        if response.status_code in (502, 503, 504):
            raise RasaUnavailable(f"Rasa answered {response.status_code}")
        if response.status_code != 200:
            raise RasaError(f"Rasa answered {response.status_code}: {response.text[:200]}")
        return response

    def status(self) -> dict[str, Any]:
        response = self.http.get(f"{self.base_url}/status", timeout=3)
        response.raise_for_status()
        return response.json()


def _intent_of(message: Any, raw: str) -> Intent | None:
    """The intent of a parsed message (`/model/parse`, a tracker's latest_message)."""
    try:
        intent = message.get("intent") or {}
        name = str(intent.get("name") or "")
        confidence = float(intent.get("confidence") or 0.0)
    except (ValueError, AttributeError, TypeError) as exc:
        raise RasaError(f"unexpected answer from Rasa: {raw[:200]}") from exc
    return Intent(name, confidence) if name else None
