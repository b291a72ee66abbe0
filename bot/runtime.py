"""The long-lived objects a process needs, built once from settings."""

from __future__ import annotations

from dataclasses import dataclass

import redis
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.content.sources import FileSource, PublishedSource
from bot.content.store import ContentStore
from bot.core.connections import RedisClient, connect_redis
from bot.core.keys import INBOX, OUTBOX, Keys
from bot.core.settings import Settings, content_dir
from bot.handoff.queue import HandoffQueue
from bot.queue.mailbox import MailboxQueue
from bot.store.engine import make_engine, make_sessionmaker


@dataclass
class Runtime:
    settings: Settings
    redis: RedisClient
    keys: Keys
    inbox: MailboxQueue
    outbox: MailboxQueue
    engine: Engine
    sessions: sessionmaker[Session]
    content: ContentStore
    handoff: HandoffQueue
    # Where Rasa keeps its trackers (erasure deletes hers there).
    rasa_redis: redis.Redis


def build_runtime(settings: Settings, content: ContentStore | None = None) -> Runtime:
    client = connect_redis(settings)
    rasa_redis = (
        client
        if settings.rasa_redis_url == settings.redis_url and not settings.redis_cluster
        else redis.Redis.from_url(settings.rasa_redis_url, decode_responses=True)
    )
    keys = Keys(settings.redis_prefix)
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    return Runtime(
        settings=settings,
        redis=client,
        keys=keys,
        inbox=MailboxQueue(client, keys, INBOX),
        outbox=MailboxQueue(client, keys, OUTBOX),
        engine=engine,
        sessions=sessions,
        # What is published (the console), or content/ while nothing was imported.
        content=content
        or ContentStore(source=PublishedSource(sessions, client, keys, FileSource(content_dir()))),
        handoff=HandoffQueue(client, keys, sessions),
        rasa_redis=rasa_redis,  # type: ignore[arg-type]
    )
