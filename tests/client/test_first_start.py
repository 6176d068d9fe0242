"""A brand-new client (empty cache, last seq 0) against a server with a long event log.

It must not replay the log from 0: it reads the server's lists (conversations, unread,
tickets), syncs from the cursor it got before reading them, and ends with exactly the
picture of a client that replayed everything. Real server process, real SQLite, the history
written by the ingestion core (more than one `sync` page of events).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sportello.client import ConnectionState, SportelloClient
from sportello.client.changes import IncomingMessage
from sportello.client.snapshot import Snapshot
from sportello.domain.rules import TicketRules
from sportello.domain.values import Gateway, InboundMessage, TicketStatus
from sportello.ingest.desk import DeskService
from sportello.ingest.service import IngestService
from sportello.store.database import Database
from sportello.store.events import last_seq
from sportello.store.models import Message, Ticket
from tests.client.client_harness import record, wait_until
from tests.support.sportello_server import RestartableServer, create_operator, http_json

pytestmark = pytest.mark.timeout(180)

MakeClient = Callable[..., SportelloClient]
CONTACTS = 40
MESSAGES = 900
BODIES = (
    "Buongiorno, la caldaia non funziona",
    "Grazie mille",
    "URGENTE: perdita d'acqua in cucina",
    "Ok, a domani",
    "Mi serve un preventivo per la manutenzione",
)


def fill(db_url: str, operator_id: int) -> None:
    """A history: messages from 40 contacts, most conversations read, some tickets resolved."""
    db = Database(db_url)
    db.upgrade()
    ingest = IngestService(db, TicketRules.default())
    start = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
    for n in range(MESSAGES):
        contact = (n * 7) % CONTACTS
        ingest.ingest(
            InboundMessage(
                gateway=Gateway.WPPCONNECT,
                gateway_message_id=f"hist-{n:05d}",
                chat_id=f"39333{contact:07d}@c.us",
                body=BODIES[n % len(BODIES)],
                timestamp=start + timedelta(minutes=n),
                sender_name=f"Cliente {contact}",
                raw={"id": f"hist-{n:05d}"},
            )
        )
    desk = DeskService(db)
    with db.read_session() as session:
        from sqlalchemy import func, select

        newest = session.execute(
            select(Message.conversation_id, func.max(Message.id)).group_by(Message.conversation_id)
        ).all()
        tickets = list(session.execute(select(Ticket.id).order_by(Ticket.id)).scalars())
    for _, message_id in sorted(newest)[: CONTACTS - 8]:  # 8 conversations stay unread
        desk.mark_read(message_id, operator_id)
    for ticket_id in tickets[::2]:
        desk.update_ticket(ticket_id, operator_id, status=TicketStatus.RESOLVED)
    db.dispose()


def server_cursor(db_url: str) -> int:
    db = Database(db_url)
    try:
        with db.read_session() as session:
            return last_seq(session)
    finally:
        db.dispose()


@pytest.fixture
def history(tmp_path: Path) -> Iterator[RestartableServer]:
    db_url = f"sqlite:///{tmp_path / 'server.db'}"
    Database(db_url).upgrade()
    running = RestartableServer(db_url)
    running.operators = [create_operator(db_url, "giulia"), create_operator(db_url, "marco")]
    fill(db_url, int(running.operators[0].id))
    assert server_cursor(db_url) > 1000, "the log must need more than one sync page"
    running.start()
    try:
        yield running
    finally:
        running.stop()


def sync_calls(client: SportelloClient) -> list[int]:
    """The `since` of every `sync` the client's session sends (the real call goes through)."""
    assert client.session is not None
    sent: list[int] = []
    real = client.session.call

    async def call(event: str, data: Any, timeout: float) -> Any:
        if event == "sync":
            sent.append(data["since"])
        return await real(event, data, timeout)

    client.session.call = call
    return sent


async def synced(client: SportelloClient, cursor: int) -> None:
    def done() -> bool:
        session = client.session
        return (
            session is not None
            and session.sequencer.last_applied >= cursor
            and not client.state.syncing
            and client.connection_state is ConnectionState.ONLINE
        )

    await wait_until(done, f"the client to be synced up to seq {cursor}", timeout=90)
    await client.cache.flush()


