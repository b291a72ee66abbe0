"""Participant addresses, the one place their format is read: "+57…" (SMS) or
"whatsapp:+57…" (WhatsApp, Twilio's form), and the channel names.

Two checks of a number, on purpose. What Twilio sends us is only checked for the E.164 shape
(`is_e164`): Twilio has already accepted the sender, and refusing a real woman's message because
a numbering-plan table disagrees would lose it. What we are told to send to (settings such as
SUPERVISOR_ALERT_TO) is checked with `phonenumbers` (`is_dialable`): a typo there is ours to
catch at start-up.
"""

from __future__ import annotations

import phonenumbers

WHATSAPP = "whatsapp"
SMS = "sms"
CHANNELS = (WHATSAPP, SMS)
WHATSAPP_PREFIX = "whatsapp:"


def channel_of(address: str) -> str:
    """The channel an address belongs to."""
    return WHATSAPP if address.startswith(WHATSAPP_PREFIX) else SMS


def number_of(address: str) -> str:
    """The E.164 number of an address, without the channel prefix."""
    return address.strip().removeprefix(WHATSAPP_PREFIX)


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
