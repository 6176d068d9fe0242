"""REST lists for a client that starts cold: conversations, threads, tickets, search."""

from __future__ import annotations

from typing import Any

from tests.server.server_harness import post_wpp
from tests.support.payloads import wpp_message


async def get(http: Any, server: Any, path: str, **params: Any) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {server.operators['giulia'].token}"}
    async with http.get(f"{server.url}{path}", params=params, headers=headers) as response:
        return response.status, await response.json()


async def test_conversations_page_newest_first_with_keyset_cursor(server, http):
    for n in range(7):
        await post_wpp(
            http, server, wpp_message(f"39333111{n:04d}", f"problema {n}", t=1_700_000_000 + n)
        )
    status, first = await get(http, server, "/api/conversations", limit=3)
    assert status == 200
    names = [c["lastMessage"]["message"] for c in first["conversations"]]
    assert names == ["problema 6", "problema 5", "problema 4"]
    assert first["conversations"][0]["unreadCount"] == 1
    assert first["conversations"][0]["ticket"]["status"] == "PENDING"
    seen = names
    cursor = first["next"]
    while cursor:
        status, page = await get(http, server, "/api/conversations", limit=3, before=cursor)
        assert status == 200
        seen += [c["lastMessage"]["message"] for c in page["conversations"]]
        cursor = page["next"]
    assert seen == [f"problema {n}" for n in reversed(range(7))]


async def test_thread_pages_and_errors(server, http):
    for n in range(5):
        await post_wpp(http, server, wpp_message("393331234567", f"riga {n}", t=1_700_000_000 + n))
    _, conversations = await get(http, server, "/api/conversations")
    conversation_id = conversations["conversations"][0]["id"]
    status, page = await get(
        http, server, f"/api/conversations/{conversation_id}/messages", limit=2
    )
    assert status == 200
    assert [m["message"] for m in page["messages"]] == ["riga 4", "riga 3"]
    _, rest = await get(
        http, server, f"/api/conversations/{conversation_id}/messages", before=page["next"]
    )
    assert [m["message"] for m in rest["messages"]] == ["riga 2", "riga 1", "riga 0"]
    assert rest["next"] is None
    assert (await get(http, server, "/api/conversations/999/messages"))[0] == 404
    status, body = await get(http, server, "/api/conversations", before="garbage!")
    assert status == 400 and body["error"]["code"] == "invalid_cursor"
    assert (await get(http, server, "/api/conversations", limit="0"))[0] == 400


async def test_tickets_filtered_by_status_priority_and_text(server, http):
    await post_wpp(http, server, wpp_message("393330000001", "Allagamento in cucina, urgente"))
    await post_wpp(http, server, wpp_message("393330000002", "Caldaia rotta, quando possibile"))
    await post_wpp(http, server, wpp_message("393330000003", "Grazie mille"))
    status, everything = await get(http, server, "/api/tickets")
    assert status == 200 and len(everything["tickets"]) == 2
    _, urgent = await get(http, server, "/api/tickets", priority="URGENT")
    assert [t["title"] for t in urgent["tickets"]] == ["WhatsApp: Allagamento in cucina, urgente"]
    _, text = await get(http, server, "/api/tickets", q="caldaia", status="PENDING,ASSIGNED")
    assert len(text["tickets"]) == 1
    status, bad = await get(http, server, "/api/tickets", status="OPEN")
    assert status == 400 and bad["error"]["code"] == "invalid_status"


async def test_search_finds_messages_contacts_and_tickets(server, http):
    await post_wpp(
        http, server, wpp_message("393330000001", "La lavatrice perde acqua", name="Lucia Verdi")
    )
    await post_wpp(http, server, wpp_message("393330000002", "Buongiorno", name="Paolo"))
    status, found = await get(http, server, "/api/search", q="lavatrice")
    assert status == 200
    assert [m["message"] for m in found["messages"]] == ["La lavatrice perde acqua"]
    _, people = await get(http, server, "/api/search", q="Lucia")
    assert [c["name"] for c in people["contacts"]] == ["Lucia Verdi"]
    assert (await get(http, server, "/api/search"))[0] == 400


async def test_unknown_route_is_json_404(server, http):
    async with http.get(f"{server.url}/api/nope") as response:
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "not_found"


async def test_full_text_search_is_prefix_and_accent_tolerant(any_db_server, http):
    server = any_db_server
    await post_wpp(
        http,
        server,
        wpp_message("393330000001", "Perdita d'acqua dalla caldaia", name="Lucia Verdi"),
    )
    await post_wpp(
        http, server, wpp_message("393330000002", "Il termostato è guasto", name="Paolo Neri")
    )
    _, found = await get(http, server, "/api/search", q="cald")
    assert [m["message"] for m in found["messages"]] == ["Perdita d'acqua dalla caldaia"]
    assert found["tickets"] and "caldaia" in found["tickets"][0]["description"]
    _, both_words = await get(http, server, "/api/search", q="termostato guasto")
    assert [m["message"] for m in both_words["messages"]] == ["Il termostato è guasto"]
    _, people = await get(http, server, "/api/search", q="paolo")
    assert [c["name"] for c in people["contacts"]] == ["Paolo Neri"]
    for hostile in ['"', "AND OR NOT", "body:caldaia", "*", "'; drop table messages; --"]:
        status, _ = await get(http, server, "/api/search", q=hostile)
        assert status == 200
