"""Roles mean something: each admin-only action, asked with an operator's token, answers
403 `forbidden` and changes nothing; asked with an admin's token, it works. A real server
on loopback, real sockets, a real SQLite file and a real rules file (docs/protocol.md 5).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from sportello.domain.values import Role
from sportello.server.revocation import SESSION_ENDED
from tests.server.server_harness import (
    Client,
    Operator,
    RunningServer,
    add_operator,
    connect_operator,
    post_wpp,
)
from tests.support.payloads import wpp_message

RULES = """
[[priority]]
name = "vecchia regola"
priority = "HIGH"
keywords = ["citofono"]
"""
NEW_RULES = """
[[priority]]
name = "zanzariera"
priority = "URGENT"
keywords = ["zanzariera"]
"""


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _call(
    http: aiohttp.ClientSession,
    method: str,
    server: RunningServer,
    path: str,
    token: str,
    body: Any = None,
) -> tuple[int, Any]:
    async with http.request(method, server.url + path, json=body, headers=_auth(token)) as r:
        return r.status, await r.json()


def _forbidden(status: int, body: Any) -> bool:
    error = body.get("error", {}) if isinstance(body, dict) else {}
    return (
        status == 403
        and error.get("code") == "forbidden"
        and "administrator" in error.get("message", "")
    )


@pytest.fixture
def admin(server: RunningServer) -> Operator:
    anna = add_operator(server.db, "anna", Role.ADMIN)
    server.operators["anna"] = anna
    return anna


async def _names(
    http: aiohttp.ClientSession, server: RunningServer, token: str
) -> list[tuple[str, bool]]:
    status, body = await _call(http, "GET", server, "/api/operators?all=true", token)
    assert status == 200, body
    return [(o["name"], o["active"]) for o in body["operators"]]


async def test_the_client_learns_its_role(server, admin, http, clients):
    status, body = await _call(
        http, "GET", server, "/api/operators/me", server.operators["giulia"].token
    )
    assert status == 200 and body["role"] == "operator" and body["name"] == "giulia"
    status, body = await _call(http, "GET", server, "/api/operators/me", admin.token)
    assert body["role"] == "admin"
    anna = await connect_operator(server, admin)
    try:
        answer = anna.named("authenticated")[-1]
        assert answer["user"]["role"] == "admin"
    finally:
        await anna.close()


async def test_only_an_admin_creates_operators(server, admin, http):
    giulia = server.operators["giulia"].token
    new = {"name": "paola", "password": "paola-password", "role": "admin"}

    status, body = await _call(http, "POST", server, "/api/operators", giulia, new)

    assert _forbidden(status, body), body
    assert ("paola", True) not in await _names(http, server, admin.token)

    status, body = await _call(
        http, "POST", server, "/api/operators", admin.token, {**new, "displayName": "Paola B."}
    )
    assert status == 201, body
    assert body["operator"]["role"] == "admin" and body["operator"]["displayName"] == "Paola B."
    async with http.post(
        f"{server.url}/api/auth/login", json={"username": "paola", "password": "paola-password"}
    ) as r:
        assert r.status == 200 and (await r.json())["user"]["role"] == "admin"
    status, body = await _call(http, "POST", server, "/api/operators", admin.token, new)
    assert status == 409 and body["error"]["code"] == "operator_exists"
    for bad, code in (
        ({"name": "x", "password": "short"}, "invalid_password"),
        ({"name": "y" * 65, "password": "long-enough"}, "invalid_name"),
        ({"name": "z", "password": "long-enough", "role": "boss"}, "invalid_role"),
    ):
        status, body = await _call(http, "POST", server, "/api/operators", admin.token, bad)
        assert (status, body["error"]["code"]) == (400, code), body


async def test_only_an_admin_lists_deactivated_operators(server, admin, http):
    status, body = await _call(
        http, "GET", server, "/api/operators?all=true", server.operators["giulia"].token
    )
    assert _forbidden(status, body), body
    # The assignee picker's list stays open to everyone.
    status, body = await _call(
        http, "GET", server, "/api/operators", server.operators["giulia"].token
    )
    assert status == 200 and len(body["operators"]) == 3


async def test_only_an_admin_deactivates_operators(server, admin, http, clients):
    marco_socket = await clients("marco")
    marco = server.operators["marco"]

    status, body = await _call(
        http,
        "POST",
        server,
        f"/api/operators/{marco.id}/deactivate",
        server.operators["giulia"].token,
    )

    assert _forbidden(status, body), body
    assert ("marco", True) in await _names(http, server, admin.token)
    assert marco_socket.sio.connected and not marco_socket.named(SESSION_ENDED)
    assert (await _call(http, "GET", server, "/api/operators/me", marco.token))[0] == 200

    status, body = await _call(
        http, "POST", server, f"/api/operators/{marco.id}/deactivate", admin.token
    )
    assert status == 200 and body["changed"] is True and body["operator"]["active"] is False
    assert body["endedSockets"] == 1
    ended = await marco_socket.wait_for(SESSION_ENDED)
    assert ended["reason"] == "operator_deactivated"
    assert (await _call(http, "GET", server, "/api/operators/me", marco.token))[0] == 401
    assert ("marco", False) in await _names(http, server, admin.token)

    status, body = await _call(
        http, "POST", server, f"/api/operators/{admin.id}/deactivate", admin.token
    )
    assert status == 409 and body["error"]["code"] == "cannot_deactivate_self"
    status, body = await _call(http, "POST", server, "/api/operators/999/deactivate", admin.token)
    assert status == 404


async def test_an_operator_revokes_only_their_own_tokens(server, admin, http, clients):
    marco_socket = await clients("marco")
    giulia, marco = server.operators["giulia"], server.operators["marco"]

    status, body = await _call(
        http, "POST", server, f"/api/operators/{marco.id}/revoke-tokens", giulia.token
    )

    assert _forbidden(status, body), body
    assert (await _call(http, "GET", server, "/api/operators/me", marco.token))[0] == 200
    assert marco_socket.sio.connected and not marco_socket.named(SESSION_ENDED)

    # Signing oneself out everywhere is everyday work.
    status, body = await _call(
        http, "POST", server, f"/api/operators/{giulia.id}/revoke-tokens", giulia.token
    )
    assert status == 200 and body["revoked"] == 1
    assert (await _call(http, "GET", server, "/api/operators/me", giulia.token))[0] == 401

    status, body = await _call(
        http, "POST", server, f"/api/operators/{marco.id}/revoke-tokens", admin.token
    )
    assert status == 200 and body["revoked"] == 1 and body["endedSockets"] == 1
    assert (await marco_socket.wait_for(SESSION_ENDED))["reason"] == "token_revoked"
    assert (await _call(http, "GET", server, "/api/operators/me", marco.token))[0] == 401


@pytest.fixture
async def rules_server(make_server, tmp_path: Path) -> tuple[RunningServer, Path]:
    path = tmp_path / "rules.toml"
    path.write_text(RULES, encoding="utf-8")
    server = await make_server(rules=str(path))
    server.operators["anna"] = add_operator(server.db, "anna", Role.ADMIN)
    return server, path


async def _ticket_priority(
    http, server: RunningServer, client: Client, body: str, number: str
) -> str | None:
    start = len(client.events)
    await post_wpp(http, server, wpp_message(from_number=number, body=body))
    await client.wait_for("newMessage", start=start)
    _status, page = await _call(
        http, "GET", server, "/api/conversations", server.operators["giulia"].token
    )
    for item in page["conversations"]:
        if item["contact"]["phoneNumber"].endswith(number):
            return item["ticket"]["priority"] if item["ticket"] else None
    raise AssertionError(f"no conversation of {number}")


async def test_only_an_admin_changes_the_ticket_rules(rules_server, http):
    server, path = rules_server
    giulia, anna = server.operators["giulia"].token, server.operators["anna"].token
    watcher = await connect_operator(server, server.operators["marco"])
    try:
        status, body = await _call(http, "PUT", server, "/api/rules", giulia, {"text": NEW_RULES})

        assert _forbidden(status, body), body
        assert path.read_text(encoding="utf-8") == RULES
        status, body = await _call(http, "GET", server, "/api/rules", giulia)  # reading: anyone
        assert status == 200 and body["text"] == RULES and body["editable"] is True
        assert "vecchia regola" in body["summary"]
        assert (
            await _ticket_priority(http, server, watcher, "zanzariera in cantina", "393330000001")
            is None
        )

        status, body = await _call(
            http,
            "PUT",
            server,
            "/api/rules",
            anna,
            {
                "text": 'mode = "extend"\n[[priority]]\nname = "x"\n'
                'priority = "SOON"\nkeywords = ["a"]\n'
            },
        )
        assert status == 400 and body["error"]["code"] == "invalid_rules"
        assert body["error"]["message"].startswith(f"{path}:4:"), body  # file:line: reason
        assert path.read_text(encoding="utf-8") == RULES

        status, body = await _call(http, "PUT", server, "/api/rules", anna, {"text": NEW_RULES})
        assert status == 200, body
        assert body["text"] == NEW_RULES and "zanzariera" in body["summary"]
        assert path.read_text(encoding="utf-8") == NEW_RULES
        assert (
            await _ticket_priority(http, server, watcher, "zanzariera in cantina", "393330000002")
            == "URGENT"
        )
    finally:
        await watcher.close()


async def test_rules_of_a_server_without_a_rules_file_cannot_be_changed(server, admin, http):
    status, body = await _call(http, "PUT", server, "/api/rules", admin.token, {"text": NEW_RULES})
    assert status == 409 and body["error"]["code"] == "rules_not_editable"
    status, body = await _call(http, "GET", server, "/api/rules", admin.token)
    assert body["editable"] is False and body["source"] == "default_rules.toml"


async def test_only_an_admin_sees_the_gateway_settings(make_server, http):
    server = await make_server(
        wppconnect_url="http://127.0.0.1:9/", wppconnect_token="wpp-tok", gateway_poll_interval=0
    )
    anna = add_operator(server.db, "anna", Role.ADMIN)
    status, body = await _call(
        http, "GET", server, "/api/settings/gateways", server.operators["giulia"].token
    )
    assert _forbidden(status, body), body

    status, body = await _call(http, "GET", server, "/api/settings/gateways", anna.token)
    assert status == 200
    assert body["wppconnect"]["url"] == "http://127.0.0.1:9/"
    assert body["wppconnect"]["tokenSet"] is True and body["webhooks"]["secretSet"] is True
    assert "wpp-tok" not in str(body)  # never a secret, only whether it is set


async def _ticket(server: RunningServer, http, client: Client) -> dict[str, Any]:
    start = len(client.events)
    await post_wpp(http, server, wpp_message(body="Caldaia in blocco, urgente"))
    return (await client.wait_for("ticketCreated", start=start))["ticket"]


async def test_with_assignee_only_replies_only_an_admin_dispatches_tickets(make_server, http):
    server = await make_server(assignee_only_replies=True)
    anna = add_operator(server.db, "anna", Role.ADMIN)
    giulia_op, marco_op = server.operators["giulia"], server.operators["marco"]
    giulia = await connect_operator(server, giulia_op)
    marco = await connect_operator(server, marco_op)
    admin = await connect_operator(server, anna)
    try:
        ticket = await _ticket(server, http, giulia)
        ticket_id = ticket["id"]

        given = await giulia.call(
            "updateTicket", {"ticketId": ticket_id, "assigneeId": marco_op.id}
        )

        assert given["ok"] is False and given["code"] == "forbidden"
        assert given["error"]["code"] == "forbidden"
        assert "administrator" in given["error"]["message"]
        page = await giulia.call("sync", {"since": 0})
        assert [e for e in page["events"] if e["event"] == "ticketUpdated"] == []

        taken = await giulia.call(
            "updateTicket", {"ticketId": ticket_id, "assigneeId": giulia_op.id}
        )
        assert taken["ok"] is True and taken["ticket"]["assigneeId"] == giulia_op.id
        grabbed = await marco.call(
            "updateTicket", {"ticketId": ticket_id, "assigneeId": marco_op.id}
        )
        assert grabbed["ok"] is False and grabbed["code"] == "forbidden"
        released = await marco.call("updateTicket", {"ticketId": ticket_id, "assigneeId": None})
        assert released["ok"] is False and released["code"] == "forbidden"
        # Status and priority stay everyday work.
        moved = await marco.call("updateTicket", {"ticketId": ticket_id, "priority": "LOW"})
        assert moved["ok"] is True and moved["ticket"]["assigneeId"] == giulia_op.id

        dispatched = await admin.call(
            "updateTicket", {"ticketId": ticket_id, "assigneeId": marco_op.id}
        )
        assert dispatched["ok"] is True and dispatched["ticket"]["assigneeId"] == marco_op.id
        let_go = await marco.call("updateTicket", {"ticketId": ticket_id, "assigneeId": None})
        assert let_go["ok"] is True and let_go["ticket"]["assigneeId"] is None
    finally:
        for client in (giulia, marco, admin):
            await client.close()
