"""Pseudonymous participant ids: Rasa, logs and the database never need the phone number."""

from __future__ import annotations

import hashlib
import hmac

from bot.core.addresses import number_of


def participant_id(key: str, address: str) -> str:
    """Keyed hash (HMAC-SHA256) of the E.164 number, whatever channel it came on.

    `whatsapp:+57XXXXXXXXXX` and `+57XXXXXXXXXX` are the same woman: the channel prefix is
    dropped before hashing so that switching from WhatsApp to SMS keeps her conversation.
    """
    digest = hmac.new(key.encode(), number_of(address).encode(), hashlib.sha256).hexdigest()
    return "p_" + digest[:32]


def mask_address(address: str) -> str:
    """A phone number safe for logs: channel and the last two digits only."""
    channel, _, number = address.rpartition(":")
    tail = number[-2:] if len(number) >= 2 else ""
    return f"{channel + ':' if channel else ''}+…{tail}"
