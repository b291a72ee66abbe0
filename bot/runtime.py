"""The long-lived objects a process needs, built once from settings."""

from __future__ import annotations

from dataclasses import dataclass

import redis
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.content.store import ContentStore, default_store
from bot.core.keys import INBOX, OUTBOX, Keys
from bot.core.settings import Settings
from bot.handoff.queue import HandoffQueue
from bot.queue.mailbox import MailboxQueue
from bot.store.engine import make_engine, make_sessionmaker


@dataclass
class Runtime:
    settings: Settings
    redis: redis.Redis
    keys: Keys
    inbox: MailboxQueue
    outbox: MailboxQueue
    engine: Engine
    sessions: sessionmaker[Session]
    content: ContentStore
    handoff: HandoffQueue


def build_runtime(settings: Settings, content: ContentStore | None = None) -> Runtime:
    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
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
        content=content or default_store(),
        handoff=HandoffQueue(client, keys, sessions),
    )
