"""What a reconcile round asks the store, on SQLite and PostgreSQL: where to read from, what
is stored already, which chats wait for acks; and the lock only one node holds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from sportello.domain.values import (
    DeliveryStatus,
    Direction,
    Gateway,
    InboundMessage,
    StatusUpdate,
)
from sportello.ingest.service import IngestService
from sportello.store.database import Database
from sportello.store.gateway_history import (
    KnownMessage,
    known_messages,
    newest_inbound_at,
    unsettled_reply_chats,
)
from sportello.store.models import Message
from sportello.store.node_locks import NodeLock

MakeInbound = Callable[..., InboundMessage]
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def test_newest_inbound_at_is_the_sessions_newest_incoming_message(
    db: Database, ingest: IngestService, make_inbound: MakeInbound
) -> None:
    with db.read_engine.connect() as connection:
        assert newest_inbound_at(connection, Gateway.WPPCONNECT, "office") is None
    first = ingest.ingest(make_inbound("primo", account="office"))
    ingest.ingest(make_inbound("altra linea", chat_id="393470000009@c.us", account="other"))
    ingest.ingest(make_inbound("nostro", direction=Direction.OUTGOING, account="office"))

    with db.read_engine.connect() as connection:
        newest = newest_inbound_at(connection, Gateway.WPPCONNECT, "office")

    with db.read_session() as session:
        message = session.get(Message, first.message_id)
        assert message is not None
        assert newest == message.timestamp  # not the other line's, not our own later one


def test_known_messages_say_direction_and_status_of_the_stored_ones(
    db: Database, ingest: IngestService, make_inbound: MakeInbound
) -> None:
    ingest.ingest(make_inbound("ciao", gateway_message_id="false_a"))
    ingest.ingest(make_inbound("ok", gateway_message_id="true_b", direction=Direction.OUTGOING))
    ids = ["false_a", "true_b", "false_missing", *(f"x{n}" for n in range(1200))]

    with db.read_engine.connect() as connection:
        known = known_messages(connection, Gateway.WPPCONNECT, ids)

    assert known == {
        "false_a": KnownMessage(Direction.INCOMING, DeliveryStatus.RECEIVED),
        "true_b": KnownMessage(Direction.OUTGOING, DeliveryStatus.SENT),
    }


def test_unsettled_reply_chats_are_those_with_replies_not_yet_read(
    db: Database, ingest: IngestService, make_inbound: MakeInbound
) -> None:
    def ours(chat: str, key: str) -> InboundMessage:
        return make_inbound(
            "risposta", chat_id=chat, gateway_message_id=key, direction=Direction.OUTGOING
        )

    ingest.ingest(make_inbound("domanda", chat_id="393470000001@c.us", account="office"))
    older, newer = ours("393470000001@c.us", "true_1"), ours("393470000001@c.us", "true_2")
    ingest.ingest(older)
    ingest.ingest(newer)
    ingest.ingest(make_inbound("domanda", chat_id="393470000002@c.us", account="office"))
    ingest.ingest(ours("393470000002@c.us", "true_3"))
    read = StatusUpdate(Gateway.WPPCONNECT, "true_3", DeliveryStatus.READ, older.timestamp)
    assert ingest.apply_status(read) is not None

    with db.read_engine.connect() as connection:
        chats = unsettled_reply_chats(
            connection, Gateway.WPPCONNECT, "office", older.timestamp - timedelta(days=1)
        )
        later = unsettled_reply_chats(
            connection, Gateway.WPPCONNECT, "office", newer.timestamp + timedelta(seconds=1)
        )

    assert chats == {"393470000001@c.us": older.timestamp}
    assert later == {}


def test_a_node_lock_has_one_holder_and_dies_with_its_connection(db: Database) -> None:
    mine, theirs = (
        NodeLock(db, "reconcile:test"),
        NodeLock(Database(db.render_url()), "reconcile:test"),
    )
    try:
        assert mine.try_acquire()
        if db.is_sqlite:
            return  # one node owns a SQLite file: the lock is always granted
        assert not theirs.try_acquire()
        mine.release()
        assert theirs.try_acquire()
        # The node holding it dies (its connection ends): the lock goes with it.
        with db.engine.connect() as admin:
            admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND pid <> pg_backend_pid() AND database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database())"
                )
            )
            admin.commit()
        assert mine.try_acquire()
        theirs.release()  # its connection is gone: the release says so and does not raise
    finally:
        mine.release()
        theirs.release()
        theirs._db.dispose()
