"""Sending through Twilio's REST API with twilio's Python client, and sorting its errors.

Retryable: HTTP 5xx, 429 / 20429 (too many requests), 63018 (WhatsApp rate limit) and network
errors. Everything else Twilio refuses is permanent for that message (21610 she unsubscribed,
21211 invalid number, 63016 outside the WhatsApp window …) and is recorded with its code.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bot.messages import OutboundMessage
from bot.settings import Settings

RETRYABLE_CODES = frozenset({20429, 63018})
SEND_TIMEOUT_SECONDS = 15


class SendFailed(RuntimeError):
    def __init__(self, message: str, retryable: bool, code: int | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code


@dataclass(frozen=True)
class SendResult:
    sid: str
    status: str


def is_retryable(http_status: int | None, code: int | None) -> bool:
    if code in RETRYABLE_CODES:
        return True
    return http_status is not None and (http_status >= 500 or http_status == 429)


class TwilioGateway:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client = Client(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            http_client=TwilioHttpClient(timeout=SEND_TIMEOUT_SECONDS),
        )
        # Tests and the simulator point this at a local Twilio-compatible endpoint.
        self.client.api.base_url = settings.twilio_api_url

    def send(self, message: OutboundMessage) -> SendResult:
        fields: dict[str, object] = {
            "to": message.to,
            **self.settings.twilio_sender_for(message.channel),
        }
        if message.content_sid:  # a template: since 2025 WhatsApp refuses it as plain Body
            fields["content_sid"] = message.content_sid
            if message.content_variables:
                fields["content_variables"] = message.content_variables
        else:
            fields["body"] = message.body
        if message.media_url:
            fields["media_url"] = [message.media_url]
        try:
            created = self.client.messages.create(**fields)
        except TwilioRestException as exc:
            raise SendFailed(
                f"Twilio refused the message: HTTP {exc.status}, code {exc.code}: {exc.msg}",
                retryable=is_retryable(exc.status, exc.code),
                code=exc.code,
            ) from exc
        except (requests.RequestException, TwilioException) as exc:
            raise SendFailed(f"could not reach Twilio: {exc}", retryable=True) from exc
        return SendResult(sid=str(created.sid), status=str(created.status or "queued"))
