"""Debian's headless Chromium for the browser tests (Playwright's own browser download would
need the internet; `make test` / .ci/run install chromium)."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import Browser, Playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Chromium as root, offline: no sandbox, no background networking (see the machine notes).
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def require_chromium() -> None:
    if not shutil.which("chromium"):
        pytest.fail("Debian's chromium is missing: `make test` / .ci/run install it")


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
