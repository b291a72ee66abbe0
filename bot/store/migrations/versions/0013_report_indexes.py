"""Indexes for the reports (issue 15): the period's messages read from one index (PostgreSQL
reads it alone, without the table), reminder messages, tickets opened in a period, and the
period columns of the small tables. The same indexes are declared in bot/store/models.py.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

REMINDERS = sa.text("outbox_id LIKE 'out_reminder_%'")
# (name, table, columns, columns carried along on PostgreSQL)
INDEXES = (
    (
        "ix_messages_created_at",
        "messages",
        ["created_at"],
        ["participant_id", "direction", "channel", "intent", "fallback", "status", "error_code"],
    ),
    ("ix_handoff_events_status_at", "handoff_events", ["status", "at"], []),
    ("ix_participants_opted_out_at", "participants", ["opted_out_at"], []),
    ("ix_handoff_ratings_at", "handoff_ratings", ["at"], []),
    ("ix_reminder_subscriptions_created_at", "reminder_subscriptions", ["created_at"], []),
    ("ix_reminder_subscriptions_reminded_at", "reminder_subscriptions", ["reminded_at"], []),
    ("ix_erasure_audit_at", "erasure_audit", ["at"], []),
)


def upgrade() -> None:
    for name, table, columns, include in INDEXES:
        op.create_index(name, table, columns, postgresql_include=include)
    op.create_index(
        "ix_messages_reminders",
        "messages",
        ["created_at"],
        postgresql_include=["participant_id", "status", "channel"],
        postgresql_where=REMINDERS,
        sqlite_where=REMINDERS,
    )


def downgrade() -> None:
    op.drop_index("ix_messages_reminders", table_name="messages")
    for name, table, _, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
