"""Ticket openings: who first opened a ticket's conversation, and when.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Escalating alerts repeat for a ticket nobody has opened. Tickets that exist when this
revision runs are marked opened (at their creation, by nobody): an upgrade must not make
every old open ticket ring again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ticket_openings",
        sa.Column("ticket_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", _TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_ticket_openings_operator_id_operators"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_openings_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ticket_openings")),
    )
    op.execute(
        "INSERT INTO ticket_openings (ticket_id, operator_id, opened_at) "
        "SELECT id, NULL, created_at FROM tickets"
    )


def downgrade() -> None:
    op.drop_table("ticket_openings")
