"""A lock one server node holds while it does a job no two nodes should do at once.

On PostgreSQL (several nodes share it) it is a session-level advisory lock, held by a
connection of its own: it is released when the job ends, and by the database itself when
the node dies or its connection drops, so no lease can be left behind. On SQLite one node
owns the database file, so the lock is always granted.

The calls block: run them on a database thread.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from sportello.store.database import Database

log = logging.getLogger(__name__)


class NodeLock:
    """`try_acquire()` without waiting, `release()` when done; one holder at a time."""

    def __init__(self, db: Database, name: str) -> None:
        self._db = db
        self.name = name
        self._key = f"sportello-node-lock:{name}"
        self._connection: Connection | None = None
        self.held = False

    def try_acquire(self) -> bool:
        """True when this node now holds the lock; False when another node does."""
        if self.held:
            return True
        if self._db.is_sqlite:
            self.held = True
            return True
        connection = self._db.engine.connect()
        try:
            granted = bool(
                connection.execute(
                    text("SELECT pg_try_advisory_lock(hashtext(:key))"), {"key": self._key}
                ).scalar_one()
            )
            # The lock belongs to the connection, not to this transaction: end the
            # transaction so the connection does not sit "idle in transaction".
            connection.commit()
        except BaseException:
            connection.close()
            raise
        if not granted:
            connection.close()
            return False
        self._connection = connection
        self.held = True
        return True

    def release(self) -> None:
        """Give the lock back (a no-op when not held)."""
        if not self.held:
            return
        self.held = False
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.execute(
                text("SELECT pg_advisory_unlock(hashtext(:key))"), {"key": self._key}
            )
            connection.commit()
        except SQLAlchemyError as exc:
            # The connection is gone, and the lock with it; never pool a connection that
            # might still hold it.
            log.warning("releasing node lock %s failed: %s", self.name, exc)
            connection.invalidate()
        finally:
            connection.close()
