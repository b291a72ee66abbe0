"""consent (Ley 1581) on participants; an audit of erasures without personal data

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("consent_version", sa.String(32), nullable=True))
        batch.add_column(sa.Column("consented_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "erasure_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("removed", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("erasure_audit")
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("consented_at")
        batch.drop_column("consent_version")
