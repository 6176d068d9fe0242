"""Contacts: one per customer phone number (or group chat), whatever id shape the gateway used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from sportello.domain.phone import PhoneId
from sportello.store.dialect import connection_of, dialect_insert
from sportello.store.models import Contact, table_of

_contacts = table_of(Contact)


@dataclass(frozen=True, slots=True)
class ContactRef:
    """What the ingestion needs to know about a contact after the upsert."""

    id: int
    display_name: str | None


@cache
def _upsert_statement(dialect_name: str) -> Any:
    # Built once per engine kind: the ingestion runs it for every message.
    insert = dialect_insert(dialect_name, _contacts)
    return insert.on_conflict_do_update(
        index_elements=[_contacts.c.phone_key],
        set_={
            "chat_id": insert.excluded.chat_id,
            "display_name": func.coalesce(insert.excluded.display_name, _contacts.c.display_name),
            "updated_at": insert.excluded.updated_at,
        },
    ).returning(_contacts.c.id, _contacts.c.display_name)


def upsert_contact(
    session: Session | Connection, phone: PhoneId, *, display_name: str | None, now: datetime
) -> ContactRef:
    """Insert or refresh the contact of `phone.key`, and lock its row until commit.

    The DO UPDATE branch locks the row on PostgreSQL, so concurrent messages of one
    customer are linked to tickets one at a time (no two "first" tickets).
    """
    connection = connection_of(session)
    row = connection.execute(
        _upsert_statement(connection.dialect.name),
        {
            "phone_key": phone.key,
            "e164": phone.e164,
            "chat_id": phone.raw,
            "is_group": phone.is_group,
            "valid": phone.is_valid or phone.is_group,
            "display_name": display_name,
            "created_at": now,
            "updated_at": now,
        },
    ).one()
    return ContactRef(id=row[0], display_name=row[1])


def find_contact(session: Session, phone: PhoneId) -> Contact | None:
    return session.execute(
        select(Contact).where(Contact.phone_key == phone.key)
    ).scalar_one_or_none()
