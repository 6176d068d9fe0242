"""The client core against our real server on loopback: connect, resume, live, outbox."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sportello.client import (
    BadCredentials,
    ConnectionState,
    ProtocolProfile,
    ServerUnreachable,
    SportelloClient,
    login,
)
from sportello.client.changes import IncomingMessage
from sportello.domain.values import DeliveryStatus, Direction
from tests.client.client_harness import record, wait_until
from tests.support.sportello_server import RestartableServer

pytestmark = pytest.mark.timeout(120)

MakeClient = Callable[..., SportelloClient]


def conversation_with(client: SportelloClient, text: str) -> str | None:
    for conv in client.state.conversations:
        if conv.last_preview == text:
            return conv.id
    return None


async def test_connect_authenticate_and_sync_what_arrived_before(
    server: RestartableServer, make_client: MakeClient
) -> None:
    server.customer_writes("Urgente: la caldaia non funziona")
    server.customer_writes("È urgente, grazie")
    client = make_client(server.url, server.operators[0])
    await client.start()
    await wait_until(lambda: client.connection_state is ConnectionState.ONLINE, "online")
    await wait_until(lambda: conversation_with(client, "È urgente, grazie"), "the synced thread")
    assert client.protocol_profile is ProtocolProfile.FULL
    conv = client.state.conversations[0]
    assert conv.unread_count == 2
    assert conv.ticket is not None and conv.ticket.priority.value == "URGENT"


async def test_live_message_shows_once_in_list_and_open_thread(
    server: RestartableServer, make_client: MakeClient
) -> None:
    server.customer_writes("Primo messaggio")
    client = make_client(server.url, server.operators[0])
    await client.start()
    conv_id = await wait_until(lambda: conversation_with(client, "Primo messaggio"), "sync")
    await wait_until(lambda: not client.state.syncing, "the end of the sync")
    await client.open_thread(conv_id)
    changes = record(client)
    server.customer_writes("Secondo messaggio")
    await wait_until(lambda: len(client.state.thread) == 2, "the live message in the thread")
    incoming = [c for c in changes if isinstance(c, IncomingMessage)]
    assert [(c.message.body, c.replayed) for c in incoming] == [("Secondo messaggio", False)]
    assert client.state.conversations[0].unread_count == 2

    await client.mark_read(conv_id)
    await wait_until(lambda: client.state.conversations[0].unread_count == 0, "read for all")
    assert all(m.status is DeliveryStatus.READ for m in client.state.thread)


async def test_server_restart_resumes_with_no_gap_and_no_duplicate(
    server: RestartableServer, make_client: MakeClient
) -> None:
    server.customer_writes("prima del riavvio")
    client = make_client(server.url, server.operators[0])
    changes = record(client)
    await client.start()
    await wait_until(lambda: conversation_with(client, "prima del riavvio"), "first message")

    server.stop()
    await wait_until(
        lambda: client.connection_state in (ConnectionState.RECONNECTING, ConnectionState.OFFLINE),
        "the client to notice the restart",
    )
    server.start()
    for n in range(5):
        server.customer_writes(f"dopo il riavvio {n}")
    await wait_until(lambda: conversation_with(client, "dopo il riavvio 4"), "the resumed stream")
    await client.cache.flush()

    bodies = [c.message.body for c in changes if isinstance(c, IncomingMessage)]
    assert bodies == ["prima del riavvio", *(f"dopo il riavvio {n}" for n in range(5))]
    conv_id = client.state.conversations[0].id
    cached = await client.cache.messages_page(conv_id, 100)
    assert len(cached) == len({m.id for m in cached}) == 6
    assert client.state.conversations[0].unread_count == 6


async def test_restarted_client_resumes_from_its_cache(
    server: RestartableServer, make_client: MakeClient
) -> None:
    server.customer_writes("uno")
    first = make_client(server.url, server.operators[0])
    await first.start()
    await wait_until(lambda: conversation_with(first, "uno"), "first message")
    await first.stop()
    server.customer_writes("due")  # while the app is closed

    second = make_client(server.url, server.operators[0])
    changes = record(second)
    await second.start()
    assert conversation_with(second, "uno"), "the window opens from the cache"
    await wait_until(lambda: conversation_with(second, "due"), "the missed message")
    replayed = [c.message.body for c in changes if isinstance(c, IncomingMessage)]
    assert replayed == ["due"]


async def test_message_composed_offline_is_sent_once_after_reconnect(
    replying_server: RestartableServer, make_client: MakeClient
) -> None:
    server = replying_server
    operator = server.operators[0]
    server.customer_writes_wpp("mi richiamate?")
    client = make_client(server.url, operator)
    await client.start()
    conv_id = await wait_until(lambda: conversation_with(client, "mi richiamate?"), "sync")
    await client.open_thread(conv_id)

    server.stop()
    await wait_until(lambda: client.connection_state is not ConnectionState.ONLINE, "offline")
    queued = await client.send_message(conv_id, "Sì, tra dieci minuti")
    assert queued.status is DeliveryStatus.QUEUED and client.state.thread[-1].is_local
    server.start()
    await wait_until(lambda: not client.outbox.pending, "the outbox to drain")
    await wait_until(lambda: not client.state.thread[-1].is_local, "the server's copy")

    sent = [
        m
        for m in server.thread(operator.token, conv_id)
        if m["direction"] == Direction.OUTGOING.value
    ]
    assert [m["message"] for m in sent] == ["Sì, tra dieci minuti"]
    assert [m.body for m in client.state.thread].count("Sì, tra dieci minuti") == 1


async def test_revoked_or_wrong_token_is_unauthorized_and_stops_retrying(
    server: RestartableServer, make_client: MakeClient
) -> None:
    client = make_client(server.url, token="not-a-token", user_id=server.operators[0].id)
    await client.start()
    await wait_until(
        lambda: client.connection_state is ConnectionState.UNAUTHORIZED, "unauthorized"
    )


async def test_login_gives_a_token_or_a_clear_error(server: RestartableServer) -> None:
    result = await login(server.url, "giulia", "una-password-lunga")
    assert result.user.name == "giulia" and result.token
    with pytest.raises(BadCredentials, match="wrong username or password"):
        await login(server.url, "giulia", "sbagliata")
    with pytest.raises(ServerUnreachable, match="cannot reach"):
        await login("http://127.0.0.1:9", "giulia", "x")
