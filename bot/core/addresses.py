"""Participant addresses, the one place their format is read: "+57…" (SMS) or
"whatsapp:+57…" (WhatsApp, Twilio's form), and the channel names.

A WhatsApp user who adopted a username may hide her number: WhatsApp then names her by a
business-scoped user id (BSUID: two letters of a country, a dot, up to 128 letters and digits,
"US.13491208655302741918"; "US.ENT.…" for a parent id), and Twilio writes "whatsapp:US.1349…".
That is an address to reply to, never a phone number: it is not parsed as one, and it has no
SMS twin.

Two checks of a number, on purpose. What Twilio sends us is only checked for the E.164 shape
(`is_e164`): Twilio has already accepted the sender, and refusing a real woman's message because
a numbering-plan table disagrees would lose it. What we are told to send to (settings such as
SUPERVISOR_ALERT_TO) is checked with `phonenumbers` (`is_dialable`): a typo there is ours to
catch at start-up.
"""

from __future__ import annotations

import re

import phonenumbers

WHATSAPP = "whatsapp"
SMS = "sms"
CHANNELS = (WHATSAPP, SMS)
WHATSAPP_PREFIX = "whatsapp:"
_USER_ID = re.compile(r"^[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}$")


def channel_of(address: str) -> str:
    """The channel an address belongs to."""
    return WHATSAPP if address.startswith(WHATSAPP_PREFIX) else SMS


def number_of(address: str) -> str:
    """What follows the channel prefix: the E.164 number, or a WhatsApp user id (is_user_id)."""
    return address.strip().removeprefix(WHATSAPP_PREFIX)


def is_user_id(value: str) -> bool:
    """A WhatsApp business-scoped user id ("US.1349…"), the name of a sender without a number."""
    return bool(_USER_ID.match(value))


def is_sender(address: str) -> bool:
    """An address Twilio may send us a message from: an E.164 number on either channel, or a
    WhatsApp user id on WhatsApp only."""
    after = number_of(address)
    return is_e164(after) or (channel_of(address) == WHATSAPP and is_user_id(after))


def phone_of(address: str, wa_id: str = "") -> str:
    """Her E.164 number if the message says it (the address, or WhatsApp's WaId next to a user
    id while Meta still shares it), else ""."""
    after = number_of(address)
    if is_e164(after):
        return after
    candidate = "+" + wa_id.strip().lstrip("+")
    return candidate if is_e164(candidate) else ""


def address_for(channel: str, number: str) -> str:
    """Her address on a channel: the number, with Twilio's prefix on WhatsApp."""
    number = number_of(number)
    return WHATSAPP_PREFIX + number if channel == WHATSAPP else number


def is_e164(number: str) -> bool:
    """"+" and 7 to 15 ASCII digits ("٣" and "²" are digits to str.isdigit)."""
    digits = number[1:]
    return (
        number.startswith("+") and digits.isascii() and digits.isdigit() and 7 <= len(digits) <= 15
    )


def is_dialable(address: str) -> bool:
    """An address we may be told to send to: E.164 and a possible number of its country."""
    number = number_of(address)
    if not is_e164(number):
        return False
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:
        return False
