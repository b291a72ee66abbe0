"""Content: every text a participant reads, as one validated snapshot.

The snapshot comes from a source: the published content in SQL (bot/content/published.py;
what programme staff publish in the console) or the files of content/ (tests, tools, and a
database nothing was imported into yet). The source is asked at most every few seconds
whether it changed — a version counter in Redis, a file's modification time — and the
snapshot is rebuilt when it did: no restart, no retraining.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from bot.content.documents import load
from bot.content.schema import (
    Course,
    CredentialPath,
    Credit,
    OutcomeKind,
    Privacy,
    Programme,
    Scholarship,
    SupportLine,
    WhatsAppInteractive,
    WhatsAppTemplate,
)
from bot.content.sources import ContentSource, FileSource, PublishedSource
from bot.core.messages import BotReply, Button
from bot.core.settings import SettingsError, content_dir

RELOAD_CHECK_SECONDS = 5.0
log = logging.getLogger(__name__)


class ContentError(ValueError):
    """Content is malformed or a text is missing; the message names the file and key."""


# Sections that hold typed facts: top-level key -> (schema, is a list)
SECTIONS: dict[str, Any] = {
    "courses": list[Course],
    "scholarships": list[Scholarship],
    "credential_paths": list[CredentialPath],
    "credit": Credit,
    "support_lines": list[SupportLine],
    "programme": Programme,
    "whatsapp_templates": list[WhatsAppTemplate],
    "privacy": Privacy,
    "whatsapp_interactive": list[WhatsAppInteractive],
    "outcomes": list[OutcomeKind],
}
VARIANT_KEYS = {"text", "buttons", "source", "checked"}


@dataclass(frozen=True)
class Snapshot:
    responses: dict[str, list[dict[str, Any]]]
    system: dict[str, str]
    courses: tuple[Course, ...] = ()
    scholarships: tuple[Scholarship, ...] = ()
    credential_paths: tuple[CredentialPath, ...] = ()
    credit: Credit | None = None
    support_lines: tuple[SupportLine, ...] = ()
    programme: Programme | None = None
    whatsapp_templates: tuple[WhatsAppTemplate, ...] = ()
    privacy: Privacy | None = None
    whatsapp_interactive: tuple[WhatsAppInteractive, ...] = ()
    outcomes: tuple[OutcomeKind, ...] = ()


def load_documents(documents: dict[str, str]) -> Snapshot:
    """A validated snapshot of content files given as {file name: YAML text}."""
    responses: dict[str, list[dict[str, Any]]] = {}
    system: dict[str, str] = {}
    typed: dict[str, Any] = {}
    for name in sorted(documents):
        path = Path(name)
        try:
            data = load(documents[name]) or {}
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
                unknown = set(variant) - VARIANT_KEYS
                if unknown:
                    raise ContentError(f"{path.name}: {name} has unknown keys {sorted(unknown)}")
                if ("source" in variant) != ("checked" in variant):
                    raise ContentError(f"{path.name}: {name} needs both source and checked")
            responses[name] = variants
        for name, value in (data.get("system") or {}).items():
            if name in system:
                raise ContentError(f"{path.name}: system text {name} is defined twice")
            system[name] = str(value)
        for section, schema in SECTIONS.items():
            if section not in data:
                continue
            if section in typed:
                raise ContentError(f"{path.name}: section {section} is defined twice")
            try:
                value = TypeAdapter(schema).validate_python(data[section])
            except ValidationError as exc:
                raise ContentError(f"{path.name}: {section}: {exc}") from exc
            typed[section] = tuple(value) if isinstance(value, list) else value
    _check_unique_ids(typed)
    return Snapshot(responses=responses, system=system, **typed)


def _check_unique_ids(typed: dict[str, Any]) -> None:
    for section in (
        "courses",
        "scholarships",
        "credential_paths",
        "support_lines",
        "whatsapp_templates",
        "whatsapp_interactive",
        "outcomes",
    ):
        ids = [item.id for item in typed.get(section, ())]
        duplicates = {i for i in ids if ids.count(i) > 1}
        if duplicates:
            raise ContentError(f"{section}: ids used twice: {sorted(duplicates)}")


class ContentStore:
    def __init__(self, directory: Path | None = None, source: ContentSource | None = None) -> None:
        self.source: ContentSource = source or FileSource(directory or content_dir())
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._version: object = None
        self._checked_at = 0.0

    def snapshot(self) -> Snapshot:
        with self._lock:
            now = time.monotonic()
            if self._snapshot is None or now - self._checked_at >= RELOAD_CHECK_SECONDS:
                self._checked_at = now
                version = self.source.version()
                if self._snapshot is None or version != self._version:
                    # The version is read first: a publish landing meanwhile moves it again,
                    # so the next check reloads rather than keeping a stale snapshot.
                    try:
                        self._snapshot = load_documents(self.source.documents())
                    except Exception:
                        if self._snapshot is None:
                            raise
                        # Participants keep the content they had; the next check retries.
                        log.exception("content reload failed: keeping the loaded content")
                        return self._snapshot
                    self._version = version
            return self._snapshot

    def refresh(self) -> None:
        """Check the source at the next read (after this process published something)."""
        with self._lock:
            self._checked_at = 0.0

    def render(self, name: str, **variables: Any) -> BotReply:
        """One variant of response `name`, with {placeholders} filled from `variables`."""
        variants = self.snapshot().responses.get(name)
        if not variants:
            raise ContentError(f"no text for response {name}")
        return self.render_variant(random.choice(variants), **variables)

    @staticmethod
    def render_variant(variant: dict[str, Any], **variables: Any) -> BotReply:
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
    """This process's content: what is published (SQL), or content/ while nothing is — or
    when settings are incomplete (a tool run outside the helpline, e.g. `almas content
    check` on a developer's machine)."""
    global _default_store
    if _default_store is None:
        try:
            source: ContentSource = PublishedSource.from_settings()
        except SettingsError as exc:
            log.info("content from content/ (%s)", exc)
            source = FileSource(content_dir())
        _default_store = ContentStore(source=source)
    return _default_store
