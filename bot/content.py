"""Content: every text a participant reads, loaded from content/*.yml.

Files are re-read when they change (checked at most every few seconds), so an edit by
programme staff reaches the running bot without a restart or retraining.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.messages import BotReply, Button
from bot.settings import PROJECT_ROOT

CONTENT_DIR = PROJECT_ROOT / "content"
RELOAD_CHECK_SECONDS = 5.0


class ContentError(ValueError):
    """Content is malformed or a text is missing; the message names the file and key."""


@dataclass(frozen=True)
class Snapshot:
    responses: dict[str, list[dict[str, Any]]]
    system: dict[str, str]


def _load(directory: Path) -> Snapshot:
    responses: dict[str, list[dict[str, Any]]] = {}
    system: dict[str, str] = {}
    for path in sorted(directory.glob("*.yml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ContentError(f"{path.name}: not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise ContentError(f"{path.name}: the top level must be a mapping")
        for name, variants in (data.get("responses") or {}).items():
            if name in responses:
                raise ContentError(f"{path.name}: response {name} is defined twice")
            if not isinstance(variants, list) or not variants:
                raise ContentError(f"{path.name}: response {name} needs a list of variants")
            for variant in variants:
                if not isinstance(variant, dict) or not str(variant.get("text", "")).strip():
                    raise ContentError(f"{path.name}: every variant of {name} needs a text")
            responses[name] = variants
        for name, value in (data.get("system") or {}).items():
            if name in system:
                raise ContentError(f"{path.name}: system text {name} is defined twice")
            system[name] = str(value)
    return Snapshot(responses=responses, system=system)


class ContentStore:
    def __init__(self, directory: Path = CONTENT_DIR) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._signature: tuple[tuple[str, float], ...] = ()
        self._checked_at = 0.0

    def _current_signature(self) -> tuple[tuple[str, float], ...]:
        return tuple((p.name, p.stat().st_mtime) for p in sorted(self.directory.glob("*.yml")))

    def snapshot(self) -> Snapshot:
        with self._lock:
            now = time.monotonic()
            if self._snapshot is None or now - self._checked_at >= RELOAD_CHECK_SECONDS:
                self._checked_at = now
                signature = self._current_signature()
                if self._snapshot is None or signature != self._signature:
                    self._snapshot = _load(self.directory)
                    self._signature = signature
            return self._snapshot

    def response_names(self) -> set[str]:
        return set(self.snapshot().responses)

    def render(self, name: str, **variables: Any) -> BotReply:
        """One variant of response `name`, with {placeholders} filled from `variables`."""
        variants = self.snapshot().responses.get(name)
        if not variants:
            raise ContentError(f"no text for response {name}")
        variant = random.choice(variants)
        buttons = tuple(
            Button(title=str(b["title"]), payload=str(b["payload"]))
            for b in variant.get("buttons") or ()
        )
        return BotReply(text=_fill(str(variant["text"]), variables), buttons=buttons)

    def system_text(self, name: str, **variables: Any) -> str:
        text = self.snapshot().system.get(name)
        if text is None:
            raise ContentError(f"no system text {name}")
        return _fill(text, variables)


def _fill(template: str, variables: dict[str, Any]) -> str:
    return template.format(**variables) if variables else template


_default_store: ContentStore | None = None


def default_store() -> ContentStore:
    global _default_store
    if _default_store is None:
        _default_store = ContentStore()
    return _default_store
