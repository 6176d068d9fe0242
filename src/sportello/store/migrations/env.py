"""Alembic environment: migrations run on a connection handed over by `Database.upgrade()`.

Run from the command line (`alembic -x url=sqlite:///dev.db revision --autogenerate -m ...`
with `-c src/sportello/store/migrations/alembic.ini`) it opens its own connection instead.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from sportello.store.models import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: batch mode rebuilds tables when needed.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("pass the database with: alembic -x url=<SQLAlchemy URL> ...")
    engine = create_engine(url)
    with engine.begin() as own_connection:
        _run(own_connection)


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: run them against a database")
run_migrations_online()
