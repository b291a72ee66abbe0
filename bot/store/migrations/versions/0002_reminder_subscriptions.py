"""reminder subscriptions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminder_subscriptions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("participant_id", sa.String(64), nullable=False),
        sa.Column("scholarship_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("participant_id", "scholarship_id", name="uq_reminder_subscription"),
    )
    op.create_index(
        "ix_reminder_subscriptions_participant_id", "reminder_subscriptions", ["participant_id"]
    )


def downgrade() -> None:
    op.drop_table("reminder_subscriptions")
