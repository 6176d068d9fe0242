"""Who may connect and call: tokens, passwords, the seed's authenticate, idle sockets."""

from __future__ import annotations

import asyncio

import pytest
import socketio

from tests.server.server_harness import Client, post, post_wpp
from tests.support.payloads import wpp_message


async def test_bad_handshake_token_is_refused_as_unauthorized(server):
    client = Client(server.url, "not-a-token")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect()
    assert client.connect_errors == [{"message": "unauthorized"}]
    await client.close()


async def test_authenticate_with_token_in_payload_then_events_flow(server, http):
    giulia = server.operators["giulia"]
    client = Client(server.url)
    await client.connect(auth=None)
    try:
        answer = await client.authenticate(giulia.id, giulia.token)
        assert answer["success"] is True
        assert answer["user"] == {"id": giulia.id, "name": "giulia", "role": "operator"}
        assert isinstance(answer["cursor"], int)
        await post_wpp(http, server, wpp_message())
        await client.wait_for("newMessage")
    finally:
        await client.close()


async def test_bare_user_id_is_refused_without_legacy_auth(server):
    client = Client(server.url)
    await client.connect(auth=None)
    try:
        answer = await client.authenticate(server.operators["giulia"].id)
        assert answer["success"] is False and answer["error"]
        await asyncio.wait_for(client.disconnected.wait(), 10)
    finally:
        await client.close()


async def test_legacy_auth_accepts_existing_operator_from_loopback(make_server):
    server = await make_server(allow_legacy_auth=True)
    client = Client(server.url)
    await client.connect(auth=None)
    try:
        answer = await client.authenticate(server.operators["marco"].id)
        assert answer["success"] is True
        assert answer["user"]["name"] == "marco"
        unknown = Client(server.url)
        await unknown.connect(auth=None)
        assert (await unknown.authenticate("424242"))["success"] is False
        await unknown.close()
    finally:
        await client.close()


async def test_socket_that_never_authenticates_is_dropped_and_hears_nothing(make_server, http):
    server = await make_server(auth_timeout=0.5)
    idle = Client(server.url)
    await idle.connect(auth=None)
    try:
        await post_wpp(http, server, wpp_message())
        await asyncio.wait_for(idle.disconnected.wait(), 10)
        assert idle.events == []
    finally:
        await idle.close()


async def test_commands_before_authenticating_are_refused(server):
    client = Client(server.url)
    await client.connect(auth=None)
    try:
        answer = await client.call("sync", {"since": 0})
        assert answer["ok"] is False and answer["code"] == "unauthorized"
    finally:
        await client.close()


async def test_login_gives_a_token_that_opens_the_api(server, http):
    marco = server.operators["marco"]
    status, answer = await post(
        http, f"{server.url}/api/auth/login", {"username": "marco", "password": marco.password}
    )
    assert status == 200, answer
    assert answer["user"] == {"id": marco.id, "name": "marco", "role": "operator"}
    headers = {"Authorization": f"Bearer {answer['token']}"}
    async with http.get(f"{server.url}/api/conversations", headers=headers) as response:
        assert response.status == 200
    async with http.get(f"{server.url}/api/conversations") as response:
        assert response.status == 401
        assert (await response.json())["error"]["code"] == "unauthorized"


async def test_login_with_wrong_password_is_401_then_rate_limited(make_server, http):
    server = await make_server(login_attempts=3)
    url = f"{server.url}/api/auth/login"
    for _ in range(3):
        status, answer = await post(http, url, {"username": "marco", "password": "nope"})
        assert status == 401 and answer["error"]["code"] == "bad_credentials"
    status, answer = await post(http, url, {"username": "marco", "password": "nope"})
    assert status == 429 and answer["error"]["code"] == "too_many_attempts"
    # Another user from the same address is not punished for marco's attempts.
    status, _ = await post(
        http, url, {"username": "giulia", "password": server.operators["giulia"].password}
    )
    assert status == 200


async def test_login_with_bad_body_is_400(server, http):
    url = f"{server.url}/api/auth/login"
    assert (await post(http, url, None, raw=b"{nope"))[0] == 400
    assert (await post(http, url, ["marco"]))[0] == 400
    assert (await post(http, url, {"username": 1, "password": 2}))[0] == 400
