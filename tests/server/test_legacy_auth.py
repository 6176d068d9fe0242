"""`--allow-legacy-auth` trusts a bare `authenticate {userId}` from loopback ONLY: the same
socket from the machine's network address is refused and dropped, and a forged
`X-Forwarded-For: 127.0.0.1` changes nothing. Also: the unauthenticated-socket timer
defaults to the contract's 10 s."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
from aiohttp import web

from sportello.domain.rules import TicketRules
from sportello.server.app import create_app
from sportello.server.auth import is_loopback
from sportello.server.config import ServerConfig, parse_server_args
from tests.server.server_harness import (
    NAMESPACE,
    TIMEOUT,
    Client,
    add_operator,
    make_config,
    open_db,
)


def _non_loopback_address() -> str | None:
    """An address of this machine that is not loopback (no packet is sent: UDP connect)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: only picks the outgoing interface
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if is_loopback(address) or address == "0.0.0.0" else address


@pytest.fixture
async def exposed_server(tmp_path: Path):
    """A legacy-auth server listening on every interface; yields (db, operator, port)."""
    db = open_db(f"sqlite:///{tmp_path / 'legacy.db'}")
    operator = add_operator(db, "giulia")
    app = create_app(make_config(allow_legacy_auth=True), db, TicketRules.default())
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=5)
    await runner.setup()
    site = web.TCPSite(runner, "0.0.0.0", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield operator, port
    finally:
        await runner.cleanup()
        db.dispose()


async def _legacy_authenticate(
    url: str, user_id: str, headers: dict[str, str] | None = None
) -> tuple[dict, Client]:
    client = Client(url)
    await client.sio.connect(
        url,
        namespaces=[NAMESPACE],
        transports=["websocket"],
        headers=headers or {},
        wait_timeout=TIMEOUT,
    )
    return await client.authenticate(user_id), client


async def test_legacy_auth_from_the_network_is_refused_and_dropped(exposed_server):
    operator, port = exposed_server
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to connect from")

    from_loopback, local = await _legacy_authenticate(f"http://127.0.0.1:{port}", operator.id)
    from_network, remote = await _legacy_authenticate(f"http://{address}:{port}", operator.id)
    forged, spoofed = await _legacy_authenticate(
        f"http://{address}:{port}",
        operator.id,
        headers={"X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1"},
    )
    try:
        assert from_loopback["success"] is True
        assert from_network == {"success": False, "error": "authentication required"}
        assert forged["success"] is False
        for refused in (remote, spoofed):
            await asyncio.wait_for(refused.disconnected.wait(), TIMEOUT)
            assert [name for name, _ in refused.events] == ["authenticated"]
    finally:
        for client in (local, remote, spoofed):
            await client.close()


async def test_a_token_still_works_from_the_network(exposed_server):
    operator, port = exposed_server
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to connect from")
    client = Client(f"http://{address}:{port}", operator.token)
    await client.connect()
    try:
        assert (await client.authenticate(operator.id))["success"] is True
    finally:
        await client.close()


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.10.0.3", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("192.168.1.20", False),
        ("10.0.0.1", False),
        ("fe80::1%eth0", False),
        (None, False),
        ("", False),
        ("localhost", False),
    ],
)
def test_what_counts_as_loopback(address: str | None, loopback: bool) -> None:
    assert is_loopback(address) is loopback


def test_unauthenticated_sockets_get_ten_seconds_by_default() -> None:
    assert ServerConfig().auth_timeout == 10.0
    assert parse_server_args([], environ={}).auth_timeout == 10.0
    assert parse_server_args(["--auth-timeout", "3"], environ={}).auth_timeout == 3.0
