"""Twilio's incoming-message webhook (SMS and WhatsApp, one form): parsed into an
InboundMessage, or refused with the field that is wrong. Pure: no I/O.

Fields read: MessageSid (or SmsMessageSid), From, To, Body, NumMedia + MediaUrlN /
MediaContentTypeN, AccountSid, MessagingServiceSid, and on WhatsApp ProfileName, WaId,
MessageType, ButtonPayload/ButtonText (a quick reply), ListId/ListTitle (a list pick),
Latitude/Longitude (a location). Everything else Twilio sends is ignored, never refused. A WhatsApp
sender may be a user id instead of a number ("whatsapp:US.1349…", bot/core/addresses.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from bot.core.addresses import channel_of, is_sender
from bot.core.messages import InboundMessage, Media


class InvalidInbound(ValueError):
    """A signed request that is not a usable message; the text says which field is wrong."""


def parse_twilio_form(form: Mapping[str, str], now: datetime | None = None) -> InboundMessage:
    """Turn Twilio's incoming-message form (SMS or WhatsApp) into an InboundMessage."""
    message_sid = (form.get("MessageSid") or "").strip() or (
        form.get("SmsMessageSid") or ""
    ).strip()
    sender = (form.get("From") or "").strip()
    if not message_sid:
        raise InvalidInbound("MessageSid is missing")
    if not sender:
        raise InvalidInbound("From is missing")
    if not is_sender(sender):
        raise InvalidInbound(
            f"From is not an E.164 number (or, on WhatsApp, a user id): {sender!r}"
        )

    try:
        num_media = int((form.get("NumMedia") or "").strip() or 0)
    except ValueError as exc:
        raise InvalidInbound(f"NumMedia is not a number: {form.get('NumMedia')!r}") from exc
    media = tuple(
        Media(url=form[f"MediaUrl{i}"], content_type=form.get(f"MediaContentType{i}", ""))
        for i in range(max(0, min(num_media, 10)))
        if form.get(f"MediaUrl{i}")
    )
    return InboundMessage(
        message_sid=message_sid,
        channel=channel_of(sender),
        address=sender,
        to=(form.get("To") or "").strip(),
        text=form.get("Body") or "",
        received_at=(now or datetime.now(UTC)).isoformat(),
        account_sid=form.get("AccountSid", ""),
        messaging_service_sid=form.get("MessagingServiceSid", ""),
        profile_name=form.get("ProfileName", ""),
        wa_id=form.get("WaId", ""),
        message_type=form.get("MessageType", ""),
        media=media,
        button_payload=form.get("ButtonPayload", ""),
        button_text=form.get("ButtonText", ""),
        list_id=form.get("ListId", ""),
        list_title=form.get("ListTitle", ""),
        latitude=(form.get("Latitude") or "").strip(),
        longitude=(form.get("Longitude") or "").strip(),
    )
