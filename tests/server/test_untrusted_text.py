"""One bad message never harms another: text no store can hold, on SQLite and PostgreSQL.

A lone UTF-16 surrogate (the valid JSON escape "\\ud83d", what WhatsApp Web sends when a
name or text is cut inside an emoji) or a NUL, in any field of any gateway's payload.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
import socketio
from sqlalchemy import select, text

from sportello.domain.values import Gateway, InboundMessage
from sportello.ingest.service import IngestFailure, IngestResult
from sportello.ingest.webhook_body import RAW_REPAIRS_KEY
from sportello.store.models import Message
from tests.fakes.fake_gateway import FakeGateway, sign_meta
from tests.server.gateway_posts import fresh_ids, replaced, samples, webhook_request
from tests.server.server_harness import (
    META_APP_SECRET,
    RunningServer,
    connect_operator,
    post,
    post_wpp,
)
from tests.support.payloads import wpp_message

FFFD = "\ufffd"


def broken_payloads() -> list[tuple[str, Any]]:
    """One payload per gateway with broken text in body, names, caption, type and extras."""
    wpp = replaced(
        samples("wppconnect")["onmessage_text"],
        {
            ("body",): "La caldaia \ud83d non parte\x00",
            ("notifyName",): "Mario \ud83d",
            ("sender", "pushname"): "Mario \udc00",
        },
    )
    wpp["x-extra\ud83d"] = {"nested": ["\x00", "\ud83d"]}
    meta = replaced(
        samples("meta")["image"],
        {
            ("entry", 0, "changes", 0, "value", "messages", 0, "image", "caption"): "Perdita\x00",
            ("entry", 0, "changes", 0, "value", "contacts", 0, "profile", "name"): "Anna \ud83d",
            (
                "entry",
                0,
                "changes",
                0,
                "value",
                "messages",
                0,
                "image",
                "mime_type",
            ): "image/\ud83d",
        },
    )
    document = replaced(
        samples("wppconnect")["onmessage_document"],
        {
            ("filename",): "fattura\ud83d.pdf",
            ("caption",): "\x00",
        },
    )
    generic = replaced(
        samples("generic")["text"],
        {
            ("body",): "Cancello \ud83d rotto",
            ("senderName",): "\x00Luca",
            ("type",): "te\ud83dxt",
        },
    )
    unknown_type = replaced(samples("wppconnect")["onmessage_text"], {("type",): "zz\ud83d"})
    return [
        ("wppconnect", wpp),
        ("meta", meta),
        ("wppconnect", document),
        ("generic", generic),
        ("wppconnect", unknown_type),
    ]


async def post_raw(
    http: aiohttp.ClientSession, server: RunningServer, gateway: str, body: Any
) -> tuple[int, Any]:
    path, raw, headers = webhook_request(gateway, body)
    return await post(http, server.url + path, None, raw=raw, headers=headers)


async def get(http: aiohttp.ClientSession, server: RunningServer, path: str) -> tuple[int, Any]:
    token = server.operators["giulia"].token
    async with http.get(server.url + path, headers={"Authorization": f"Bearer {token}"}) as r:
        return r.status, await r.json(content_type=None)


def stored_messages(server: RunningServer) -> dict[str, tuple[str, dict[str, Any] | None]]:
    with server.db.read_session() as session:
        rows = session.execute(select(Message.gateway_message_id, Message.body, Message.raw))
        return {gateway_id: (body, raw) for gateway_id, body, raw in rows}


async def test_broken_text_is_stored_repaired_and_never_fails_the_good_messages_posted_with_it(
    any_db_server: RunningServer, http: aiohttp.ClientSession
) -> None:
    server = any_db_server
    giulia = await connect_operator(server, server.operators["giulia"])
    try:
        goods = [
            wpp_message(from_number=f"39333000{n:04d}", body=f"Buongiorno {n}") for n in range(12)
        ]
        answers = await asyncio.gather(
            *(
                post_raw(http, server, gateway, fresh_ids(body))
                for gateway, body in broken_payloads()
            ),
            *(post_wpp(http, server, body) for body in goods),
        )

        assert [status for status, _ in answers] == [200] * len(answers), answers
        stored = stored_messages(server)
        assert {good["id"] for good in goods} <= set(stored)
        bodies = {body for body, _ in stored.values()}
        assert f"La caldaia {FFFD} non parte{FFFD}" in bodies
        assert f"Cancello {FFFD} rotto" in bodies
        assert f"Perdita{FFFD}" in bodies
        broken_raw = [raw for _, raw in stored.values() if raw and RAW_REPAIRS_KEY in raw]
        assert len(broken_raw) == len(broken_payloads())
        received = {(r["path"], r["received"]) for raw in broken_raw for r in raw[RAW_REPAIRS_KEY]}
        assert ("body", "La caldaia \\ud83d non parte\\u0000") in received
        assert (f"x-extra{FFFD} (key)", "x-extra\\ud83d") in received

        status, page = await get(http, server, "/api/conversations?limit=200")
        assert status == 200
        for conversation in page["conversations"]:
            status, thread = await get(
                http, server, f"/api/conversations/{conversation['id']}/messages"
            )
            assert status == 200, thread
        synced = await giulia.call("sync", {"since": 0})
        new = [e["data"] for e in synced["events"] if e["event"] == "newMessage"]
        assert len(new) == len(answers)
        assert {f"Mario {FFFD}", f"Anna {FFFD}", f"{FFFD}Luca"} <= {m["senderName"] for m in new}
        await giulia.wait_count("newMessage", len(answers))
    finally:
        await giulia.close()


async def test_a_message_with_a_broken_id_is_refused_alone_and_the_rest_of_its_body_stored(
    any_db_server: RunningServer, http: aiohttp.ClientSession
) -> None:
    server = any_db_server
    body = fresh_ids(samples("meta")["text"])
    messages = body["entry"][0]["changes"][0]["value"]["messages"]
    broken = dict(messages[0], id="wamid.BROKEN\ud83d")
    messages.append(broken)

    status, answer = await post_raw(http, server, "meta", body)
    alone_status, alone = await post_raw(
        http,
        server,
        "wppconnect",
        replaced(samples("wppconnect")["onmessage_text"], {("from",): "39333\x00@c.us"}),
    )

    assert status == 422 and answer["error"]["code"] == "invalid_text", answer
    assert "message id" in answer["error"]["message"]
    assert alone_status == 422 and "chat id" in alone["error"]["message"], alone
    assert set(stored_messages(server)) == {messages[0]["id"]}


async def test_a_failed_group_commit_is_retried_message_by_message(
    any_db_server: RunningServer,
) -> None:
    """Past the edge (a parser of tomorrow that forgets it): the store refuses one message."""
    server = any_db_server

    def inbound(n: int, body: str) -> InboundMessage:
        return InboundMessage(
            gateway=Gateway.GENERIC,
            gateway_message_id=f"batch-{n}",
            chat_id=f"39333111{n:04d}",
            body=body,
            timestamp=datetime.now(UTC),
            sender_name="Cliente",
        )

    unstorable = inbound(0, "cut inside an emoji \ud83d")
    goods = [inbound(n, f"messaggio {n}") for n in range(1, 9)]
    outcomes = await asyncio.gather(
        server.ctx.batcher.ingest([goods[0], unstorable, goods[1]]),
        *(server.ctx.batcher.ingest([good]) for good in goods[2:]),
    )

    first, *others = outcomes
    assert [type(o) for o in first] == [IngestResult, IngestFailure, IngestResult]
    assert all(isinstance(o, IngestResult) and o.created for batch in others for o in batch)
    assert set(stored_messages(server)) == {good.gateway_message_id for good in goods}


async def test_text_stored_by_an_older_version_is_still_served(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    """SQLite's JSON kept lone surrogates as escapes; every answer must still go out."""
    status, _ = await post_wpp(http, server, wpp_message(body="Salve"))
    assert status == 200
    with server.db.engine.begin() as connection:
        # What an older version stored for an unknown type "zz\ud83d": the JSON escape.
        connection.execute(
            text("UPDATE messages SET raw = '{\"type\": \"zz\\ud83d\"}', type = 'unsupported'")
        )
        connection.execute(
            text(
                "UPDATE events SET payload = "
                "json_set(payload, '$.senderName', json('\"M\\ud83d\"'))"
            )
        )
    giulia = await connect_operator(server, server.operators["giulia"])
    try:
        status, page = await get(http, server, "/api/conversations")
        assert status == 200, page
        status, thread = await get(http, server, "/api/conversations/1/messages")
        assert status == 200, thread
        assert thread["messages"][0]["unsupportedType"] == f"zz{FFFD}"
        synced = await giulia.call("sync", {"since": 0})
        assert synced["events"][0]["data"]["senderName"] == f"M{FFFD}"
    finally:
        await giulia.close()


