"""Programme outcomes per participant, and what the NLU understood of each inbound message
(issue 15)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outcomes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("participant_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("happened_on", sa.Date, nullable=False),
        sa.Column("ticket_id", sa.String(64), nullable=True),
        sa.Column("recorded_by", sa.String(254), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(254), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_outcomes_participant_id", "outcomes", ["participant_id"])
    op.create_index("ix_outcomes_kind_on", "outcomes", ["kind", "happened_on"])
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("intent", sa.String(64), nullable=True))
        batch.add_column(sa.Column("intent_confidence", sa.Float, nullable=True))
        batch.add_column(sa.Column("fallback", sa.Boolean, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("fallback")
        batch.drop_column("intent_confidence")
        batch.drop_column("intent")
    op.drop_index("ix_outcomes_kind_on", table_name="outcomes")
    op.drop_index("ix_outcomes_participant_id", table_name="outcomes")
    op.drop_table("outcomes")
