"""Messages as data: what came in from Twilio and what goes out. No I/O here."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.core.addresses import is_user_id, number_of, phone_of


@dataclass(frozen=True)
class Media:
    url: str
    content_type: str


@dataclass(frozen=True)
class InboundMessage:
    """One message a participant sent, SMS or WhatsApp, parsed from Twilio's webhook form."""

    message_sid: str
    channel: str
    address: str  # where replies go: "+57…" for SMS, "whatsapp:+57…" for WhatsApp
    to: str  # the number or WhatsApp sender she wrote to
    text: str  # exactly as sent: accents, ñ, ¡, ¿ and emoji untouched
    received_at: str  # ISO 8601, UTC
    account_sid: str = ""
    messaging_service_sid: str = ""
    profile_name: str = ""
    wa_id: str = ""
    message_type: str = ""
    media: tuple[Media, ...] = ()
    button_payload: str = ""
    # WhatsApp's other reply kinds: the title of the quick reply she tapped, the id and title
    # of the list item she picked, and a location she shared (as Twilio sends them: text).
    button_text: str = ""
    list_id: str = ""
    list_title: str = ""
    latitude: str = ""
    longitude: str = ""
    # Set by the webhook when she sent more than the per-minute limit: kept, not sent to Rasa.
    over_rate_limit: bool = False

    @property
    def number(self) -> str:
        """Her E.164 number when the message says it (From, or WaId next to a WhatsApp user
        id), else ""."""
        return phone_of(self.address, self.wa_id)

    @property
    def user_id(self) -> str:
        """Her WhatsApp user id when she wrote as one (no number in From), else ""."""
        after = number_of(self.address)
        return after if is_user_id(after) else ""

    @property
    def is_media_only(self) -> bool:
        return not self.text.strip() and bool(self.media)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> InboundMessage:
        data = json.loads(raw)
        data["media"] = tuple(Media(**m) for m in data.get("media", ()))
        return cls(**data)


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class BotReply:
    """One message the dialogue wants to say, before it is shaped for a channel."""

    text: str
    buttons: tuple[Button, ...] = ()
    image: str = ""
    handoff: str = ""  # "urgent"/"normal": the dialogue asks for a person (not sent to her)
    handoff_topic: str = ""
    # What the dialogue asks the engine to do (not sent to her): see SIGNALS.
    signal: str = ""


OPT_OUT_SIGNAL = "opt_out"  # free phrasing understood by the NLU: stop proactive messages
ERASE_REQUEST_SIGNAL = "erase_request"  # "borren lo mío": ask her to confirm the erasure
# The NLU heard an emergency the crisis gate did not: ask her (topic: the kind of danger).
CRISIS_CHECK_SIGNAL = "crisis_check"
SIGNALS = (OPT_OUT_SIGNAL, ERASE_REQUEST_SIGNAL, CRISIS_CHECK_SIGNAL)


@dataclass
class OutboundMessage:
    """One send waiting in the outbox."""

    participant: str
    channel: str
    to: str
    body: str
    reply_to: str = ""  # the inbound MessageSid this answers, if any
    media_url: str = ""
    content_sid: str = ""  # an approved WhatsApp template instead of free text
    content_variables: str = ""  # its variables, as Twilio wants them (JSON)
    proactive: bool = False  # not an answer to her: never sent once she opted out
    record: bool = True  # False: not written to the transcript (no consent; staff alerts)
    id: str = field(default_factory=lambda: "out_" + uuid.uuid4().hex)
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> OutboundMessage:
        return cls(**json.loads(raw))


def render_reply(reply: BotReply) -> str:
    """Plain text of a reply for any channel: buttons become numbered options.

    Rich WhatsApp buttons need an approved content template; numbered text works everywhere.
    """
    if not reply.buttons:
        return reply.text
    lines = [reply.text, ""] if reply.text else []
    lines += [f"{i}. {button.title}" for i, button in enumerate(reply.buttons, start=1)]
    return "\n".join(lines)


def replies_from_rasa(payload: list[dict[str, Any]]) -> list[BotReply]:
    """Rasa REST channel output -> replies (text and buttons; images as links)."""
    replies = []
    for item in payload:
        buttons = tuple(
            Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
            for b in item.get("buttons") or ()
        )
        text = item.get("text") or ""
        image = item.get("image") or ""
        custom = item.get("custom") or {}
        if not isinstance(custom, dict):
            custom = {}
        handoff = str(custom.get("handoff", ""))
        signal = str(custom.get("almas", ""))
        if signal not in SIGNALS:
            signal = ""
        if text or buttons or image or handoff or signal:
            replies.append(
                BotReply(
                    text=text,
                    buttons=buttons,
                    image=image,
                    handoff=handoff,
                    handoff_topic=str(custom.get("topic", "")),
                    signal=signal,
                )
            )
    return replies
