"""An operator sends a failed reply again: the same message goes back to the outbox.

Same row, same id, same clientId: the console keeps the one bubble it shows and watches it
go queued -> sent again, where a new message would have left the failed one behind it.
The reply leaves `failed` (which no gateway status may do: `failed` wins) only here, by
an operator's decision, and the event that says so carries `retry: true` so consoles let
the status move back too (docs/protocol.md, `retryMessage`). The outbox worker then
claims the row as any other (server/sender.py): first attempt, due now.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from sportello.domain.values import DeliveryStatus, Direction, utc_now
from sportello.ingest import events as wire
from sportello.ingest.desk import DeskError
from sportello.store.conversations import get_conversation
from sportello.store.database import Database
from sportello.store.events import StoredEvent, append_events
from sportello.store.models import Message, OutboxItem, Ticket


@dataclass(frozen=True, slots=True)
class RetriedReply:
    retried: bool  # False: it was not failed (already retried, or sent): nothing changed
    message: dict[str, Any]  # the newMessage payload of the reply now, with its clientId
    events: list[StoredEvent]


def requeue_failed_reply(db: Database, message_id: int) -> RetriedReply:
    """Put a failed reply back to `queued` with a fresh outbox row; idempotent otherwise."""
    now = utc_now()
    with db.session() as session:
        message = session.get(Message, message_id, with_for_update=True)
        if message is None or message.direction is not Direction.OUTGOING:
            raise DeskError("not_found", f"no reply with id {message_id}")
        retried = message.status is DeliveryStatus.FAILED
        stored: list[StoredEvent] = []
        if retried:
            message.status = DeliveryStatus.QUEUED
            message.status_at = now
            message.error = None
            # A reply the gateway took and then failed (a failed ack) goes out as a new
            # gateway message; its old id would make the worker think it was sent.
            message.gateway_message_id = None
            queued = session.execute(
                select(OutboxItem.id).where(OutboxItem.message_id == message.id)
            ).scalar_one_or_none()
            if queued is None:
                session.add(OutboxItem(message_id=message.id, next_attempt_at=now, created_at=now))
            session.flush()
            stored = append_events(
                session,
                [
                    wire.message_status_update(
                        message.id,
                        DeliveryStatus.QUEUED,
                        now,
                        conversation_id=message.conversation_id,
                        retry=True,
                    )
                ],
            )
        found = get_conversation(session, message.conversation_id)
        assert found is not None, "a message always has its conversation"
        ticket = session.get(Ticket, message.ticket_id) if message.ticket_id else None
        payload = wire.new_message(
            wire.message_facts(message, found[1]),
            ticket_priority=ticket.priority if ticket else None,
        ).payload
        payload["clientId"] = message.client_id
        session.commit()
    return RetriedReply(retried, payload, stored)
