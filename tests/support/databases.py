"""Real databases for tests: a SQLite file, or a fresh PostgreSQL database.

PostgreSQL variants skip when 127.0.0.1:5432 does not answer, unless the environment
says SPORTELLO_REQUIRE_POSTGRES=1: then they fail, so CI cannot pass by skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest

PG_HOST = os.environ.get("SPORTELLO_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("SPORTELLO_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("SPORTELLO_TEST_PG_USER", "postgres")
DB_KINDS = ("sqlite", "postgres")


def _admin_dsn() -> str:
    return f"host={PG_HOST} port={PG_PORT} user={PG_USER} dbname=postgres connect_timeout=3"


@cache
def postgres_unavailable_reason() -> str | None:
    """Why PostgreSQL cannot be used for tests, or None when it answers."""
    import psycopg

    try:
        with psycopg.connect(_admin_dsn(), autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"PostgreSQL on {PG_HOST}:{PG_PORT} is unreachable: {first_line}"
    return None


def require_postgres() -> None:
    """Skip (or fail, with SPORTELLO_REQUIRE_POSTGRES=1) when PostgreSQL is unreachable."""
    reason = postgres_unavailable_reason()
    if reason is None:
        return
    if os.environ.get("SPORTELLO_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason} (and SPORTELLO_REQUIRE_POSTGRES=1)")
    pytest.skip(reason)


def create_postgres_database() -> tuple[str, str]:
    """A new empty database with a unique name: (SQLAlchemy URL, database name)."""
    import psycopg

    name = "sportello_test_" + uuid.uuid4().hex[:12]
    with psycopg.connect(_admin_dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}", name


def drop_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect(_admin_dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_database_url(kind: str, tmp_path: Path) -> str:
    """URL of a new empty database of `kind` ("sqlite" or "postgres").

    A PostgreSQL database made here is not dropped automatically: prefer
    `database_url()` (a context manager) or the `db_url` fixture.
    """
    if kind == "sqlite":
        return "sqlite:///" + (tmp_path / f"sportello-{uuid.uuid4().hex[:8]}.db").as_posix()
    if kind == "postgres":
        require_postgres()
        return create_postgres_database()[0]
    raise ValueError(f"unknown database kind {kind!r}: use one of {DB_KINDS}")


@contextmanager
def database_url(kind: str, tmp_path: Path) -> Iterator[str]:
    """A new empty database of `kind` for the duration of the block, then dropped."""
    if kind == "sqlite":
        yield make_database_url(kind, tmp_path)
        return
    require_postgres()
    url, name = create_postgres_database()
    try:
        yield url
    finally:
        drop_postgres_database(name)


DB_PARAMS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_available() -> bool:
    """True when the Redis server of the multi-node tests answers."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except (redis.RedisError, OSError):
        return False
    return True
