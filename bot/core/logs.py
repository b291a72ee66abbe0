"""Logging set-up shared by every process: one line per event, no phone numbers.

Code masks numbers itself (bot.core.identity.mask_address); the filter here is the safety net for
anything else that logs one (a library, an exception text): every E.164-looking number in a
log line is masked before it is written.
"""

from __future__ import annotations

import logging
import os
import re

# "+" and 8-15 digits, optionally after "whatsapp:"; also bare 10-12 digit runs that start like
# a Colombian or Venezuelan mobile (57 3…, 58 4…, 3…), which is how numbers appear in URLs.
_PHONE = re.compile(r"(whatsapp:)?(\+\d{7,15}|\b(?:57|58)?[34]\d{9}\b)")


def mask_phone_numbers(text: str) -> str:
    """Like bot.core.identity.mask_address: channel and the last two digits only."""
    return _PHONE.sub(lambda m: (m.group(1) or "") + "+…" + m.group(2)[-2:], text)


class PhoneNumberFilter(logging.Filter):
    """Rewrites each record's message with its phone numbers masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_phone_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_phone_numbers(record.exc_text)
        return True


def configure_logging() -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(
            level=os.environ.get("LOG_LEVEL", "INFO").upper(),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    for handler in root.handlers:
        if not any(isinstance(f, PhoneNumberFilter) for f in handler.filters):
            handler.addFilter(PhoneNumberFilter())
    # Twilio's client logs every request with its form (which holds the phone number).
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
