"""The desktop client when the server withdraws its access while connected: it ends in
UNAUTHORIZED with a one-line reason and stops (no reconnect loop), for a revocation by the
CLI in another process and for a REST logout. A colleague's socket is untouched."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sportello.client import ConnectionState, SportelloClient
from sportello.client.changes import ConnectionStateChanged
from tests.client.client_harness import record, wait_until
from tests.interop.interop_sportello import PyClient
from tests.support.sportello_server import (
    WEBHOOK_SECRET,
    OurServer,
    create_operator,
    http_json,
    run_cli,
    server_module_missing,
)

pytestmark = pytest.mark.timeout(120)

MakeClient = Callable[..., SportelloClient]


@pytest.fixture
def rechecking_server(tmp_path: Path) -> Iterator[OurServer]:
    """Our server re-checking connected tokens every 0.3 s (the tests wait on events)."""
    if server_module_missing():
        pytest.skip("sportello.server.run does not exist yet")
    db_url = f"sqlite:///{tmp_path / 'server.db'}"
    server = OurServer(db_url, WEBHOOK_SECRET, ["--token-recheck-interval", "0.3"])
    server.operators = [create_operator(db_url, "giulia"), create_operator(db_url, "marco")]  # type: ignore[attr-defined]
    server.wait_healthy()
    try:
        yield server
    finally:
        server.stop_gracefully()


def _states(changes: list[object]) -> list[ConnectionStateChanged]:
    return [c for c in changes if isinstance(c, ConnectionStateChanged)]


def _after_online(changes: list[object]) -> list[ConnectionState]:
    """The connection states since the client was last online."""
    states = [c.state for c in _states(changes)]
    last_online = len(states) - 1 - states[::-1].index(ConnectionState.ONLINE)
    return states[last_online + 1 :]


async def test_cli_revocation_ends_the_client_unauthorized_without_reconnecting(
    rechecking_server: OurServer, make_client: MakeClient
) -> None:
    server = rechecking_server
    giulia, marco = server.operators  # type: ignore[attr-defined]
    client = make_client(server.url, giulia)
    changes = record(client)
    await client.start()
    await wait_until(lambda: client.connection_state is ConnectionState.ONLINE, "online")
    raw = PyClient(server.url, token=giulia.token, transports=["websocket"])
    colleague = PyClient(server.url, token=marco.token, transports=["websocket"])
    for socket in (raw, colleague):
        await socket.connect()
    try:
        run_cli(["token", "revoke", "giulia", "--db", server.db_url])

        await wait_until(
            lambda: client.connection_state is ConnectionState.UNAUTHORIZED, "unauthorized"
        )
        last = _states(changes)[-1]
        # Straight from ONLINE to UNAUTHORIZED: no refused reconnect in between.
        assert _after_online(changes) == [ConnectionState.UNAUTHORIZED]
        assert "revoked" in last.detail and "\n" not in last.detail
        # The connect/reconnect loop has returned: no further attempt will be made.
        task = client.connection._task
        assert task is not None and task.done()
        ended = await raw.wait_for("sessionEnded")
        assert ended["reason"] == "token_revoked"
        await raw.wait_for("disconnect")

        server.post_webhook(
            "/webhooks/generic",
            {
                "id": "gw-after",
                "from": "+393331234567",
                "body": "Dopo la revoca",
                "senderName": "Mario",
            },
        )
        seen = await colleague.wait_for("newMessage")
        assert seen["message"] == "Dopo la revoca"
        assert not [name for name, _ in colleague.events if name in ("sessionEnded", "disconnect")]
        assert not [name for name, _ in raw.events if name == "newMessage"]
        after = _states(changes)[-1]
        assert after.state is ConnectionState.UNAUTHORIZED  # still: it did not come back
    finally:
        await raw.close()
        await colleague.close()


async def test_rest_logout_ends_the_client_at_once(
    rechecking_server: OurServer, make_client: MakeClient
) -> None:
    server = rechecking_server
    giulia = server.operators[0]  # type: ignore[attr-defined]
    client = make_client(server.url, giulia)
    changes = record(client)
    await client.start()
    await wait_until(lambda: client.connection_state is ConnectionState.ONLINE, "online")

    status, body = http_json(
        "POST", f"{server.url}/api/auth/logout", headers={"Authorization": f"Bearer {giulia.token}"}
    )
    assert status == 200 and body["endedSockets"] == 1

    await wait_until(
        lambda: client.connection_state is ConnectionState.UNAUTHORIZED, "unauthorized"
    )
    assert "signed out" in _states(changes)[-1].detail
    assert _after_online(changes) == [ConnectionState.UNAUTHORIZED]
    task = client.connection._task
    assert task is not None and task.done()
