"""Initial schema: operators, tokens, contacts, conversations, messages, tickets, history,
outbox, the event log and its counters.

Revision ID: 0001
Revises:
Create Date: 2026-11-25

Written from Alembic's autogenerate output, then reviewed: column types are spelled out
here (not imported from the models) so this revision never changes when the models do.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMESTAMP = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
# INTEGER PRIMARY KEY is SQLite's rowid alias; PostgreSQL gets 64 bits.
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_UNREAD = sa.text("direction = 'incoming' AND read_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone_key", sa.String(length=160), nullable=False),
        sa.Column("e164", sa.String(length=20), nullable=True),
        sa.Column("chat_id", sa.String(length=160), nullable=False),
        sa.Column("is_group", sa.Boolean(), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=True),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint("phone_key", name=op.f("uq_contacts_phone_key")),
    )
    op.create_table(
        "counters",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_counters")),
    )
    op.create_table(
        "events",
        sa.Column("seq", _BIG_ID, autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("payload", _JSON, nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_events")),
    )
    op.create_table(
        "operators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=128), nullable=False),
        sa.Column(
            "role",
            sa.Enum("admin", "operator", name="role", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operators")),
        sa.UniqueConstraint("name", name=op.f("uq_operators_name")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=128), nullable=True),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("revoked_at", _TIMESTAMP, nullable=True),
        sa.Column("last_used_at", _TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_api_tokens_operator_id_operators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_operator_id"), "api_tokens", ["operator_id"], unique=False)

    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column(
            "gateway",
            sa.Enum("wppconnect", "meta", "generic", name="gateway", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("account", sa.String(length=128), nullable=True),
        sa.Column("last_message_at", _TIMESTAMP, nullable=True),
        sa.Column("last_inbound_at", _TIMESTAMP, nullable=True),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_conversations_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint("contact_id", name=op.f("uq_conversations_contact_id")),
    )
    op.create_index(
        "ix_conversations_recent", "conversations", ["last_message_at", "id"], unique=False
    )

    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING",
                "ASSIGNED",
                "IN_PROGRESS",
                "RESOLVED",
                "CLOSED",
                name="ticketstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "priority",
            sa.Enum(
                "URGENT", "HIGH", "MEDIUM", "LOW", name="priority", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        sa.Column("closed_at", _TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["operators.id"],
            name=op.f("fk_tickets_assignee_id_operators"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_tickets_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_tickets_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("number", name=op.f("uq_tickets_number")),
    )
    op.create_index(op.f("ix_tickets_assignee_id"), "tickets", ["assignee_id"], unique=False)
    op.create_index(
        op.f("ix_tickets_contact_id_status"), "tickets", ["contact_id", "status"], unique=False
    )
    op.create_index(
        op.f("ix_tickets_status_priority"), "tickets", ["status", "priority"], unique=False
    )

    op.create_table(
        "messages",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column(
            "gateway",
            sa.Enum("wppconnect", "meta", "generic", name="gateway", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("gateway_message_id", sa.String(length=255), nullable=True),
        sa.Column("client_id", sa.String(length=128), nullable=True),
        sa.Column(
            "direction",
            sa.Enum("incoming", "outgoing", name="direction", native_enum=False, length=16),
            nullable=False,
        ),
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
        sa.Column("status_at", _TIMESTAMP, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "type",
            sa.Enum(
                "text",
                "image",
                "audio",
                "video",
                "document",
                "sticker",
                "location",
                "contact",
                "unsupported",
                name="messagetype",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "media_type",
            sa.Enum(
                "text",
                "image",
                "audio",
                "video",
                "document",
                "sticker",
                "location",
                "contact",
                "unsupported",
                name="messagetype",
                native_enum=False,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("media_url", sa.Text(), nullable=True),
        sa.Column("media_caption", sa.Text(), nullable=True),
        sa.Column("media_mime", sa.String(length=128), nullable=True),
        sa.Column("media_filename", sa.String(length=255), nullable=True),
        sa.Column("timestamp", _TIMESTAMP, nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("sender_name", sa.String(length=255), nullable=True),
        sa.Column("author_id", sa.String(length=160), nullable=True),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("raw", _JSON, nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("read_at", _TIMESTAMP, nullable=True),
        sa.Column("read_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_messages_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["read_by"],
            ["operators.id"],
            name=op.f("fk_messages_read_by_operators"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_id"],
            ["operators.id"],
            name=op.f("fk_messages_sent_by_id_operators"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_messages_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint("client_id", name=op.f("uq_messages_client_id")),
        sa.UniqueConstraint(
            "gateway", "gateway_message_id", name=op.f("uq_messages_gateway_gateway_message_id")
        ),
    )
    op.create_index(
        "ix_messages_thread", "messages", ["conversation_id", "timestamp", "id"], unique=False
    )
    op.create_index(op.f("ix_messages_ticket_id"), "messages", ["ticket_id"], unique=False)
    op.create_index(
        "ix_messages_unread_by_conversation",
        "messages",
        ["conversation_id"],
        unique=False,
        sqlite_where=_UNREAD,
        postgresql_where=_UNREAD,
    )
    op.create_index(
        "ix_messages_unread_recent",
        "messages",
        ["timestamp", "id"],
        unique=False,
        sqlite_where=_UNREAD,
        postgresql_where=_UNREAD,
    )

    op.create_table(
        "ticket_history",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("old_value", sa.String(length=255), nullable=True),
        sa.Column("new_value", sa.String(length=255), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", _TIMESTAMP, nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["operators.id"],
            name=op.f("fk_ticket_history_actor_id_operators"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_history_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_history")),
    )
    op.create_index(
        op.f("ix_ticket_history_ticket_id_id"), "ticket_history", ["ticket_id", "id"], unique=False
    )

    op.create_table(
        "outbox",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("message_id", _BIG_ID, nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_attempt_at", _TIMESTAMP, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_outbox_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_message_id")),
    )
    op.create_index(op.f("ix_outbox_next_attempt_at"), "outbox", ["next_attempt_at"], unique=False)

    counters = sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.BigInteger))
    op.bulk_insert(
        counters, [{"name": "events", "value": 0}, {"name": "ticket_number", "value": 0}]
    )


def downgrade() -> None:
    for table in (
        "outbox",
        "ticket_history",
        "messages",
        "tickets",
        "conversations",
        "api_tokens",
        "operators",
        "events",
        "counters",
        "contacts",
    ):
        op.drop_table(table)
