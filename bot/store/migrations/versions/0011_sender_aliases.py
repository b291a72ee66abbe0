"""WhatsApp user ids (BSUID) linked to the participant of her number (issue 16)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sender_aliases",
        sa.Column("alias_id", sa.String(64), primary_key=True),
        sa.Column("participant_id", sa.String(64), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sender_aliases_participant_id", "sender_aliases", ["participant_id"])


def downgrade() -> None:
    op.drop_index("ix_sender_aliases_participant_id", table_name="sender_aliases")
    op.drop_table("sender_aliases")
