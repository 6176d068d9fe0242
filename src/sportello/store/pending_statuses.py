"""Delivery statuses that arrive before the send they belong to is recorded.

A gateway answers our send request with its message id, and may post the `sent` or
`delivered` ack for that id before our sender has stored it. Such a status is parked
here, keyed by (gateway, gateway message id), and applied when the id is recorded.

Both sides take the same per-id lock (PostgreSQL advisory lock; SQLite writers are
serialized already), so a status is either seen by the sender's transaction or finds
the id recorded: never lost between the two.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from sportello.domain.values import Gateway, StatusUpdate
from sportello.store.models import PendingStatus

# A status nobody claims within this long belongs to a message we will never know.
PENDING_TTL = timedelta(days=1)


def lock_gateway_id(session: Session, gateway: Gateway, gateway_message_id: str) -> None:
    """Serialize the parking and the claiming of statuses of one gateway message id."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": f"sportello-status:{gateway.value}:{gateway_message_id}"},
        )


def park_status(session: Session, update: StatusUpdate, now: datetime) -> None:
    """Keep a status of a message id we do not know yet; forget ones older than a day."""
    session.execute(delete(PendingStatus).where(PendingStatus.received_at < now - PENDING_TTL))
    session.add(
        PendingStatus(
            gateway=update.gateway,
            gateway_message_id=update.gateway_message_id,
            status=update.status,
            status_at=update.timestamp,
            error=update.error,
            received_at=now,
        )
    )


def claim_statuses(
    session: Session, gateway: Gateway, gateway_message_id: str
) -> list[PendingStatus]:
    """The parked statuses of this id, in arrival order, removed from the table."""
    found = list(
        session.scalars(
            select(PendingStatus)
            .where(
                PendingStatus.gateway == gateway,
                PendingStatus.gateway_message_id == gateway_message_id,
            )
            .order_by(PendingStatus.id)
        )
    )
    if found:
        session.execute(delete(PendingStatus).where(PendingStatus.id.in_([p.id for p in found])))
    return found
