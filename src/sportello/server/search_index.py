"""The full-text indexes behind GET /api/search, created by the server at start-up.

They live outside the Alembic revisions on purpose: they are derived data owned by the
search feature (dropping and rebuilding them loses nothing), and keeping them out of the
model metadata keeps the store's "models match migrations" check exact. Creation is
idempotent and, on PostgreSQL, serialized by an advisory lock so nodes starting
together do not race.

SQLite: FTS5 external-content tables kept in step by triggers, tokenizer `unicode61
remove_diacritics 2` (accent-insensitive). PostgreSQL: GIN expression indexes with the
exact expressions server/search.py queries with.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from sportello.store.database import Database

_LOCK_ID = 0x5EA2C4
_TOKENIZE = "tokenize = 'unicode61 remove_diacritics 2'"

# (fts table, content table, indexed columns)
SQLITE_TABLES = (
    ("messages_fts", "messages", ("body", "media_caption")),
    ("contacts_fts", "contacts", ("display_name", "e164", "chat_id")),
    ("tickets_fts", "tickets", ("title", "description")),
)

# table -> (text search configuration, document expression)
PG_DOCUMENTS = {
    "messages": ("italian", "coalesce(body, '') || ' ' || coalesce(media_caption, '')"),
    "contacts": ("simple", "coalesce(display_name, '') || ' ' || coalesce(e164, '')"),
    "tickets": ("italian", "coalesce(title, '') || ' ' || coalesce(description, '')"),
}


def pg_vector(table: str) -> tuple[str, str]:
    """(config, to_tsvector expression) of a table, as indexed."""
    config, document = PG_DOCUMENTS[table]
    return config, f"to_tsvector('{config}', {document})"


def ensure_search_indexes(db: Database) -> None:
    """Create whatever search index is missing (a no-op when all exist)."""
    with db.engine.begin() as connection:
        if db.is_sqlite:
            for fts, table, columns in SQLITE_TABLES:
                _sqlite_fts(connection, fts, table, columns)
        else:
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_ID})
            for table in PG_DOCUMENTS:
                _, vector = pg_vector(table)
                connection.execute(
                    text(
                        f"CREATE INDEX IF NOT EXISTS ix_{table}_fts ON {table} USING gin ({vector})"
                    )
                )


def _sqlite_fts(connection: Connection, fts: str, table: str, columns: tuple[str, ...]) -> None:
    exists = connection.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n"), {"n": fts}
    ).first()
    if exists:
        return
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    statements = [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', "
        f"content_rowid='id', {_TOKENIZE})",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); END",
        # Only when an indexed column changes: status updates of messages stay cheap.
        f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF {cols} ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]
    for statement in statements:
        connection.exec_driver_sql(statement)
