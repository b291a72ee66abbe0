"""Storage on both databases: migrations, idempotent writes, status that never goes back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import inspect
from sqlalchemy.orm import Session, sessionmaker

from bot.store.db import downgrade, upgrade
from bot.store.engine import make_engine, make_sessionmaker
from bot.store.models import IN, OUT, Base, Participant
from bot.store.reminders import reminder_subscriptions, subscribe_reminders
from bot.store.transcript import record_inbound, record_outbound, transcript


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    upgrade(database_url)
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_migrations_create_the_models_tables_and_downgrade_cleanly(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    columns = {c["name"] for c in inspect(engine).get_columns("messages")}
    assert columns == {c.name for c in Base.metadata.tables["messages"].columns}
    engine.dispose()
    downgrade(database_url, "base")
    engine = make_engine(database_url)
    assert not set(Base.metadata.tables) & set(inspect(engine).get_table_names())
    engine.dispose()


def test_inbound_is_stored_once_per_message_sid(sessions) -> None:
    assert record_inbound(sessions, "p_1", "whatsapp", "¡Hola! ¿Cómo estás? 🙏🏽", "SM1")
    assert not record_inbound(sessions, "p_1", "whatsapp", "¡Hola! ¿Cómo estás? 🙏🏽", "SM1")
    [message] = transcript(sessions, "p_1")
    assert (message.direction, message.text, message.twilio_sid) == (
        IN, "¡Hola! ¿Cómo estás? 🙏🏽", "SM1",
    )  # fmt: skip


def test_participant_first_and_last_seen_and_channel(sessions) -> None:
    record_inbound(sessions, "p_2", "sms", "hola", "SM2")
    record_inbound(sessions, "p_2", "whatsapp", "otra vez", "SM3")
    with sessions() as session:
        participant = session.get(Participant, "p_2")
        assert participant is not None
        assert participant.channel == "whatsapp"
        assert participant.last_seen >= participant.first_seen


def test_outbound_status_never_moves_backwards(sessions) -> None:
    record_outbound(sessions, "p_3", "sms", "Hola", "out_1", "queued", twilio_sid="SM9")
    record_outbound(sessions, "p_3", "sms", "Hola", "out_1", "delivered")
    record_outbound(sessions, "p_3", "sms", "Hola", "out_1", "sent")  # late callback
    [message] = transcript(sessions, "p_3")
    assert (message.direction, message.status, message.twilio_sid) == (OUT, "delivered", "SM9")


def test_permanent_failure_keeps_twilios_code(sessions) -> None:
    record_outbound(sessions, "p_4", "whatsapp", "Hola", "out_2", "failed", error_code=63016)
    [message] = transcript(sessions, "p_4")
    assert (message.status, message.error_code) == ("failed", 63016)


def test_transcript_is_in_order(sessions) -> None:
    record_inbound(sessions, "p_5", "sms", "hola", "SM10")
    record_outbound(sessions, "p_5", "sms", "¡Hola!", "out_3", "queued")
    record_inbound(sessions, "p_5", "sms", "1", "SM11")
    assert [m.text for m in transcript(sessions, "p_5")] == ["hola", "¡Hola!", "1"]


def test_reminder_subscriptions_are_kept_once_per_call(sessions) -> None:
    assert subscribe_reminders(sessions, "p_6", ["beca-a", "beca-b"]) == 2
    assert subscribe_reminders(sessions, "p_6", ["beca-b", "beca-c"]) == 1
    assert reminder_subscriptions(sessions, "p_6") == ["beca-a", "beca-b", "beca-c"]
    assert reminder_subscriptions(sessions, "p_7") == []
