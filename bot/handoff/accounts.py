"""Case-worker accounts: hashed passwords (werkzeug's scrypt) and API bearer tokens (only a
SHA-256 of each token is stored; the token is shown once)."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.security import check_password_hash, generate_password_hash

from bot.store.models import CaseWorker

CASE_WORKER = "case_worker"
SUPERVISOR = "supervisor"
# Programme staff: the reports only (no transcripts, no numbers, no queue).
PROGRAMME = "programme"
# Content staff: edit, review and publish what the assistant says (no transcripts, no queue).
EDITOR = "editor"
ROLES = (CASE_WORKER, SUPERVISOR, PROGRAMME, EDITOR)
# Who may reach the queue, tickets, transcripts, cases and the API (bot/handoff/rules.py).
CASEWORK_ROLES = (CASE_WORKER, SUPERVISOR)
# Who may reach the content editor (webhooks/content_editor.py) and the review of messages
# the assistant did not understand (webhooks/unanswered.py).
CONTENT_ROLES = (EDITOR, SUPERVISOR)
MIN_PASSWORD_LENGTH = 10
# `make run` (development only) makes sure this supervisor exists so a newcomer can open the
# console at once; its password is generated once and kept in a git-ignored file.
DEVELOPMENT_EMAIL = "dev@almas.local"
DEVELOPMENT_NAME = "Development supervisor"


class AccountError(ValueError):
    """The account cannot be created or found; the message says why."""


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add(
    sessions: sessionmaker[Session], email: str, name: str, password: str, role: str = CASE_WORKER
) -> CaseWorker:
    email = email.strip().lower()
    if "@" not in email:
        raise AccountError(f"not an email address: {email!r}")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    worker = CaseWorker(
        email=email, name=name.strip(), role=role, password_hash=generate_password_hash(password)
    )
    with sessions() as session:
        session.add(worker)
        try:
            session.commit()
        except IntegrityError as exc:
            raise AccountError(f"{email} already has an account") from exc
    return worker


def find(sessions: sessionmaker[Session], email: str) -> CaseWorker | None:
    with sessions() as session:
        return session.scalar(select(CaseWorker).where(CaseWorker.email == email.strip().lower()))


def check_password(sessions: sessionmaker[Session], email: str, password: str) -> CaseWorker | None:
    worker = find(sessions, email)
    if worker is None or not worker.active:
        check_password_hash(generate_password_hash("x"), password)  # same time either way
        return None
    return worker if check_password_hash(worker.password_hash, password) else None


def issue_token(sessions: sessionmaker[Session], email: str) -> str:
    """A new API token for her (the previous one stops working)."""
    token = "almas_" + secrets.token_urlsafe(32)
    with sessions() as session:
        worker = session.scalar(select(CaseWorker).where(CaseWorker.email == email.strip().lower()))
        if worker is None:
            raise AccountError(f"no account for {email}")
        worker.token_hash = _token_hash(token)
        session.commit()
    return token


def by_token(sessions: sessionmaker[Session], token: str) -> CaseWorker | None:
    if not token:
        return None
    with sessions() as session:
        worker = session.scalar(
            select(CaseWorker).where(CaseWorker.token_hash == _token_hash(token))
        )
    return worker if worker is not None and worker.active else None


def set_password(sessions: sessionmaker[Session], email: str, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    with sessions() as session:
        worker = session.scalar(select(CaseWorker).where(CaseWorker.email == email.strip().lower()))
        if worker is None:
            raise AccountError(f"no account for {email}")
        worker.password_hash = generate_password_hash(password)
        session.commit()


def ensure_development_account(sessions: sessionmaker[Session], password_file: Path) -> str:
    """The development supervisor's password: the one in `password_file` when it still logs
    in, otherwise a new one (account created or its password reset) written there (0600)."""
    if password_file.is_file():
        password = password_file.read_text().strip()
        if check_password(sessions, DEVELOPMENT_EMAIL, password) is not None:
            return password
    password = secrets.token_urlsafe(12)
    if find(sessions, DEVELOPMENT_EMAIL) is None:
        add(sessions, DEVELOPMENT_EMAIL, DEVELOPMENT_NAME, password, SUPERVISOR)
    else:
        set_password(sessions, DEVELOPMENT_EMAIL, password)
    password_file.parent.mkdir(parents=True, exist_ok=True)
    password_file.touch(mode=0o600)
    password_file.write_text(password + "\n")
    return password
