"""Logging set-up shared by every process: one line per event, no phone numbers."""

from __future__ import annotations

import logging
import os


def configure_logging() -> None:
    if logging.getLogger().handlers:
        return
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Twilio's client logs every request with its form (which holds the phone number).
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
