"""Fetching a file she sent (Twilio media URL) for her case worker. Twilio's media URLs need
the account's credentials, which browsers must not have: the console fetches on their behalf.

Only URLs under the configured Twilio API host are fetched (no request to anywhere else can be
made through the console)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

import requests

from bot.core.settings import TWILIO_REAL_API_URL, Settings

MAX_BYTES = 16 * 1024 * 1024  # WhatsApp documents are at most 16 MB
TIMEOUT_SECONDS = 15


class MediaUnavailable(RuntimeError):
    """Not a Twilio media URL, too big, or Twilio would not give it."""


@dataclass(frozen=True)
class FetchedMedia:
    content: bytes
    content_type: str


def allowed(url: str, settings: Settings) -> bool:
    hosts = {urlparse(settings.twilio_api_url).netloc, urlparse(TWILIO_REAL_API_URL).netloc}
    parsed = urlparse(url)
    return parsed.scheme in ("https", "http") and parsed.netloc in hosts


def fetch(url: str, settings: Settings) -> FetchedMedia:
    if not allowed(url, settings):
        raise MediaUnavailable("not a Twilio media URL")
    auth = (settings.twilio_account_sid, settings.twilio_auth_token)
    try:
        with requests.get(url, auth=auth, timeout=TIMEOUT_SECONDS, stream=True) as response:
            response.raise_for_status()
            content = response.raw.read(MAX_BYTES + 1, decode_content=True)
            content_type = response.headers.get("Content-Type", "application/octet-stream")
    except requests.RequestException as exc:
        raise MediaUnavailable(f"Twilio did not give the file: {exc}") from exc
    if len(content) > MAX_BYTES:
        raise MediaUnavailable("the file is larger than 16 MB")
    return FetchedMedia(content=content, content_type=content_type)