def picture(client: SportelloClient) -> dict[str, Any]:
    """What the window shows: rows in order, unread ids per row, every ticket."""
    state = client.state
    return {
        "rows": [
            (
                c.id,
                c.title,
                c.phone,
                c.is_group,
                c.last_activity,
                c.last_preview,
                c.last_direction,
                c.unread_count,
                c.ticket,
            )
            for c in state.conversations
        ],
        "unread": {c.id: state.unread_ids(c.id) for c in state.conversations},
        "tickets": dict(state.tickets),
        "total_unread": state.total_unread,
    }


def server_unread_counts(server: RestartableServer, token: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    before = ""
    while True:
        status, body = http_json(
            "GET",
            f"{server.url}/api/conversations?limit=200{before}",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert status == 200, body
        counts.update({item["id"]: item["unreadCount"] for item in body["conversations"]})
        if not body["next"]:
            return counts
        before = f"&before={body['next']}"


async def replayed_client(
    make_client: MakeClient, server: RestartableServer, cache: str
) -> SportelloClient:
    """A client that replays the whole log from seq 0, as every client did before."""
    client = make_client(server.url, server.operators[0], cache=cache)
    await client.start()
    assert client.session is not None
    client.session.read_snapshot = None  # before the connection task first runs
    return client


async def test_fresh_client_ends_like_a_client_that_replayed_the_log(
    history: RestartableServer, make_client: MakeClient
) -> None:
    cursor = server_cursor(history.db_url)
    replay = await replayed_client(make_client, history, "replay.db")
    replay_syncs = sync_calls(replay)
    fresh = make_client(history.url, history.operators[0], cache="fresh.db")
    changes = record(fresh)
    await fresh.start()
    fresh_syncs = sync_calls(fresh)
    await synced(replay, cursor)
    await synced(fresh, cursor)

    assert replay_syncs[0] == 0 and len(replay_syncs) >= 2  # the old way: every page
    assert fresh_syncs == [cursor], "the fresh client synced from the snapshot's cursor only"
    assert picture(fresh) == picture(replay)
    counts = server_unread_counts(history, history.operators[0].token)
    assert {c.id: c.unread_count for c in fresh.state.conversations} == counts
    assert len(fresh.state.conversations) == CONTACTS and fresh.state.total_unread > 0
    announced = [c.message.id for c in changes if isinstance(c, IncomingMessage)]
    assert sorted(announced) == sorted(
        mid for c in fresh.state.conversations for mid in fresh.state.unread_ids(c.id)
    )  # the unread ones, once each, all as a catch-up (never popped)
    assert all(c.replayed for c in changes if isinstance(c, IncomingMessage))

    # History comes from the server when a thread is opened: the same thread as the replay.
    read_conv = next(c.id for c in fresh.state.conversations if c.unread_count == 0)
    for client in (fresh, replay):
        await client.open_thread(read_conv, page_size=10)
    fresh_ids = [m.id for m in fresh.state.thread]
    assert fresh_ids == [m.id for m in replay.state.thread] and len(fresh_ids) == 10
    assert len(set(fresh_ids)) == 10
    assert await fresh.load_older(read_conv, page_size=10) == await replay.load_older(
        read_conv, page_size=10
    )
    assert [m.id for m in fresh.state.thread] == [m.id for m in replay.state.thread]

    # A restart resumes from the cache with the same picture, without a second snapshot.
    before = picture(fresh)
    await fresh.stop()
    again = make_client(history.url, history.operators[0], cache="fresh.db")
    await again.start()
    again_syncs = sync_calls(again)
    await synced(again, cursor)
    assert again_syncs == [cursor]
    rows = [(r[0], r[1], r[4], r[7], r[8]) for r in picture(again)["rows"]]
    assert rows == [(r[0], r[1], r[4], r[7], r[8]) for r in before["rows"]]
    assert picture(again)["unread"] == before["unread"]


async def test_webhooks_posted_during_the_first_start_arrive_exactly_once(
    history: RestartableServer, make_client: MakeClient
) -> None:
    """Messages, a colleague's read and a ticket change land between the cursor and the
    snapshot's reads (so they are in both) and after the reads (sync only)."""
    colleague = make_client(history.url, history.operators[1], cache="colleague.db")
    await colleague.start()
    await synced(colleague, server_cursor(history.db_url))
    unread_conv = next(c for c in colleague.state.conversations if c.unread_count > 0)
    open_ticket = next(t for t in colleague.state.tickets.values() if t.is_open)

    fresh = make_client(history.url, history.operators[0], cache="fresh.db")
    changes = record(fresh)
    await fresh.start()
    assert fresh.session is not None
    real_read: Callable[[int], Awaitable[Snapshot]] | None = fresh.session.read_snapshot
    assert real_read is not None
    posted: list[str] = []
    seen_cursor: list[int] = []

    async def write(body: str, phone: str) -> None:
        posted.append(body)
        await asyncio.to_thread(history.customer_writes, body, phone, "Cliente nuovo")

    async def racing(cursor: int) -> Snapshot:
        seen_cursor.append(cursor)
        await write("prima della lettura 1", "+393330000003")  # an existing conversation
        await write("prima della lettura 2", "+393471112222")  # a new one
        await colleague.mark_read(unread_conv.id)
        await colleague.update_ticket(open_ticket.id, status=TicketStatus.IN_PROGRESS)
        snapshot = await real_read(cursor)
        await write("dopo la lettura 1", "+393471112222")
        await write("dopo la lettura 2", "+393485556666")
        return snapshot

    fresh.session.read_snapshot = racing
    await wait_until(lambda: seen_cursor, "the first start to read its snapshot")
    await write("a sincronizzazione in corso", "+393330000005")
    final = server_cursor(history.db_url)
    await synced(fresh, final)
    await synced(colleague, final)

    by_body: dict[str, list[str]] = {body: [] for body in posted}
    for conv in fresh.state.conversations:
        for message in await fresh.cache.messages_page(conv.id, 10_000):
            if message.body in by_body:
                by_body[message.body].append(message.id)
    assert {body: len(ids) for body, ids in by_body.items()} == dict.fromkeys(posted, 1)
    announced = [c.message.body for c in changes if isinstance(c, IncomingMessage)]
    assert sorted(b for b in announced if b in by_body) == sorted(posted)  # once each
    assert len(announced) == len(
        set(c.message.id for c in changes if isinstance(c, IncomingMessage))
    )

    read_now = fresh.state.conversation(unread_conv.id)
    assert read_now is not None and read_now.unread_count == 0, "the colleague's read applied"
    assert fresh.state.tickets[open_ticket.id].status is TicketStatus.IN_PROGRESS
    counts = server_unread_counts(history, history.operators[0].token)
    assert {c.id: c.unread_count for c in fresh.state.conversations} == counts

    replay = await replayed_client(make_client, history, "replay.db")
    await synced(replay, final)
    assert picture(fresh) == picture(replay)
    new_conv = next(
        c.id for c in fresh.state.conversations if c.last_preview == "dopo la lettura 1"
    )
    await fresh.open_thread(new_conv)
    bodies = [m.body for m in fresh.state.thread]
    assert bodies == ["prima della lettura 2", "dopo la lettura 1"]


async def test_a_server_without_the_unread_list_is_replayed_from_zero(
    history: RestartableServer, make_client: MakeClient
) -> None:
    """An older Sportello server answers 404 to `GET /api/unread`: the client replays the
    log from seq 0 as before (here the list is asked at a path the real server lacks)."""
    cursor = server_cursor(history.db_url)
    fresh = make_client(history.url, history.operators[0], cache="fresh.db")
    await fresh.start()
    syncs = sync_calls(fresh)

    async def missing(limit: int, before: str | None) -> tuple[list[Any], str | None]:
        return await fresh.rest.list_page("/api/unread-v0", "messages", limit, before, "unread")

    fresh.rest.unread_page = missing  # type: ignore[method-assign]
    await synced(fresh, cursor)
    assert syncs[0] == 0 and len(syncs) >= 2
    replay = await replayed_client(make_client, history, "replay.db")
    await synced(replay, cursor)
    assert picture(fresh) == picture(replay)


async def test_the_unread_list_pages_through_every_unread_message_once(
    history: RestartableServer,
) -> None:
    """`GET /api/unread` (ours): newest first, keyset pages, each unread message once."""
    from sportello.client.errors import ServerRejected
    from sportello.client.rest import RestApi

    token = history.operators[0].token
    rest = RestApi(history.url, token)
    try:
        seen: list[str] = []
        cursor: str | None = None
        while True:
            page, cursor = await rest.unread_page(7, cursor)
            seen.extend(m.id for m in page)
            assert all(m.is_unread and m.conversation_id for m in page)
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) == sum(server_unread_counts(history, token).values())
        keys = [(m.timestamp, int(m.id)) for m in (await rest.unread_page(1000, None))[0]]
        assert keys == sorted(keys, reverse=True) and len(keys) == len(seen)
        with pytest.raises(ServerRejected, match=r"limit must be 1\.\.1000"):
            await rest.unread_page(1001, None)
    finally:
        await rest.close()


async def test_a_first_start_cut_by_a_server_restart_starts_again_and_ends_like_a_replay(
    history: RestartableServer, make_client: MakeClient
) -> None:
    """The server goes away while the snapshot is being read (the newest rows may already
    be painted): the next connection takes a new cursor and a new snapshot."""
    fresh = make_client(history.url, history.operators[0], cache="fresh.db")
    await fresh.start()
    syncs = sync_calls(fresh)
    real_unread = fresh.rest.unread_page
    calls = 0

    async def unread_page(limit: int, before: str | None) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            await asyncio.to_thread(history.stop)
        return await real_unread(limit, before)

    fresh.rest.unread_page = unread_page  # type: ignore[method-assign]
    await wait_until(lambda: calls >= 1 and history.process is None, "the server to stop")
    await wait_until(lambda: fresh.connection_state is not ConnectionState.ONLINE, "offline")
    await asyncio.to_thread(history.start)
    await asyncio.to_thread(history.customer_writes, "dopo il riavvio", "+393330000001")
    final = server_cursor(history.db_url)
    await synced(fresh, final)

    assert calls >= 2 and syncs and 0 not in syncs
    replay = await replayed_client(make_client, history, "replay.db")
    await synced(replay, final)
    assert picture(fresh) == picture(replay)
    assert await fresh.cache.last_seq() >= final


async def test_a_thread_opened_from_the_first_rows_waits_for_the_snapshot(
    history: RestartableServer, make_client: MakeClient
) -> None:
    """The first rows are on screen before the snapshot is stored (the window paints
    early); an operator who opens one at once must get its messages, not an empty thread
    read from a cache the snapshot has not reached yet. The unread list is held back here
    to keep that window open."""
    cursor = server_cursor(history.db_url)
    fresh = make_client(history.url, history.operators[0], cache="fresh.db")
    release = asyncio.Event()
    real = fresh.rest.unread_page

    async def held(limit: int, before: str | None) -> tuple[list[Any], str | None]:
        await release.wait()
        return await real(limit, before)

    fresh.rest.unread_page = held  # type: ignore[method-assign]
    await fresh.start()
    await wait_until(lambda: fresh.state.conversations, "the first rows of the snapshot")
    row = fresh.state.conversations[0]
    opening = asyncio.ensure_future(fresh.open_thread(row.id))
    await asyncio.sleep(0.5)
    assert not opening.done(), "the thread opened before the snapshot was stored"
    release.set()
    await asyncio.wait_for(opening, 30)
    thread = fresh.state.thread
    assert fresh.state.open_conversation_id == row.id
    assert thread and all(m.conversation_id == row.id for m in thread)
    assert len(thread) >= min(50, MESSAGES // CONTACTS)  # its newest page, from the server
    await synced(fresh, cursor)
