"""Where the data lives: engines, sessions, schema migrations and health.

SQLite (one file, the default for a single desk) and PostgreSQL (shared by several
server nodes) are chosen by URL. The schema is created and migrated only by Alembic,
so a database made by any version of Sportello can be brought to head.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from sportello.system.private_files import make_private_dir, prepare_private_sqlite

log = logging.getLogger(__name__)

# An arbitrary constant: the PostgreSQL advisory lock that serializes migrations when
# several server nodes start at once against the same database.
_MIGRATION_LOCK_ID = 0x5B0_7E11
# How long a SQLite BEGIN IMMEDIATE is retried when SQLite refuses it without waiting.
_BEGIN_RETRY_SECONDS = 10.0


class DatabaseUnavailable(Exception):
    """The database cannot be opened, reached or migrated; the message says which and why."""


def redact_url(url: str | URL) -> str:
    """The URL with its password masked, safe for logs and error messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"


def default_sqlite_url() -> str:
    """SQLite file in the per-user data directory (created 0700 if missing)."""
    from platformdirs import user_data_dir

    folder = make_private_dir(Path(user_data_dir("Sportello", appauthor=False)))
    return "sqlite:///" + (folder / "sportello.db").as_posix()


def _normalize_url(url: str) -> URL:
    parsed = make_url(url)
    # psycopg 3 is the only PostgreSQL driver we ship; plain postgresql:// means it too.
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    database = sqlite_file(parsed)
    if database is not None and not database.is_absolute():
        # Relative to the current directory, which a child process or a service manager
        # does not share: from here on (logs, children) the URL names the file itself.
        absolute = Path.cwd() / database
        log.info("SQLite path %s resolved to %s", database, absolute)
        parsed = parsed.set(database=absolute.as_posix())
    return parsed


def sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite URL; None for PostgreSQL, in-memory and URI-style databases."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:") or url.query.get("uri") or database.startswith("file:"):
        return None
    return Path(database)


class Database:
    """One database: a writer engine, a reader engine, sessions, migrations and a health check.

    On SQLite, write sessions start with BEGIN IMMEDIATE so writers queue on the file lock
    at the start of a transaction instead of failing with SQLITE_BUSY halfway through;
    read sessions use a plain BEGIN and never block writers (WAL).
    """

    def __init__(self, url: str, *, echo: bool = False) -> None:
        try:
            self.url = _normalize_url(url)
        except ArgumentError as exc:
            raise DatabaseUnavailable(f"invalid database URL {url!r}: {exc}") from exc
        self.dialect_name = self.url.get_backend_name()
        if self.dialect_name not in ("sqlite", "postgresql"):
            raise DatabaseUnavailable(
                f"unsupported database {redact_url(self.url)}: use sqlite:/// or postgresql://"
            )
        try:
            self.engine = self._make_engine(immediate=True, echo=echo)
            self.read_engine = (
                self._make_engine(immediate=False, echo=echo) if self.is_sqlite else self.engine
            )
        except (ArgumentError, NoSuchModuleError) as exc:
            raise DatabaseUnavailable(f"cannot open {redact_url(self.url)}: {exc}") from exc
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)

    def render_url(self) -> str:
        """The full URL, password included: for handing to a child process, never for logs."""
        return self.url.render_as_string(hide_password=False)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect_name == "sqlite"

    def _make_engine(self, *, immediate: bool, echo: bool) -> Engine:
        if self.dialect_name == "sqlite":
            database = sqlite_file(self.url)
            if database is not None:
                self._prepare_sqlite_file(database)
            engine = create_engine(self.url, echo=echo, pool_size=8, max_overflow=24)
            _install_sqlite_hooks(engine, immediate=immediate)
            return engine
        return create_engine(
            self.url,
            echo=echo,
            pool_size=10,
            max_overflow=20,
            connect_args={"connect_timeout": 5, "application_name": "sportello"},
        )

    def _prepare_sqlite_file(self, database: Path) -> None:
        """The database holds every customer's messages: 0600 before SQLite opens it."""
        try:
            prepare_private_sqlite(database)
        except OSError as exc:
            raise DatabaseUnavailable(f"cannot open {database}: {exc.strerror or exc}") from exc

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A write session; the caller commits. Anything not committed is rolled back."""
        with self._sessions() as session:
            try:
                yield session
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write session committed when the block ends, rolled back entirely if it raises."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A session for queries only: on SQLite it never takes the write lock.

        Closing it ends the transaction without expiring loaded rows, so they stay usable.
        """
        with self._read_sessions() as session:
            yield session

    def upgrade(self, revision: str = "head") -> None:
        """Create or migrate the schema with the migrations shipped inside the package."""
        self._migrate("upgrade", revision)

    def downgrade(self, revision: str) -> None:
        """Step the schema back to `revision` ("base" drops every table): for rollbacks."""
        self._migrate("downgrade", revision)

    def _migrate(self, direction: str, revision: str) -> None:
        from alembic import command
        from alembic.config import Config

        try:
            with (
                resources.as_file(resources.files("sportello.store") / "migrations") as folder,
                self.engine.begin() as connection,
            ):
                if not self.is_sqlite:
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_ID}
                    )
                config = Config()
                config.set_main_option("script_location", str(folder))
                config.attributes["connection"] = connection
                getattr(command, direction)(config, revision)
        except (DBAPIError, OSError) as exc:
            raise DatabaseUnavailable(
                f"cannot migrate {redact_url(self.url)}: {_one_line(exc)}"
            ) from exc

    def current_revision(self) -> str | None:
        """The Alembic revision the database is at, None when it was never migrated."""
        from alembic.runtime.migration import MigrationContext

        with self.read_engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def check(self) -> bool:
        """True when a trivial query answers; used by /health."""
        try:
            with self.read_engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            log.warning("database health check failed for %s: %s", redact_url(self.url), exc)
            return False
        return True

    def ensure_reachable(self) -> None:
        """Raise DatabaseUnavailable with the reason when the database does not answer."""
        try:
            with self.read_engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            raise DatabaseUnavailable(
                f"cannot reach {redact_url(self.url)}: {_one_line(exc)}"
            ) from exc

    def dispose(self) -> None:
        """Close every pooled connection (at shutdown, and in tests before dropping a db)."""
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


def _one_line(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    return " ".join(str(original).split()) or type(original).__name__


def _install_sqlite_hooks(engine: Engine, *, immediate: bool) -> None:
    begin_sql = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Take transaction control away from the sqlite3 module (it would otherwise begin
        # lazily and commit before DDL), so BEGIN IMMEDIATE and SAVEPOINTs behave.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # SQLite answers SQLITE_BUSY without waiting in a few cases (a WAL restart racing
        # other writers): retry the BEGIN itself within the busy timeout instead of failing
        # a transaction that has not done anything yet.
        deadline = time.monotonic() + _BEGIN_RETRY_SECONDS
        pause = 0.002
        while True:
            try:
                connection.exec_driver_sql(begin_sql)
                return
            except OperationalError as exc:
                if "locked" not in str(exc.orig) or time.monotonic() > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.1)
