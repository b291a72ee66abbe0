"""Reminder subscriptions from the action server (its own database connection, made once)."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.orm import Session, sessionmaker

from bot.core.settings import load_settings
from bot.store.engine import make_engine, make_sessionmaker
from bot.store.reminders import subscribe_reminders


@lru_cache(maxsize=1)
def _sessions() -> sessionmaker[Session]:
    return make_sessionmaker(make_engine(load_settings().database_url))


def subscribe(participant_id: str, scholarship_ids: list[str]) -> int:
    return subscribe_reminders(_sessions(), participant_id, scholarship_ids)
