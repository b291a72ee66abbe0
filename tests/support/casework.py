"""Case workers in tests: accounts, logged-in console clients, API tokens, waiting tickets."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from bot.handoff.accounts import add, issue_token
from bot.runtime import Runtime
from bot.store.models import Message
from bot.store.transcript import record_inbound

PASSWORD = "una-clave-muy-larga"


def new_client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


def console_account(runtime: Runtime, role: str = "case_worker") -> str:
    email = f"{role}.{uuid.uuid4().hex[:8]}@almas.example.org"
    add(runtime.sessions, email, role.title(), PASSWORD, role)
    return email


def csrf(client, path: str = "/console/login") -> str:  # type: ignore[no-untyped-def]
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def login(client, email: str) -> None:  # type: ignore[no-untyped-def]
    token = csrf(client)
    response = client.post("/console/login", data={"email": email, "password": PASSWORD,
                                                   "csrf": token})  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)


def console_ticket(runtime: Runtime):  # type: ignore[no-untyped-def]
    pid = "p_" + uuid.uuid4().hex[:12]
    record_inbound(
        runtime.sessions, pid, "sms", "necesito ayuda con el PPT", "SM" + uuid.uuid4().hex
    )
    return runtime.handoff.open(pid, "sms", "migration_status", "PPT", "normal", "+573005558001")


def api_account(runtime: Runtime, role: str = "case_worker") -> tuple[str, dict[str, str]]:
    email = f"{role}.{uuid.uuid4().hex[:8]}@almas.example.org"
    add(runtime.sessions, email, role.title(), "una-clave-muy-larga", role)
    return email, {"Authorization": f"Bearer {issue_token(runtime.sessions, email)}"}


def api_ticket(  # type: ignore[no-untyped-def]
    runtime: Runtime, priority: str = "normal", channel: str = "whatsapp", hours_ago: float = 0
):
    """A participant who wrote `hours_ago` and is waiting for a person."""
    pid = "p_" + uuid.uuid4().hex[:12]
    record_inbound(runtime.sessions, pid, channel, "quiero una asesora", "SM" + uuid.uuid4().hex)
    if hours_ago:
        with runtime.sessions() as session:
            session.execute(
                update(Message)
                .where(Message.participant_id == pid)
                .values(created_at=datetime.now(UTC) - timedelta(hours=hours_ago))
            )
            session.commit()
    address = ("whatsapp:" if channel == "whatsapp" else "") + "+573005556001"
    return runtime.handoff.open(pid, channel, "credit", "quiere un crédito", priority, address)