NOT_JSON = {
    "NaN": b'{"id": "x", "from": "393331234567", "body": "ciao", "timestamp": NaN}',
    "Infinity": b'{"id": "x", "from": "393331234567", "body": "ciao", "timestamp": Infinity}',
    "-Infinity": b'{"id": "x", "from": "393331234567", "body": "ciao", "t": -Infinity}',
    "trailing garbage": b'{"id": "x", "from": "393331234567", "body": "ciao"} trailing',
    "invalid UTF-8": b'{"id": "x", "from": "393331234567", "body": "caff\xe8"}',
    "UTF-16": '{"id": "x", "from": "393331234567", "body": "ciao"}'.encode("utf-16"),
}


@pytest.mark.parametrize("endpoint", ["wppconnect", "generic", "meta", "login"])
@pytest.mark.parametrize("kind", NOT_JSON)
async def test_json_that_is_not_json_gets_400(
    server: RunningServer, http: aiohttp.ClientSession, endpoint: str, kind: str
) -> None:
    raw = NOT_JSON[kind]
    if endpoint == "login":
        url, headers = f"{server.url}/api/auth/login", {}
    else:
        path, _, headers = webhook_request(endpoint, {})
        url = server.url + path
        if endpoint == "meta":
            headers["X-Hub-Signature-256"] = sign_meta(raw, META_APP_SECRET)

    status, answer = await post(http, url, None, raw=raw, headers=headers)

    assert status == 400, answer
    assert answer["error"]["code"] == "invalid_json"
    assert isinstance(answer["error"]["message"], str) and answer["error"]["message"]
    assert stored_messages(server) == {}


