"""Sending through Twilio's REST API with twilio's Python client, and sorting its errors.

Retryable: HTTP 5xx, 429 / 20429 (too many requests), 63018 (WhatsApp rate limit) and network
errors. Everything else Twilio refuses is permanent for that message (21610 she unsubscribed,
21211 invalid number, 63016 outside the WhatsApp window …) and is recorded with its code.

A network error is *ambiguous* when the request may have reached Twilio: a read timeout or a
connection dropped after the request was written. Then Twilio may have created the message,
and the outbox looks for it (`find_sent`) before sending again. A connection that was never
made (refused, DNS, connect timeout) and a clean HTTP error answer are not ambiguous.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import requests
import urllib3.exceptions
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bot.channels.twilio.errors import RETRYABLE_CODES
from bot.core.messages import OutboundMessage
from bot.core.settings import Settings

# How many of her newest messages the reconciliation reads (one page). Her later entries wait
# behind the uncertain one, so only older messages can push it off the page.
LOOKUP_PAGE_SIZE = 50
# Our clock and Twilio's (whole seconds) may disagree a little.
CLOCK_SKEW = timedelta(seconds=60)
# Errors meaning no connection was ever made: Twilio cannot have received anything.
_NEVER_CONNECTED = (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError)


class SendFailed(RuntimeError):
    def __init__(
        self, message: str, retryable: bool, code: int | None = None, ambiguous: bool = False
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code
        # True: Twilio may have created the message although we got no answer.
        self.ambiguous = ambiguous


@dataclass(frozen=True)
class SendResult:
    sid: str
    status: str


def is_retryable(http_status: int | None, code: int | None) -> bool:
    if code in RETRYABLE_CODES:
        return True
    return http_status is not None and (http_status >= 500 or http_status == 429)


def is_ambiguous(exc: Exception) -> bool:
    """May the request have reached Twilio although it failed? (see the module docstring)"""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
        return not isinstance(reason, _NEVER_CONNECTED)
    return isinstance(exc, requests.Timeout)


class TwilioGateway:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client = Client(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            http_client=TwilioHttpClient(timeout=settings.twilio_timeout_seconds),
        )
        # Tests and the simulator point this at a local Twilio-compatible endpoint.
        self.client.api.base_url = settings.twilio_api_url

    def status_callback(self, outbox_id: str) -> str:
        """Where Twilio reports this entry's statuses; the id lets the callback find it."""
        return f"{self.settings.public_base_url}/twilio/status?outbox_id={outbox_id}"

    def send(self, message: OutboundMessage) -> SendResult:
        fields: dict[str, object] = {
            "to": message.to,
            **self.settings.twilio_sender_for(message.channel),
            "status_callback": self.status_callback(message.id),
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
            raise SendFailed(
                f"could not reach Twilio: {exc}", retryable=True, ambiguous=is_ambiguous(exc)
            ) from exc
        return SendResult(sid=str(created.sid), status=str(created.status or "queued"))

    def find_sent(
        self,
        message: OutboundMessage,
        since: datetime,
        taken: Callable[[str], bool],
    ) -> SendResult | None:
        """The message Twilio created for `message` at or after `since`, if its list shows one.

        Reads her newest messages (filtered by To only) and matches locally: our sender, the
        same Body (for a template any body: Twilio lists the rendered text), created after
        `since` minus the clock skew, and not `taken` by another outbox entry (so an identical
        earlier message, like a menu sent twice, is never mistaken for this one).

        Not filtered by DateSent on purpose: a message still queued at Twilio has no date_sent
        yet, and a just-created one (the ambiguous case) usually is still queued.
        Raises SendFailed (retryable) when the list cannot be read: then nothing is known.
        """
        try:
            listed = self.client.messages.list(to=message.to, limit=LOOKUP_PAGE_SIZE)
        except TwilioRestException as exc:
            raise SendFailed(
                f"could not read Twilio's message list: HTTP {exc.status}, code {exc.code}",
                retryable=True,
                code=exc.code,
            ) from exc
        except (requests.RequestException, TwilioException) as exc:
            raise SendFailed(f"could not read Twilio's message list: {exc}", True) from exc
        sender = self.settings.twilio_sender_for(message.channel)
        for found in listed:
            if self._matches(found, message, sender, since) and not taken(str(found.sid)):
                return SendResult(sid=str(found.sid), status=str(found.status or "queued"))
        return None

    @staticmethod
    def _matches(
        found: object, message: OutboundMessage, sender: dict[str, str], since: datetime
    ) -> bool:
        created = getattr(found, "date_created", None)
        if created is None or created < since.astimezone(UTC) - CLOCK_SKEW:
            return False
        if getattr(found, "to", None) != message.to:
            return False
        if "from_" in sender and getattr(found, "from_", None) != sender["from_"]:
            return False
        service = sender.get("messaging_service_sid")
        if service and getattr(found, "messaging_service_sid", None) != service:
            return False
        if message.content_sid:
            return True
        return (getattr(found, "body", None) or "").strip() == message.body.strip()
