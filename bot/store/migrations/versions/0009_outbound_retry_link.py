"""a supervisor's resend of a failed message points at the original (one resend each)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("retry_of", sa.String(64), nullable=True))
        batch.create_unique_constraint("uq_messages_retry_of", ["retry_of"])


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_constraint("uq_messages_retry_of", type_="unique")
        batch.drop_column("retry_of")
