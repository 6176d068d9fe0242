"""Full-text search over messages, contacts and tickets for GET /api/search.

SQLite uses the FTS5 tables of search_index.py (accent-insensitive, prefix match on every
word); PostgreSQL uses to_tsvector('italian') for text and 'simple' for names, with the
same expressions as its GIN indexes. Every word must match (AND).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from sportello.domain.values import iso_utc
from sportello.ingest import events as wire
from sportello.server.search_index import pg_vector
from sportello.store.database import Database
from sportello.store.models import Contact, Conversation, Message, Ticket

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 8


def terms_of(query: str) -> list[str]:
    """The words of a query, lowercased; FTS operators and punctuation are dropped."""
    return [word.lower() for word in _WORD.findall(query)][:MAX_TERMS]


def _fts5_query(terms: list[str]) -> str:
    # Quoted terms cannot be read as FTS5 syntax (AND, NEAR, column filters, ...).
    return " ".join(f'"{term}"*' for term in terms)


def _pg_query(terms: list[str]) -> str:
    return " & ".join(f"{term}:*" for term in terms)


def _ids_sqlite(session: Session, fts: str, terms: list[str], limit: int) -> list[int]:
    rows = session.execute(
        text(f"SELECT rowid FROM {fts} WHERE {fts} MATCH :q ORDER BY rank LIMIT :n"),
        {"q": _fts5_query(terms), "n": limit},
    )
    return [int(row[0]) for row in rows]


def _ids_postgres(session: Session, table: str, terms: list[str], limit: int) -> list[int]:
    config, vector = pg_vector(table)
    rows = session.execute(
        text(
            f"SELECT id FROM {table} WHERE {vector} @@ to_tsquery('{config}', :q) "
            f"ORDER BY ts_rank({vector}, to_tsquery('{config}', :q)) DESC, id DESC LIMIT :n"
        ),
        {"q": _pg_query(terms), "n": limit},
    )
    return [int(row[0]) for row in rows]


def _ordered(rows: list[Any], ids: list[int], key: Any) -> list[Any]:
    position = {row_id: index for index, row_id in enumerate(ids)}
    return sorted(rows, key=lambda row: position[key(row)])


def run_search(db: Database, query: str, limit: int) -> dict[str, Any]:
    terms = terms_of(query)
    result: dict[str, Any] = {"query": query, "messages": [], "contacts": [], "tickets": []}
    if not terms:
        return result
    with db.read_session() as session:
        if db.is_sqlite:
            message_ids = _ids_sqlite(session, "messages_fts", terms, limit)
            contact_ids = _ids_sqlite(session, "contacts_fts", terms, limit)
            ticket_ids = _ids_sqlite(session, "tickets_fts", terms, limit)
        else:
            message_ids = _ids_postgres(session, "messages", terms, limit)
            contact_ids = _ids_postgres(session, "contacts", terms, limit)
            ticket_ids = _ids_postgres(session, "tickets", terms, limit)
        messages = session.execute(
            select(Message, Contact)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .join(Contact, Contact.id == Conversation.contact_id)
            .where(Message.id.in_(message_ids))
        ).all()
        contacts = session.execute(
            select(Contact, Conversation.id)
            .outerjoin(Conversation, Conversation.contact_id == Contact.id)
            .where(Contact.id.in_(contact_ids))
        ).all()
        tickets = session.execute(select(Ticket).where(Ticket.id.in_(ticket_ids))).scalars().all()
        result["messages"] = [
            {
                "id": str(m.id),
                "conversationId": str(m.conversation_id),
                "message": m.body,
                "timestamp": iso_utc(m.timestamp),
                "phoneNumber": c.e164 or c.chat_id,
                "senderName": m.sender_name,
                "direction": m.direction.value,
            }
            for m, c in _ordered(list(messages), message_ids, lambda row: row[0].id)
        ]
        result["contacts"] = [
            {
                "id": str(c.id),
                "phoneNumber": c.e164 or c.chat_id,
                "name": c.display_name,
                "conversationId": str(conv) if conv is not None else None,
            }
            for c, conv in _ordered(list(contacts), contact_ids, lambda row: row[0].id)
        ]
        result["tickets"] = [
            wire.ticket_dict(t) for t in _ordered(list(tickets), ticket_ids, lambda t: t.id)
        ]
    return result


__all__ = ["run_search", "terms_of"]
