"""The read side the server serves: conversations, threads, unread state, ticket lists."""

from __future__ import annotations

from collections.abc import Callable

from sportello.domain.values import InboundMessage, Priority, TicketStatus
from sportello.ingest.desk import DeskService
from sportello.ingest.service import IngestService
from sportello.store.conversations import list_conversations
from sportello.store.database import Database
from sportello.store.messages import thread_page, unread_summary
from sportello.store.tickets import list_tickets

MakeInbound = Callable[..., InboundMessage]
PHONES = [f"39333{n:07d}@c.us" for n in range(1, 8)]


def test_conversations_newest_first_in_keyset_pages(
    db: Database, ingest: IngestService, make_inbound: MakeInbound
) -> None:
    for phone in PHONES:
        ingest.ingest(make_inbound("ciao", chat_id=phone))
    ingest.ingest(make_inbound("aiuto, guasto", chat_id=PHONES[0]))  # moves to the top

    seen: list[str] = []
    cursor = None
    with db.read_session() as session:
        while True:
            page = list_conversations(session, limit=3, before=cursor)
            seen += [item.contact.chat_id for item in page.items]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        top = list_conversations(session, limit=1).items[0]
    assert seen == [PHONES[0], *reversed(PHONES[1:])]
    assert top.unread_count == 2
    assert top.last_message is not None and top.last_message.body == "aiuto, guasto"
    assert top.open_ticket is not None and top.open_ticket.status is TicketStatus.PENDING


def test_thread_pages_walk_back_through_history(
    db: Database, ingest: IngestService, make_inbound: MakeInbound
) -> None:
    ids = [ingest.ingest(make_inbound(f"m{n}")).message_id for n in range(7)]
    conversation_id = ingest.ingest(make_inbound("m7")).conversation_id
    bodies: list[str] = []
    cursor = None
    with db.read_session() as session:
        while True:
            page = thread_page(session, conversation_id, limit=3, before=cursor)
            bodies += [message.body for message in page.messages]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    assert bodies == [f"m{n}" for n in reversed(range(8))]
    assert len(ids) == 7


def test_unread_summary_counts_all_and_lists_the_newest(
    db: Database,
    ingest: IngestService,
    desk: DeskService,
    make_inbound: MakeInbound,
    operator_id: int,
) -> None:
    results = [ingest.ingest(make_inbound(f"m{n}", chat_id=PHONES[n % 3])) for n in range(9)]
    desk.mark_read(results[0].message_id, operator_id)
    with db.read_session() as session:
        summary = unread_summary(session, limit=4)
    assert summary.count == 8
    assert [message.body for message, _ in summary.messages] == ["m8", "m7", "m6", "m5"]
    assert summary.messages[0][1].chat_id == PHONES[8 % 3]


def test_ticket_list_filters(
    db: Database,
    ingest: IngestService,
    desk: DeskService,
    make_inbound: MakeInbound,
    operator_id: int,
) -> None:
    urgent = ingest.ingest(make_inbound("URGENTE allagamento", chat_id=PHONES[0])).ticket_id
    normal = ingest.ingest(make_inbound("problema al 50%", chat_id=PHONES[1])).ticket_id
    low = ingest.ingest(make_inbound("preventivo con comodo", chat_id=PHONES[2])).ticket_id
    assert urgent and normal and low
    desk.update_ticket(normal, operator_id, status=TicketStatus.CLOSED)
    with db.read_session() as session:

        def numbers(**filters: object) -> list[int]:
            return [t.number for t in list_tickets(session, **filters)]  # type: ignore[arg-type]

        assert numbers() == [3, 2, 1]
        assert numbers(statuses=[TicketStatus.PENDING]) == [3, 1]
        assert numbers(priorities=[Priority.URGENT]) == [1]
        assert numbers(query="50%") == [2]
        assert numbers(query="ALLAGAMENTO") == [1]
        assert numbers(before_number=3, limit=1) == [2]
