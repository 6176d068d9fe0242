"""No socket escapes authentication by sending an event name the library reserves.

python-socketio hands a client event named `connect` or `disconnect` to the namespace's
own connect/disconnect handlers. These tests send such names (and every other name that
is not a command) as bare Engine.IO frames to a real `sportello server` process, then
check that logout, token revocation and the authentication deadline still end the socket
and that it receives nothing after.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from sportello.server.client_events import CLIENT_COMMANDS
from sportello.server.realtime import RealtimeHub
from sportello.server.revocation import SESSION_ENDED
from sportello.store.operators import create_token
from tests.server.raw_socket import RawSocket
from tests.server.server_harness import TIMEOUT, WEBHOOK_SECRET, Client, add_operator, open_db, post
from tests.support.payloads import wpp_message
from tests.support.server_process import ServerProcess
from tests.support.sportello_server import run_cli

AUTH_TIMEOUT = "2.0"  # seconds: short, and still ample for the few frames sent before it
RECHECK = "0.3"  # seconds: how often tokens are re-checked, kept short as in test_revocation

# Names the library reserves or routes specially (socketio base_server/base_client
# reserved_events, the `*` catch-all, AsyncNamespace's documented on_message/on_json),
# names that are no string, and the identity switch: `connect` with a colleague's token.
NOT_COMMANDS: list[list[Any]] = [
    ["disconnect"],
    ["disconnect", "client namespace disconnect"],
    ["connect"],
    ["connect", {}, None],
    ["connect", {"aiohttp.request": None}, {"token": "MARCO"}],
    ["connect_error", {"message": "unauthorized"}],
    ["__disconnect_final"],
    ["message", "hello"],
    ["json", {}],
    ["*", "sync", {"since": 0}],
    [""],
    [5],
    [None],
    [["disconnect"]],
    [{"event": "disconnect"}],
]


class Desk:
    """A server process and fresh tokens on its SQLite database."""

    def __init__(self, server: ServerProcess, db_url: str) -> None:
        self.server = server
        self.db_url = db_url

    def token(self, name: str) -> str:
        db = open_db(self.db_url)
        try:
            with db.session() as session:
                token = create_token(session, name)
                session.commit()
                return token
        finally:
            db.dispose()


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    db_url = f"sqlite:///{tmp_path_factory.mktemp('reserved') / 'sportello.db'}"
    db = open_db(db_url)
    for name in ("giulia", "marco"):
        add_operator(db, name)
    db.dispose()
    server = ServerProcess(
        db_url, WEBHOOK_SECRET, "--token-recheck-interval", RECHECK, "--auth-timeout", AUTH_TIMEOUT
    )
    try:
        server.wait_healthy()
        yield Desk(server, db_url)
    finally:
        assert server.stop() == 0


def _frame(items: list[Any], marco_token: str) -> list[Any]:
    """`items` with the placeholder replaced by a real token of the colleague."""
    return [{"token": marco_token} if item == {"token": "MARCO"} else item for item in items]


async def _customer_writes(http: aiohttp.ClientSession, desk: Desk, body: str) -> None:
    status, _ = await post(
        http,
        f"{desk.server.url}/webhooks/wppconnect",
        wpp_message(body=body),
        headers={"X-Webhook-Token": WEBHOOK_SECRET},
    )
    assert status == 200


async def _colleague(desk: Desk) -> Client:
    client = Client(desk.server.url, desk.token("marco"))
    await client.connect()
    return client


async def _assert_dropped_and_deaf(
    raw: RawSocket, colleague: Client, http: aiohttp.ClientSession, desk: Desk
) -> None:
    """The server left /whatsapp for this socket, and a message after that never reaches it."""
    await raw.until(lambda f: f.startswith("41/whatsapp,"))
    await _customer_writes(http, desk, "Dopo la fine")
    await colleague.wait_for("newMessage", lambda m: m["message"] == "Dopo la fine")
    await raw.barrier()
    assert not [m for m in raw.events("newMessage") if m["message"] == "Dopo la fine"]


def test_only_the_listed_commands_are_handlers() -> None:
    # trigger_event dispatches CLIENT_COMMANDS to on_<name>; an on_ method missing from
    # the list would be dead, a listed name without a method would raise.
    handlers = {name[3:] for name in dir(RealtimeHub) if name.startswith("on_")}
    assert handlers == CLIENT_COMMANDS


@pytest.mark.parametrize("items", NOT_COMMANDS, ids=json.dumps)
async def test_a_reserved_name_changes_nothing_and_logout_still_ends_the_socket(
    desk: Desk, http: aiohttp.ClientSession, items: list[Any]
) -> None:
    token = desk.token("giulia")
    colleague = await _colleague(desk)
    raw = RawSocket(http, desk.server.url)
    try:
        assert (await raw.open({"token": token})).startswith("40/whatsapp,{")
        await raw.emit(*_frame(items, desk.token("marco")))
        answer = await raw.call(*_frame(items, desk.token("marco")))
        assert answer["ok"] is False and answer["code"] == "unknown_event", answer
        # Still the same authenticated socket: commands answer, broadcasts arrive.
        page = await raw.call("sync", {"since": 0})
        assert "events" in page, page
        await _customer_writes(http, desk, "Prima")
        assert (await raw.until_event("newMessage"))["message"] == "Prima"

        status, body = await post(
            http,
            f"{desk.server.url}/api/auth/logout",
            None,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert (status, body) == (200, {"ok": True, "endedSockets": 1})
        assert (await raw.until_event(SESSION_ENDED))["reason"] == "logged_out"
        await _assert_dropped_and_deaf(raw, colleague, http, desk)
    finally:
        await raw.close()
        await colleague.close()


@pytest.mark.parametrize("items", [["disconnect"], ["connect", {}, None]], ids=json.dumps)
async def test_after_a_reserved_name_a_revoked_token_still_ends_the_socket(
    desk: Desk, http: aiohttp.ClientSession, items: list[Any]
) -> None:
    # `sportello token revoke` in another process: the server's periodic re-check ends it.
    token = desk.token("giulia")
    colleague = await _colleague(desk)
    raw = RawSocket(http, desk.server.url)
    try:
        await raw.open({"token": token})
        await raw.emit(*items)
        await raw.call("sync", {"since": 0})  # the reserved event was handled before this
        run_cli(["token", "revoke", "giulia", "--db", desk.db_url])
        assert (await raw.until_event(SESSION_ENDED))["reason"] == "token_revoked"
        await _assert_dropped_and_deaf(raw, colleague, http, desk)
    finally:
        await raw.close()
        await colleague.close()


@pytest.mark.parametrize(
    "items",
    [["disconnect"], ["connect", {}, None], ["connect", {}, {"token": "MARCO"}]],
    ids=json.dumps,
)
async def test_a_socket_that_never_authenticates_is_dropped_at_the_deadline(
    desk: Desk, http: aiohttp.ClientSession, items: list[Any]
) -> None:
    colleague = await _colleague(desk)
    raw = RawSocket(http, desk.server.url)
    try:
        assert (await raw.open()).startswith("40/whatsapp,{")  # no token: on the clock
        await raw.emit(*_frame(items, desk.token("marco")))
        refused = await raw.call("sync", {"since": 0})
        assert refused["code"] == "unauthorized", refused
        await _assert_dropped_and_deaf(raw, colleague, http, desk)
        assert not raw.events("newMessage") and not raw.events("unreadMessages")
    finally:
        await raw.close()
        await colleague.close()


async def test_the_python_client_library_sending_disconnect_changes_nothing(
    desk: Desk, http: aiohttp.ClientSession
) -> None:
    """The same with python-socketio's AsyncClient, which sends the name unfiltered."""
    token = desk.token("giulia")
    colleague = await _colleague(desk)
    giulia = Client(desk.server.url, token)
    await giulia.connect()
    try:
        await giulia.emit("disconnect")
        assert (await giulia.call("sync", {"since": 0}))["more"] is False
        status, body = await post(
            http,
            f"{desk.server.url}/api/auth/logout",
            None,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert (status, body) == (200, {"ok": True, "endedSockets": 1})
        await giulia.wait_for(SESSION_ENDED)
        await asyncio.wait_for(giulia.disconnected.wait(), TIMEOUT)
    finally:
        await giulia.close()
        await colleague.close()
