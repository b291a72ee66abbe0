"""Content in SQL with its history (issue 14): files' layout, items, versions, the audit of
every change, and editors' decisions on messages the assistant did not understand.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "content_files",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("layout", sa.Text, nullable=False),
    )
    op.create_table(
        "content_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("file", sa.String(64), nullable=False),
        sa.Column("section", sa.String(64), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("live_version_id", sa.Integer, nullable=True),
        sa.Column("unpublish_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.UniqueConstraint("section", "key", name="uq_content_items_section_key"),
    )
    op.create_table(
        "content_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "item_id",
            sa.Integer,
            sa.ForeignKey("content_items.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("created_by", sa.String(254), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("submitted_by", sa.String(254), nullable=True),
        sa.Column("submitted_at", WHEN, nullable=True),
        sa.Column("publish_at", WHEN, nullable=True),
        sa.Column("published_by", sa.String(254), nullable=True),
        sa.Column("published_at", WHEN, nullable=True),
        sa.UniqueConstraint("item_id", "number", name="uq_content_versions_number"),
    )
    op.create_index("ix_content_versions_item_id", "content_versions", ["item_id"])
    op.create_table(
        "content_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("actor", sa.String(254), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("item_id", sa.Integer, nullable=True),
        sa.Column("version_id", sa.Integer, nullable=True),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_content_audit_at", "content_audit", ["at"])
    op.create_table(
        "reviewed_messages",
        sa.Column(
            "message_id",
            sa.Integer,
            sa.ForeignKey("messages.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("participant_id", sa.String(64), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("intent", sa.String(64), nullable=True),
        sa.Column("topic", sa.String(120), nullable=True),
        sa.Column("decided_by", sa.String(254), nullable=False),
        sa.Column("decided_at", WHEN, nullable=False),
    )
    op.create_index("ix_reviewed_messages_participant_id", "reviewed_messages", ["participant_id"])


def downgrade() -> None:
    op.drop_index("ix_reviewed_messages_participant_id", table_name="reviewed_messages")
    op.drop_table("reviewed_messages")
    op.drop_index("ix_content_audit_at", table_name="content_audit")
    op.drop_table("content_audit")
    op.drop_index("ix_content_versions_item_id", table_name="content_versions")
    op.drop_table("content_versions")
    op.drop_table("content_items")
    op.drop_table("content_files")
