"""Our protocol additions for the console: createTicket, the operator list, ticket history."""

from __future__ import annotations

from typing import Any

from tests.server.server_harness import post_wpp
from tests.support.payloads import wpp_message


async def _get(http: Any, server: Any, path: str, token: str) -> tuple[int, Any]:
    async with http.get(
        f"{server.url}{path}", headers={"Authorization": f"Bearer {token}"}
    ) as response:
        return response.status, await response.json()


async def test_operator_creates_a_ticket_from_a_message_and_everyone_sees_it(server, clients, http):
    giulia, marco = await clients("giulia"), await clients("marco")
    await post_wpp(http, server, wpp_message(body="Buongiorno, ci sentiamo domani"))
    message = await giulia.wait_for("newMessage")
    assert message["ticketId"] is None  # no keyword: auto-ticketing left it alone

    ack = await giulia.call(
        "createTicket", {"messageId": message["id"], "priority": "high", "title": "Richiamare"}
    )

    assert ack["ok"] is True
    ticket = ack["ticket"]
    assert (ticket["title"], ticket["priority"], ticket["status"]) == (
        "Richiamare",
        "HIGH",
        "PENDING",
    )
    assert ticket["conversationId"] == message["conversationId"]
    created = await marco.wait_for("ticketCreated")
    assert created["ticket"]["id"] == ticket["id"] and created["reason"] == "manual"
    page = await marco.call("sync", {"since": 0})
    assert [e["event"] for e in page["events"]] == ["newMessage", "ticketCreated"]

    again = await giulia.call("createTicket", {"messageId": message["id"]})
    text = f"the contact already has open ticket #{ticket['number']}"
    assert again == {
        "ok": False,
        "code": "already_open",
        "error": {"code": "already_open", "message": text},
    }
    missing = await giulia.call("createTicket", {"messageId": "99999"})
    assert missing["ok"] is False and missing["code"] == "not_found"
    bad = await giulia.call("createTicket", {"messageId": message["id"], "priority": "soon"})
    assert bad["ok"] is False and bad["code"] == "invalid_priority"


async def test_operator_list_and_ticket_history_over_rest(server, clients, http):
    giulia = await clients("giulia")
    token = server.operators["giulia"].token
    await post_wpp(http, server, wpp_message(body="Caldaia in blocco, urgente"))
    created = await giulia.wait_for("ticketCreated")
    ticket_id = created["ticket"]["id"]
    await giulia.call(
        "updateTicket",
        {"ticketId": ticket_id, "priority": "LOW", "assigneeId": server.operators["marco"].id},
    )

    status, body = await _get(http, server, "/api/operators", token)
    assert status == 200
    assert [(o["name"], o["displayName"]) for o in body["operators"]] == [
        ("giulia", "Giulia"),
        ("marco", "Marco"),
    ]
    status, body = await _get(http, server, f"/api/tickets/{ticket_id}/history", token)
    assert status == 200
    rows = [(h["field"], h["old"], h["new"], h["actorId"], h["reason"]) for h in body["history"]]
    giulia_id, marco_id = server.operators["giulia"].id, server.operators["marco"].id
    assert rows == [
        ("status", None, "PENDING", None, "auto"),
        ("status", "PENDING", "ASSIGNED", giulia_id, "updated"),  # assigning takes it
        ("priority", "URGENT", "LOW", giulia_id, "updated"),
        ("assignee", None, marco_id, giulia_id, "updated"),
    ]
    status, body = await _get(http, server, "/api/tickets/424242/history", token)
    assert status == 404 and body["error"]["code"] == "not_found"
    status, _ = await _get(http, server, "/api/operators", "wrong-token")
    assert status == 401
