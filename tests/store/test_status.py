"""Delivery statuses of the replies we send only move forward, whatever order acks arrive in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from sportello.domain.values import DeliveryStatus, Direction, Gateway, InboundMessage, StatusUpdate
from sportello.ingest.service import IngestService, status_advances
from sportello.store.database import Database
from sportello.store.events import read_events
from sportello.store.models import Message

MakeInbound = Callable[..., InboundMessage]
S = DeliveryStatus
AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("current", "new", "moves"),
    [
        (S.QUEUED, S.SENT, True),
        (S.SENT, S.DELIVERED, True),
        (S.DELIVERED, S.READ, True),
        (S.READ, S.DELIVERED, False),
        (S.DELIVERED, S.SENT, False),
        (S.SENT, S.SENT, False),
        (S.SENT, S.FAILED, True),
        (S.DELIVERED, S.FAILED, True),
        (S.READ, S.FAILED, False),
        (S.FAILED, S.READ, False),
        (S.FAILED, S.SENT, False),
    ],
)
def test_status_only_moves_forward(current: S, new: S, moves: bool) -> None:
    assert status_advances(current, new) is moves


def _status(db: Database, message_id: int) -> DeliveryStatus:
    with db.read_session() as session:
        message = session.get(Message, message_id)
        assert message is not None
        return message.status


def test_out_of_order_acks_end_at_the_furthest_status(
    db: Database, ingest: IngestService, make_inbound: MakeInbound
) -> None:
    sent = ingest.ingest(make_inbound("Arriviamo alle 15", direction=Direction.OUTGOING))
    with db.read_session() as session:
        message = session.get(Message, sent.message_id)
        assert message is not None and message.gateway_message_id is not None
        gateway_id = message.gateway_message_id
        conversation_id = message.conversation_id

    def update(status: S, error: str | None = None) -> StatusUpdate:
        return StatusUpdate(Gateway.WPPCONNECT, gateway_id, status, AT, error)

    read = ingest.apply_status(update(S.READ))
    late_delivered = ingest.apply_status(update(S.DELIVERED))
    late_failure = ingest.apply_status(update(S.FAILED, "timeout"))

    assert read is not None and read.status is S.READ and len(read.events) == 1
    assert read.events[0].payload == {
        "messageId": str(sent.message_id),
        "status": "read",
        "timestamp": "2026-03-02T10:00:00.000Z",
        "conversationId": str(conversation_id),  # ours: consoles mark the row of a failure
        "seq": read.events[0].seq,
    }
    assert late_delivered is not None and late_delivered.events == []
    assert late_failure is not None and late_failure.events == []
    assert _status(db, sent.message_id) is S.READ


def test_failure_is_reported_with_its_error(
    db: Database, ingest: IngestService, make_inbound: MakeInbound
) -> None:
    msg = make_inbound("Preventivo allegato", direction=Direction.OUTGOING)
    sent = ingest.ingest(msg)
    failed = ingest.apply_status(
        StatusUpdate(msg.gateway, msg.gateway_message_id, S.FAILED, AT, "numero inesistente")
    )
    assert failed is not None
    assert failed.events[0].payload["error"] == "numero inesistente"
    assert _status(db, sent.message_id) is S.FAILED


def test_status_for_an_unknown_message_stores_nothing(db: Database, ingest: IngestService) -> None:
    result = ingest.apply_status(StatusUpdate(Gateway.META, "wamid.nope", S.DELIVERED, AT))
    assert result is None
    with db.read_session() as session:
        assert read_events(session, 0, 10) == []


def test_status_never_touches_incoming_messages(
    db: Database, ingest: IngestService, make_inbound: MakeInbound
) -> None:
    msg = make_inbound("ciao")
    stored = ingest.ingest(msg)
    assert (
        ingest.apply_status(StatusUpdate(msg.gateway, msg.gateway_message_id, S.READ, AT)) is None
    )
    assert _status(db, stored.message_id) is S.RECEIVED