async def test_a_login_with_broken_text_is_refused_as_wrong_credentials(
    any_db_server: RunningServer, http: aiohttp.ClientSession
) -> None:
    for username in ("giulia\\ud83d", "giu\\u0000lia"):
        raw = b'{"username": "' + username.encode() + b'", "password": "giulia-password-1"}'
        status, answer = await post(http, f"{any_db_server.url}/api/auth/login", None, raw=raw)
        assert status == 401, answer
        assert answer["error"]["code"] == "bad_credentials"


def test_payload_json_is_what_a_gateway_sends() -> None:
    _, raw, _ = webhook_request("generic", {"body": "\ud83d\x00"})
    assert json.loads(raw) == {"body": "\ud83d\x00"}


class _AsciiJsonPacket(socketio.packet.Packet):  # type: ignore[misc]
    """Packets JSON-encoded as a browser or another client would: `\\ud83d` escapes kept."""

    json = json


async def test_an_operator_reply_with_broken_text_is_stored_repaired(
    any_db_replying_server: RunningServer, http: aiohttp.ClientSession
) -> None:
    server = any_db_replying_server
    status, _ = await post_wpp(http, server, wpp_message(body="Salve"))
    assert status == 200
    giulia = await connect_operator(server, server.operators["giulia"])
    giulia.sio.packet_class = _AsciiJsonPacket
    try:
        ack = await giulia.call(
            "sendMessage",
            {
                "clientId": "c-broken",
                "conversationId": "1",
                "body": "Arrivo \ud83d alle 10\x00",
            },
        )

        assert ack["ok"] is True, ack
        assert ack["message"]["message"] == f"Arrivo {FFFD} alle 10{FFFD}"
        stored = {body for body, _ in stored_messages(server).values()}
        assert f"Arrivo {FFFD} alle 10{FFFD}" in stored
        synced = await giulia.call("sync", {"since": 0})
        assert synced["events"]
    finally:
        await giulia.close()


async def test_a_gateway_answer_with_broken_text_still_settles_the_reply(
    make_server: Any, http: aiohttp.ClientSession
) -> None:
    """A gateway's answer to our send is untrusted input too: its error text is stored."""
    async with FakeGateway() as gateway:
        server = await make_server(
            wppconnect_url=gateway.wpp_base_url,
            wppconnect_session=gateway.session,
            wppconnect_token=gateway.wpp_token,
        )
        giulia = await connect_operator(server, server.operators["giulia"])
        try:
            status, _ = await post_wpp(http, server, wpp_message(body="Salve"))
            assert status == 200
            gateway.fail_next(
                1, 400, body={"status": "error", "message": "numero \ud83d non valido\x00"}
            )
            ack = await giulia.call(
                "sendMessage", {"clientId": "c-gw", "conversationId": "1", "body": "Arrivo"}
            )

            failed = await giulia.wait_for(
                "messageStatusUpdate",
                lambda u: u["messageId"] == ack["message"]["id"] and u["status"] == "failed",
            )

            assert "\ud83d" not in failed["error"] and "\x00" not in failed["error"]
            assert FFFD in failed["error"], failed
        finally:
            await giulia.close()
