"""scholarship reminders: when the reminder job decided about a subscription, and what

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reminder_subscriptions") as batch:
        batch.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reminder_outcome", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reminder_subscriptions") as batch:
        batch.drop_column("reminder_outcome")
        batch.drop_column("reminded_at")
