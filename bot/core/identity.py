"""Pseudonymous participant ids: Rasa, logs and the database never need the phone number."""

from __future__ import annotations

import hashlib
import hmac

from bot.core.addresses import is_user_id, number_of


def participant_id(key: str, address: str) -> str:
    """Keyed hash (HMAC-SHA256) of the E.164 number, whatever channel it came on (or of her
    WhatsApp user id when she hides her number: bot/privacy/senders.py links the two).

    `whatsapp:+57XXXXXXXXXX` and `+57XXXXXXXXXX` are the same woman: the channel prefix is
    dropped before hashing so that switching from WhatsApp to SMS keeps her conversation.
    """
    digest = hmac.new(key.encode(), number_of(address).encode(), hashlib.sha256).hexdigest()
    return "p_" + digest[:32]


def mask_address(address: str) -> str:
    """An address safe for logs: channel and the last two characters only (a user id keeps
    its country, "whatsapp:US.…18")."""
    channel, _, number = address.rpartition(":")
    tail = number[-2:] if len(number) >= 2 else ""
    head = number[:3] if is_user_id(number) else "+"
    return f"{channel + ':' if channel else ''}{head}…{tail}"
