"""The schema exists only through Alembic, on both engines."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from sportello.store.database import Database, DatabaseUnavailable, redact_url
from sportello.store.models import Base

MIGRATIONS = Path(__file__).resolve().parents[2] / "src" / "sportello" / "store" / "migrations"


def _revisions() -> list[str]:
    """Every revision shipped, oldest first (one linear history, one head)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(config)
    heads = script.get_heads()
    assert len(heads) == 1, f"several Alembic heads {heads}: chain the new revision"
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


HEAD = _revisions()[-1]


def test_upgrade_creates_every_table_on_an_empty_database(db_url: str) -> None:
    db = Database(db_url)
    try:
        assert db.current_revision() is None
        db.upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        assert db.current_revision() == HEAD
        with db.engine.connect() as connection:
            diff = compare_metadata(
                MigrationContext.configure(connection, opts={"compare_type": True}),
                Base.metadata,
            )
        assert diff == [], "models and migrations disagree: write a new revision"
        with db.read_session() as session:
            counters = {n: v for n, v in session.execute(text("SELECT name, value FROM counters"))}
        assert counters == {"events": 0, "ticket_number": 0}
    finally:
        db.dispose()


def test_upgrade_twice_is_harmless(db: Database) -> None:
    db.upgrade()
    assert db.current_revision() == HEAD
    assert db.check()


def test_sqlite_connections_get_the_pragmas(tmp_path: Path) -> None:
    db = Database("sqlite:///" + (tmp_path / "p.db").as_posix())
    try:
        with db.read_session() as session:
            pragmas = {
                name: session.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
        # synchronous=NORMAL is 1.
        assert pragmas == {
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": 5000,
            "synchronous": 1,
        }
    finally:
        db.dispose()


def test_unreachable_postgres_is_a_one_line_error() -> None:
    db = Database("postgresql://postgres:hunter2@127.0.0.1:1/nowhere")
    assert not db.check()
    with pytest.raises(DatabaseUnavailable) as caught:
        db.upgrade()
    message = str(caught.value)
    assert "\n" not in message
    assert "hunter2" not in message
    assert "127.0.0.1:1" in message


def test_bad_urls_are_refused_clearly() -> None:
    with pytest.raises(DatabaseUnavailable, match="unsupported database"):
        Database("mysql://x@localhost/db")
    with pytest.raises(DatabaseUnavailable, match="invalid database URL"):
        Database("not a url")
    assert "***" in redact_url("postgresql://u:pw@h/db")


def test_every_revision_downgrades_and_upgrades_again(db_url: str) -> None:
    """Rollback path of an upgrade: step down one revision at a time to nothing, back up."""
    db = Database(db_url)
    try:
        db.upgrade()
        revisions = _revisions()
        for previous in reversed(["base", *revisions[:-1]]):
            db.downgrade(previous)
            assert db.current_revision() == (None if previous == "base" else previous)
        leftover = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert leftover == set(), "downgrade to base left tables behind"
        db.upgrade()
        assert db.current_revision() == HEAD
        assert set(Base.metadata.tables) <= set(inspect(db.engine).get_table_names())
    finally:
        db.dispose()
