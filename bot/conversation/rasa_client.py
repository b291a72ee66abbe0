"""Rasa's REST channel, as the worker sees it. Rasa only ever receives a pseudonymous id."""

from __future__ import annotations

from typing import Any

import requests

from bot.core import metrics
from bot.core.messages import BotReply, replies_from_rasa

# Our channel (flows/channels.py): messages kept whole, 500 when processing failed.
WEBHOOK_PATH = "/webhooks/almas/webhook"


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
            return self._send(sender, text)

    def _send(self, sender: str, text: str) -> list[BotReply]:
        try:
            response = self.http.post(
                f"{self.base_url}{WEBHOOK_PATH}",
                json={"sender": sender, "message": text},
                timeout=self.timeout,
            )
        except requests.ConnectionError as exc:
            raise RasaUnavailable(f"Rasa is not reachable at {self.base_url}") from exc
        except requests.Timeout as exc:
            raise RasaTimeout(f"Rasa did not answer within {self.timeout:.0f} s") from exc
        # 502/503: a proxy in front of Rasa, or Rasa still loading its model.
        if response.status_code in (502, 503, 504):
            raise RasaUnavailable(f"Rasa answered {response.status_code}")
        if response.status_code != 200:
            raise RasaError(f"Rasa answered {response.status_code}: {response.text[:200]}")
        payload: Any = response.json()
        if not isinstance(payload, list):
            raise RasaError(f"unexpected answer from Rasa: {str(payload)[:200]}")
        return replies_from_rasa(payload)

    def parse(self, text: str) -> tuple[str, float]:
        """What Rasa's NLU makes of `text` alone (intent, confidence); nothing is stored."""
        with metrics.rasa_call(timeouts=(RasaTimeout,)):
            try:
                response = self.http.post(
                    f"{self.base_url}/model/parse", json={"text": text}, timeout=self.timeout
                )
            except requests.ConnectionError as exc:
                raise RasaUnavailable(f"Rasa is not reachable at {self.base_url}") from exc
            except requests.Timeout as exc:
                raise RasaTimeout(f"Rasa did not answer within {self.timeout:.0f} s") from exc
        if response.status_code != 200:
            raise RasaError(f"Rasa answered {response.status_code}: {response.text[:200]}")
        intent = response.json().get("intent") or {}
        return str(intent.get("name") or ""), float(intent.get("confidence") or 0.0)

    def status(self) -> dict[str, Any]:
        response = self.http.get(f"{self.base_url}/status", timeout=3)
        response.raise_for_status()
        return response.json()
