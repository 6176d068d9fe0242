"""Pending statuses: delivery acks that arrive before their send is recorded.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

Column types are spelled out here (not imported from the models) so this revision never
changes when the models do.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMESTAMP = sa.DateTime(timezone=True)
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "pending_statuses",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column(
            "gateway",
            sa.Enum("wppconnect", "meta", "generic", name="gateway", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("gateway_message_id", sa.String(length=255), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "received",
                "queued",
                "sent",
                "delivered",
                "read",
                "failed",
                name="deliverystatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("status_at", _TIMESTAMP, nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("received_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_statuses")),
    )
    op.create_index(
        op.f("ix_pending_statuses_gateway_gateway_message_id"),
        "pending_statuses",
        ["gateway", "gateway_message_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_pending_statuses_received_at"), "pending_statuses", ["received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_table("pending_statuses")
