"""Where a process reads content from: the files of content/, or what is published in SQL.

`PublishedSource` is what the running helpline uses: the live version of every item
(bot/publishing/ writes them), rendered back into documents, and a version counter in Redis
that every publish raises — so the web, the action server, the worker and the scheduler, on
any number of replicas, all see a publish at their next check (every few seconds), without
a restart or retraining. While nothing was imported into the database (a fresh install,
most tests) it reads content/ instead.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from pathlib import Path
from typing import Protocol

import redis
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.content.documents import Entry, from_layout, render
from bot.core.connections import RedisClient, connect_redis
from bot.core.keys import Keys
from bot.core.settings import Settings, content_dir, load_settings
from bot.store.engine import make_engine, make_sessionmaker
from bot.store.models import ContentFile, ContentItem, ContentVersion

log = logging.getLogger(__name__)


class ContentSource(Protocol):
    """Content's files as texts, and a version that moves when they change."""

    def version(self) -> object: ...

    def documents(self) -> dict[str, str]: ...


class FileSource:
    """The YAML files of a directory (content/ by default)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def version(self) -> object:
        return tuple((p.name, p.stat().st_mtime) for p in sorted(self.directory.glob("*.yml")))

    def documents(self) -> dict[str, str]:
        return {
            p.name: p.read_text(encoding="utf-8") for p in sorted(self.directory.glob("*.yml"))
        }


def live_documents(
    session: Session, overrides: dict[int, str | None] | None = None
) -> dict[str, str]:
    """Every file as participants read it now: the live version of each item, in the files'
    order. Empty when nothing was imported. `overrides` ({item id: body, or None to leave it
    out}) gives the files as they would be after a change, for checking it first."""
    files = session.scalars(select(ContentFile).order_by(ContentFile.position)).all()
    if not files:
        return {}
    overrides = overrides or {}
    live = dict(
        session.execute(
            select(ContentItem.id, ContentVersion.body).join(
                ContentVersion, ContentVersion.id == ContentItem.live_version_id
            )
        ).all()
    )
    items = session.scalars(select(ContentItem).order_by(ContentItem.position, ContentItem.id))
    entries: dict[str, dict[str, list[Entry]]] = defaultdict(lambda: defaultdict(list))
    for item in items:
        body = overrides[item.id] if item.id in overrides else live.get(item.id)
        if body is not None:
            entries[item.file][item.section].append(
                Entry(key=item.key, body=body, comment=item.comment)
            )
    return {
        f.name: render(from_layout(f.name, f.layout, dict(entries[f.name]))) for f in files
    }


class StaticSource:
    """Given documents (a change being checked before it is published)."""

    def __init__(self, documents: dict[str, str]) -> None:
        self._documents = documents

    def version(self) -> object:
        return None

    def documents(self) -> dict[str, str]:
        return self._documents


class PublishedSource:
    """What is published in SQL; content/ while nothing is."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        client: RedisClient,
        keys: Keys,
        files: FileSource,
    ) -> None:
        self.sessions = sessions
        self.redis = client
        self.keys = keys
        self.files = files
        self._reading_files = False

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> PublishedSource:
        settings = settings or load_settings()
        client = connect_redis(settings)
        sessions = make_sessionmaker(make_engine(settings.database_url))
        return cls(sessions, client, Keys(settings.redis_prefix), FileSource(content_dir()))

    def version(self) -> object:
        try:
            counter = self.redis.get(self.keys.content_version())
        except redis.RedisError as exc:
            # Keep what we have; the next check after Redis is back reloads if it moved.
            log.warning("content version unreadable (%s): keeping the loaded content", exc)
            counter = "unavailable"
        return (counter, self.files.version() if self._reading_files else None)

    def documents(self) -> dict[str, str]:
        try:
            with self.sessions() as session:
                published = live_documents(session)
        except SQLAlchemyError as exc:
            if not self._reading_files:
                log.warning("no content tables (%s): reading content/", type(exc).__name__)
            published = {}
        self._reading_files = not published
        return published or self.files.documents()
