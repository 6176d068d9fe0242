"""INSERT ... ON CONFLICT for whichever engine a session is bound to.

SQLite (3.35+) and PostgreSQL share the syntax and SQLAlchemy offers it per dialect;
this picks the right construct so repositories stay engine-agnostic.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_for(session: Session, model: Any) -> Any:
    """A dialect INSERT that has `on_conflict_do_nothing/_do_update` and `.excluded`."""
    return dialect_insert(session.get_bind().dialect.name, model)


def dialect_insert(dialect_name: str, model: Any) -> Any:
    if dialect_name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def connection_of(where: Session | Connection) -> Connection:
    """The connection to run Core statements on: the session's (inside its transaction) or itself.

    The ingestion hot path works on a bare Connection: the ORM session costs more than the SQL.
    """
    return where.connection() if isinstance(where, Session) else where
