"""What operators do: read messages, change tickets, queue replies that the outbox sends."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from sportello.domain.values import (
    DeliveryStatus,
    Direction,
    Gateway,
    InboundMessage,
    Priority,
    Role,
    TicketStatus,
    utc_now,
)
from sportello.ingest.desk import DeskError, DeskService
from sportello.ingest.service import IngestService
from sportello.store.database import Database
from sportello.store.events import read_events
from sportello.store.messages import unread_count
from sportello.store.models import Message, OutboxItem
from sportello.store.operators import create_operator
from sportello.store.tickets import ticket_history

MakeInbound = Callable[..., InboundMessage]


def _all_events(db: Database) -> list[tuple[str, dict[str, object]]]:
    with db.read_session() as session:
        return [(event.name, event.payload) for event in read_events(session, 0, 10_000)]


def test_reading_a_message_reads_the_earlier_ones_once_for_everybody(
    db: Database,
    ingest: IngestService,
    desk: DeskService,
    make_inbound: MakeInbound,
    operator_id: int,
) -> None:
    first, second, third = (ingest.ingest(make_inbound(f"messaggio {n}")) for n in range(3))
    other_chat = ingest.ingest(make_inbound("altro", chat_id="393471112222@c.us"))

    result = desk.mark_read(second.message_id, operator_id)

    assert result.message_ids == [first.message_id, second.message_id]
    assert [event.payload["messageId"] for event in result.events] == [
        str(first.message_id),
        str(second.message_id),
    ]
    assert all(event.name == "messageRead" for event in result.events)
    assert result.events[0].payload["readBy"] == str(operator_id)
    again = desk.mark_read(second.message_id, operator_id)
    assert again.message_ids == [] and again.events == []
    with db.read_session() as session:
        assert unread_count(session) == 2  # third, and the other chat's
    assert third.message_id and other_chat.message_id


def test_concurrent_mark_read_emits_each_read_once(
    db: Database,
    ingest: IngestService,
    desk: DeskService,
    make_inbound: MakeInbound,
    operator_id: int,
) -> None:
    ids = [ingest.ingest(make_inbound(f"m{n}")).message_id for n in range(20)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda mid: desk.mark_read(mid, operator_id), ids * 2))
    reads = [p["messageId"] for name, p in _all_events(db) if name == "messageRead"]
    assert sorted(reads, key=int) == [str(i) for i in ids]


def test_mark_read_of_unknown_message_is_an_error(desk: DeskService, operator_id: int) -> None:
    with pytest.raises(DeskError) as caught:
        desk.mark_read(424242, operator_id)
    assert caught.value.code == "not_found"


def test_ticket_update_records_history_and_announces_it(
    db: Database,
    ingest: IngestService,
    desk: DeskService,
    make_inbound: MakeInbound,
    operator_id: int,
) -> None:
    ticket_id = ingest.ingest(make_inbound("aiuto, perdita dal tetto")).ticket_id
    assert ticket_id is not None

    result = desk.update_ticket(
        ticket_id,
        operator_id,
        status=TicketStatus.IN_PROGRESS,
        priority=Priority.HIGH,
        assignee_id=operator_id,
    )

    assert sorted(result.changed) == ["assignee", "priority", "status"]
    assert [event.name for event in result.events] == ["ticketUpdated"]
    payload = result.events[0].payload
    assert payload["reason"] == "updated"
    assert payload["ticket"]["status"] == "IN_PROGRESS"
    assert payload["ticket"]["assigneeId"] == str(operator_id)
    assert desk.update_ticket(ticket_id, operator_id, status=TicketStatus.IN_PROGRESS).events == []
    closed = desk.update_ticket(ticket_id, operator_id, status=TicketStatus.CLOSED)
    assert closed.ticket["status"] == "CLOSED"
    with db.read_session() as session:
        history = [
            (h.field, h.old_value, h.new_value, h.actor) for h in ticket_history(session, ticket_id)
        ]
    assert history == [
        ("status", None, "PENDING", "system"),
        ("status", "PENDING", "IN_PROGRESS", str(operator_id)),
        ("priority", "MEDIUM", "HIGH", str(operator_id)),
        ("assignee", None, str(operator_id), str(operator_id)),
        ("status", "IN_PROGRESS", "CLOSED", str(operator_id)),
    ]


def test_ticket_update_refuses_unknown_ticket_and_assignee(
    ingest: IngestService, desk: DeskService, make_inbound: MakeInbound, operator_id: int
) -> None:
    with pytest.raises(DeskError) as caught:
        desk.update_ticket(999, operator_id, status=TicketStatus.CLOSED)
    assert caught.value.code == "not_found"
    ticket_id = ingest.ingest(make_inbound("guasto")).ticket_id
    assert ticket_id is not None
    with pytest.raises(DeskError) as caught:
        desk.update_ticket(ticket_id, operator_id, assignee_id=999)
    assert caught.value.code == "invalid_assignee"


def test_reply_is_queued_once_per_client_id(
    db: Database,
    ingest: IngestService,
    desk: DeskService,
    make_inbound: MakeInbound,
    operator_id: int,
) -> None:
    incoming = ingest.ingest(make_inbound("aiuto, caldaia guasta"))

    reply = desk.queue_outgoing(
        body="Arriviamo domani alle 9",
        client_id="c-1",
        operator_id=operator_id,
        conversation_id=incoming.conversation_id,
    )
    again = desk.queue_outgoing(
        body="Arriviamo domani alle 9",
        client_id="c-1",
        operator_id=operator_id,
        conversation_id=incoming.conversation_id,
    )

    assert reply.created and not again.created and again.message_id == reply.message_id
    assert again.events == [] and again.message["id"] == reply.message["id"]
    assert [event.name for event in reply.events] == ["newMessage"]
    payload = reply.events[0].payload
    assert payload["direction"] == "outgoing" and payload["status"] == "queued"
    assert payload["ticketId"] == str(incoming.ticket_id)
    assert payload["senderName"] == "Giulia Bianchi"
    with db.read_session() as session:
        assert session.execute(select(func.count()).select_from(OutboxItem)).scalar_one() == 1


def test_same_client_id_sent_concurrently_queues_once(
    db: Database, desk: DeskService, operator_id: int
) -> None:
    def send(_: int) -> int:
        return desk.queue_outgoing(
            body="Buongiorno", client_id="same", operator_id=operator_id, to="+39 333 765 4321"
        ).message_id

    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = set(pool.map(send, range(50)))
    assert len(ids) == 1
    assert [name for name, _ in _all_events(db)] == ["newMessage"]


def test_reply_to_a_bad_number_is_refused(desk: DeskService, operator_id: int) -> None:
    with pytest.raises(DeskError) as caught:
        desk.queue_outgoing(body="ciao", client_id="c-9", operator_id=operator_id, to="12")
    assert caught.value.code == "invalid_phone"
    with pytest.raises(DeskError) as caught:
        desk.queue_outgoing(body="  ", client_id="c-9", operator_id=operator_id, to="3331234567")
    assert caught.value.code == "empty_body"


def test_outbox_send_success_then_acks(
    db: Database, ingest: IngestService, desk: DeskService, operator_id: int
) -> None:
    reply = desk.queue_outgoing(
        body="Ecco il preventivo", client_id="c-2", operator_id=operator_id, to="3331234567"
    )
    [job] = desk.claim_outbox()
    assert (job.message_id, job.e164, job.attempt, job.gateway) == (
        reply.message_id,
        "+393331234567",
        1,
        Gateway.WPPCONNECT,
    )
    assert desk.claim_outbox() == []  # leased: another worker does not take it

    sent = desk.record_sent(job.outbox_id, "true_393331234567@c.us_3EB0AAA")
    assert sent is not None and sent.status is DeliveryStatus.SENT
    assert sent.events[0].payload["status"] == "sent"
    from sportello.domain.values import StatusUpdate

    delivered = ingest.apply_status(
        StatusUpdate(
            Gateway.WPPCONNECT,
            "true_393331234567@c.us_3EB0AAA",
            DeliveryStatus.DELIVERED,
            utc_now(),
        )
    )
    assert delivered is not None and delivered.status is DeliveryStatus.DELIVERED
    with db.read_session() as session:
        assert session.execute(select(OutboxItem)).first() is None


def test_outbox_retries_then_gives_up(db: Database, desk: DeskService, operator_id: int) -> None:
    reply = desk.queue_outgoing(
        body="ok", client_id="c-3", operator_id=operator_id, to="3331234567"
    )
    [job] = desk.claim_outbox()
    retry = desk.record_send_failure(
        job.outbox_id, "503", retry_at=utc_now() - timedelta(seconds=1)
    )
    assert retry is not None and retry.events == []
    [again] = desk.claim_outbox()
    assert again.attempt == 2
    failed = desk.record_send_failure(again.outbox_id, "numero non su WhatsApp", retry_at=None)
    assert failed is not None and failed.status is DeliveryStatus.FAILED
    assert failed.events[0].payload["error"] == "numero non su WhatsApp"
    with db.read_session() as session:
        message = session.get(Message, reply.message_id)
        assert message is not None and message.status is DeliveryStatus.FAILED
        assert message.direction is Direction.OUTGOING


def test_a_second_operator_sees_the_same_unread_state(
    db: Database,
    ingest: IngestService,
    desk: DeskService,
    make_inbound: MakeInbound,
    operator_id: int,
) -> None:
    with db.session() as session:
        other = create_operator(session, "luca", Role.OPERATOR, "password-2").id
        session.commit()
    message_id = ingest.ingest(make_inbound("ciao")).message_id
    assert desk.mark_read(message_id, other).message_ids == [message_id]
    assert desk.mark_read(message_id, operator_id).message_ids == []
