"""Media bytes: one blob per file content, its pieces in the database, and which message has which.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07

Column types are spelled out here (not imported from the models) so this revision never
changes when the models do.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMESTAMP = sa.DateTime(timezone=True)
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "media_blobs",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mime", sa.String(length=128), nullable=True),
        sa.Column("path", sa.String(length=255), nullable=True),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_blobs")),
        sa.UniqueConstraint("sha256", name=op.f("uq_media_blobs_sha256")),
    )
    op.create_table(
        "media_chunks",
        sa.Column("blob_id", _BIG_ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["blob_id"],
            ["media_blobs.id"],
            name=op.f("fk_media_chunks_blob_id_media_blobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("blob_id", "seq", name=op.f("pk_media_chunks")),
    )
    op.create_table(
        "message_media",
        sa.Column("message_id", _BIG_ID, nullable=False, autoincrement=False),
        sa.Column("blob_id", _BIG_ID, nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["blob_id"], ["media_blobs.id"], name=op.f("fk_message_media_blob_id_media_blobs")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_message_media_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_message_media")),
    )
    op.create_index(op.f("ix_message_media_blob_id"), "message_media", ["blob_id"], unique=False)


def downgrade() -> None:
    op.drop_table("message_media")
    op.drop_table("media_chunks")
    op.drop_table("media_blobs")
