"""The REST channel the worker talks to, loaded by the Rasa process (never by the app).

Rasa's stock REST channel (1) splits every text at blank lines into separate messages — on
SMS that is one more message (and segment) per paragraph, and a lonely "Escribe MÁS" — and
(2) answers 200 with whatever it collected when processing fails. This channel keeps each
message whole and answers 500 on failure, so the worker retries instead of staying silent.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)


class WholeMessageOutput(CollectingOutputChannel):
    @classmethod
    def name(cls) -> str:
        return "almas"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._persist_message(self._message(recipient_id, text=text.strip()))


class AlmasRestInput(RestInput):
    """POST /webhooks/almas/webhook {"sender", "message"} → the bot's messages, whole."""

    @classmethod
    def name(cls) -> str:
        return "almas"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("almas_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            sender_id = await self._extract_sender(request)
            text = self._extract_message(request)
            collector = WholeMessageOutput()
            try:
                await on_new_message(
                    UserMessage(
                        text,
                        collector,
                        sender_id,
                        input_channel=self.name(),
                        metadata=self.get_metadata(request),
                    )
                )
            except Exception as exc:  # the worker retries; never a silent 200
                logger.exception("processing a message failed")
                return response.json({"error": type(exc).__name__}, status=500)
            return response.json(collector.messages)

        return webhook
