"""Auto-ticketing ingestion: one transaction per message, idempotent, nothing half-written."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from sportello.domain.values import (
    Direction,
    Gateway,
    InboundMessage,
    Media,
    MessageType,
    Priority,
    TicketStatus,
)
from sportello.ingest.desk import DeskService
from sportello.ingest.service import IngestFailure, IngestResult, IngestService
from sportello.store.database import Database
from sportello.store.events import last_seq, read_events
from sportello.store.models import Contact, Conversation, Event, Message, Ticket, TicketHistory

MakeInbound = Callable[..., InboundMessage]


def _count(db: Database, model: type) -> int:
    with db.read_session() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def _event_names(db: Database) -> list[str]:
    with db.read_session() as session:
        return [event.name for event in read_events(session, 0, 10_000)]


def test_request_for_help_creates_a_ticket_and_announces_it(
    db: Database, ingest: IngestService, make_inbound: MakeInbound
) -> None:
    result = ingest.ingest(make_inbound("Buongiorno, la caldaia è rotta, serve assistenza"))

    assert result.created and result.ticket_id is not None
    assert [event.name for event in result.events] == ["ticketCreated", "newMessage"]
    created, new_message = (event.payload for event in result.events)
    assert created["reason"] == "auto"
    ticket = created["ticket"]
    assert ticket["number"] == 1
    assert ticket["title"] == "WhatsApp: Buongiorno, la caldaia è rotta, serve assistenza"[:60]
    assert ticket["status"] == "PENDING" and ticket["priority"] == "MEDIUM"
    assert ticket["id"] == str(result.ticket_id)
    assert new_message["ticketId"] == str(result.ticket_id)
    assert new_message["id"] == str(result.message_id)
    assert new_message["phoneNumber"] == "+393331234567"
    assert new_message["direction"] == "incoming" and new_message["status"] == "received"
    assert new_message["notification"]["title"] == "Mario Rossi"
    assert new_message["notification"]["sound"] is True  # the seed's boolean
    assert new_message["notification"]["soundName"] == "message"
    assert new_message["seq"] == result.events[1].seq == result.events[0].seq + 1
    with db.read_session() as session:
        assert last_seq(session) == result.events[-1].seq
        stored = read_events(session, 0, 10)
    assert [event.payload for event in stored] == [event.payload for event in result.events]


def test_title_keeps_the_first_50_characters(
    ingest: IngestService, make_inbound: MakeInbound
) -> None:
    body = "Aiuto! " + "x" * 80
    result = ingest.ingest(make_inbound(body))
    ticket = result.events[0].payload["ticket"]
    assert ticket["title"] == "WhatsApp: " + body[:50]
    assert ticket["description"] == body


def test_urgent_message_creates_urgent_ticket_with_urgent_sound(
    ingest: IngestService, make_inbound: MakeInbound
) -> None:
    result = ingest.ingest(make_inbound("URGENTE: allagamento in cantina"))
    assert result.events[0].payload["ticket"]["priority"] == Priority.URGENT.value
    assert result.events[1].payload["notification"]["soundName"] == "urgent"


def test_small_talk_creates_no_ticket(
    db: Database, ingest: IngestService, make_inbound: MakeInbound
) -> None:
    result = ingest.ingest(make_inbound("Grazie mille, buona giornata"))
    assert result.created and result.ticket_id is None
    assert [event.name for event in result.events] == ["newMessage"]
    assert result.events[0].payload["ticketId"] is None
    assert _count(db, Ticket) == 0


def test_follow_up_message_links_to_the_open_ticket(
    db: Database, ingest: IngestService, make_inbound: MakeInbound
) -> None:
    first = ingest.ingest(make_inbound("Il condizionatore non funziona"))
    # The same customer, written the way a different gateway spells the number.
    follow_up = ingest.ingest(
        make_inbound("Vi mando una foto", chat_id="+39 333 123 4567", gateway=Gateway.META)
    )
    assert follow_up.ticket_id == first.ticket_id is not None
    assert follow_up.conversation_id == first.conversation_id
    assert [event.name for event in follow_up.events] == ["newMessage"]
    assert follow_up.events[0].payload["ticketId"] == str(first.ticket_id)
    assert _count(db, Ticket) == 1
    assert _count(db, Contact) == 1


def test_closed_ticket_means_a_new_request_opens_a_new_ticket(
    db: Database, ingest: IngestService, desk: DeskService, make_inbound: MakeInbound
) -> None:
    first = ingest.ingest(make_inbound("Ho un guasto alla lavatrice"))
    assert first.ticket_id is not None
    desk.update_ticket(first.ticket_id, None, status=TicketStatus.CLOSED)

    small_talk = ingest.ingest(make_inbound("grazie"))
    assert small_talk.ticket_id is None
    again = ingest.ingest(make_inbound("Di nuovo un problema alla lavatrice"))
    assert again.ticket_id not in (None, first.ticket_id)
    assert again.events[0].payload["ticket"]["number"] == 2


def test_group_chats_never_open_tickets(
    db: Database, ingest: IngestService, make_inbound: MakeInbound
) -> None:
    result = ingest.ingest(
        make_inbound("URGENTE aiuto guasto", chat_id="120363025246125888@g.us", sender_name="Ugo")
    )
    assert result.created and result.ticket_id is None
    payload = result.events[0].payload
    assert payload["isGroup"] is True and payload["senderName"] == "Ugo"
    assert _count(db, Ticket) == 0
    with db.read_session() as session:
        contact = session.execute(select(Contact)).scalar_one()
    assert contact.is_group and contact.display_name is None


def test_messages_we_sent_never_open_tickets(
    db: Database, ingest: IngestService, make_inbound: MakeInbound
) -> None:
    result = ingest.ingest(make_inbound("Urgente: intervento domani", direction=Direction.OUTGOING))
    assert result.ticket_id is None
    assert result.events[0].payload["direction"] == "outgoing"
    assert result.events[0].payload["status"] == "sent"
    assert _count(db, Ticket) == 0


def test_media_message_is_stored_with_its_media(
    db: Database, ingest: IngestService, make_inbound: MakeInbound
) -> None:
    media = Media(
        MessageType.IMAGE, "https://cdn.example/1.jpg", "contatore", "image/jpeg", "1.jpg"
    )
    result = ingest.ingest(make_inbound("", type=MessageType.IMAGE, media=media, sender_name=None))
    payload = result.events[-1].payload
    assert payload["media"] == {
        "type": "image",
        "url": "https://cdn.example/1.jpg",
        "caption": "contatore",
    }
    assert payload["notification"]["title"] == "Nuovo messaggio da +39 333 123 4567"
    assert payload["notification"]["body"] == "📷 contatore"
    with db.read_session() as session:
        message = session.get(Message, result.message_id)
    assert message is not None
    assert (message.media_type, message.media_mime, message.media_filename) == (
        MessageType.IMAGE,
        "image/jpeg",
        "1.jpg",
    )


def test_the_same_message_twice_is_stored_once(
    db: Database, ingest: IngestService, make_inbound: MakeInbound
) -> None:
    msg = make_inbound("aiuto, perdita d'acqua")
    first = ingest.ingest(msg)
    second = ingest.ingest(msg)
    assert second == IngestResult(
        first.message_id, first.conversation_id, first.ticket_id, False, []
    )
    assert _event_names(db) == ["ticketCreated", "newMessage"]


def test_same_message_100_times_concurrently_is_stored_ticketed_announced_once(
    db: Database, ingest: IngestService, make_inbound: MakeInbound
) -> None:
    msg = make_inbound("Aiuto, la caldaia è in blocco")
    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(lambda _: ingest.ingest(msg), range(100)))

    assert sum(result.created for result in results) == 1
    assert {result.message_id for result in results} == {results[0].message_id}
    assert {result.ticket_id for result in results} == {results[0].ticket_id}
    assert _count(db, Message) == 1
    assert _count(db, Ticket) == 1
    assert _count(db, Contact) == 1
    assert _count(db, Conversation) == 1
    assert _event_names(db) == ["ticketCreated", "newMessage"]


def test_many_messages_of_one_new_customer_at_once_open_one_ticket(
    db: Database, ingest: IngestService, make_inbound: MakeInbound
) -> None:
    messages = [make_inbound(f"Problema numero {n} con la caldaia") for n in range(40)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(ingest.ingest, messages))
    assert all(result.created for result in results)
    assert len({result.ticket_id for result in results}) == 1
    assert _count(db, Ticket) == 1
    assert _count(db, Contact) == 1


def test_a_failure_after_the_message_insert_stores_nothing(
    db: Database, ingest: IngestService, make_inbound: MakeInbound, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_append(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("sportello.ingest.service.append_events", broken_append)
    with pytest.raises(RuntimeError, match="disk on fire"):
        ingest.ingest(make_inbound("Aiuto, guasto al citofono"))

    for model in (Message, Ticket, TicketHistory, Contact, Conversation, Event):
        assert _count(db, model) == 0, model.__name__
    monkeypatch.undo()
    # Nothing was consumed either: the retried message gets ticket #1 and seq 1, 2.
    retry = ingest.ingest(make_inbound("Aiuto, guasto al citofono"))
    assert retry.events[0].payload["ticket"]["number"] == 1
    assert [event.seq for event in retry.events] == [1, 2]


def test_ingest_many_commits_a_batch_with_duplicates_inside(
    db: Database, ingest: IngestService, make_inbound: MakeInbound
) -> None:
    a = make_inbound("aiuto: rubinetto rotto")
    b = make_inbound("ciao", chat_id="393471112222@c.us")
    already = make_inbound("urgente!", chat_id="393480000000@c.us")
    earlier = ingest.ingest(already)

    results = ingest.ingest_many([a, b, a, already])

    assert [r.created for r in results if isinstance(r, IngestResult)] == [True, True, False, False]
    first, second, dup, old = results
    assert isinstance(first, IngestResult) and isinstance(dup, IngestResult)
    assert dup.message_id == first.message_id
    assert isinstance(old, IngestResult) and old.message_id == earlier.message_id
    assert [e.name for e in first.events] == ["ticketCreated", "newMessage"]
    assert isinstance(second, IngestResult) and [e.name for e in second.events] == ["newMessage"]
    seqs = [e.seq for r in (first, second) if isinstance(r, IngestResult) for e in r.events]
    assert seqs == [earlier.events[-1].seq + n for n in (1, 2, 3)]
    assert _count(db, Message) == 3


def test_ingest_many_isolates_a_message_the_database_refuses(
    db: Database, ingest: IngestService, make_inbound: MakeInbound
) -> None:
    good = make_inbound("ciao")
    bad = make_inbound("ciao", gateway_message_id="x" * 300)  # longer than the column
    results = ingest.ingest_many([good, bad]) if db.dialect_name == "postgresql" else None
    if results is None:
        pytest.skip("SQLite does not enforce VARCHAR lengths")
    assert isinstance(results[0], IngestResult) and results[0].created
    assert isinstance(results[1], IngestFailure)
    assert _count(db, Message) == 1
