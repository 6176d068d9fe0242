"""Fixtures for the store and ingestion tests: services on the `db` of each engine,
and a factory of inbound gateway messages."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sportello.domain.rules import TicketRules
from sportello.domain.values import Direction, Gateway, InboundMessage, MessageType, Role
from sportello.ingest.desk import DeskService
from sportello.ingest.service import IngestService
from sportello.store.database import Database
from sportello.store.operators import create_operator

MakeInbound = Callable[..., InboundMessage]
_BASE_TIME = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def ingest(db: Database) -> IngestService:
    return IngestService(db, TicketRules.default())


@pytest.fixture
def desk(db: Database) -> DeskService:
    return DeskService(db)


@pytest.fixture
def operator_id(db: Database) -> int:
    with db.session() as session:
        operator = create_operator(
            session, "giulia", Role.OPERATOR, "s3cret-pass", display_name="Giulia Bianchi"
        )
        session.commit()
        return operator.id


@pytest.fixture
def make_inbound() -> MakeInbound:
    """`make_inbound(body, chat_id=..., **fields)`: a new gateway id and a later time per call."""
    counter = itertools.count(1)

    def make(
        body: str = "Buongiorno",
        *,
        chat_id: str = "393331234567@c.us",
        gateway_message_id: str | None = None,
        gateway: Gateway = Gateway.WPPCONNECT,
        direction: Direction = Direction.INCOMING,
        sender_name: str | None = "Mario Rossi",
        type: MessageType = MessageType.TEXT,
        **extra: Any,
    ) -> InboundMessage:
        n = next(counter)
        return InboundMessage(
            gateway=gateway,
            gateway_message_id=gateway_message_id or f"wamid.TEST{n:06d}",
            chat_id=chat_id,
            body=body,
            timestamp=_BASE_TIME + timedelta(seconds=n),
            type=type,
            direction=direction,
            sender_name=sender_name,
            **extra,
        )

    return make
