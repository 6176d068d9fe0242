"""Webhooks from gateways: 200 only after commit, idempotent, and bad input changes nothing."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from sportello.store.models import Event, Message, Ticket
from tests.fakes.fake_gateway import FakeGateway, sign_meta
from tests.server.server_harness import (
    META_APP_SECRET,
    META_VERIFY_TOKEN,
    WEBHOOK_SECRET,
    connect_operator,
    post,
    post_wpp,
)
from tests.support.payloads import wpp_message


def counts(server: Any) -> tuple[int, int, int]:
    with server.db.read_session() as session:
        return (
            session.execute(select(func.count()).select_from(Message)).scalar_one(),
            session.execute(select(func.count()).select_from(Ticket)).scalar_one(),
            session.execute(select(func.count()).select_from(Event)).scalar_one(),
        )


async def test_message_is_stored_before_the_200(server, http):
    status, answer = await post_wpp(http, server, wpp_message(body="Ho un guasto alla caldaia"))
    assert status == 200, answer
    assert answer["messages"][0]["created"] is True
    assert counts(server)[:2] == (1, 1)


async def test_concurrent_duplicates_are_stored_and_announced_once(any_db_server, http):
    server = any_db_server
    giulia = await connect_operator(server, server.operators["giulia"])
    body = wpp_message(body="Perdita d'acqua, aiuto", message_id="false_393331234567@c.us_DUP1")
    try:
        answers = await asyncio.gather(*(post_wpp(http, server, body) for _ in range(50)))

        assert {status for status, _ in answers} == {200}
        ids = {answer["messages"][0]["id"] for _, answer in answers}
        assert len(ids) == 1
        assert sum(answer["messages"][0]["created"] for _, answer in answers) == 1
        assert counts(server)[:2] == (1, 1)
        await giulia.wait_for("newMessage")
        await asyncio.sleep(0.3)
        assert len(giulia.named("newMessage")) == 1
        assert len(giulia.named("ticketCreated")) == 1
    finally:
        await giulia.close()


async def test_replayed_message_later_is_idempotent(server, http):
    body = wpp_message(message_id="false_393331234567@c.us_REPLAY")
    first = await post_wpp(http, server, body)
    again = await post_wpp(http, server, body)
    assert first[0] == again[0] == 200
    assert first[1]["messages"][0]["id"] == again[1]["messages"][0]["id"]
    assert again[1]["messages"][0]["created"] is False
    assert counts(server)[0] == 1


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"{not json", 400),
        (b"", 400),
        (b"\xff\xfe\x00garbage", 400),
        (b"[1, 2, 3]", 400),
        (b'"just a string"', 400),
        (b'{"event": "onmessage"}', 400),  # missing id, from, ...
        (b'{"event": "onmessage", "id": 5, "from": [], "body": {}}', 400),  # wrong types
        (b"[" * 100_000 + b"]" * 100_000, 400),  # deep nesting
        (b'{"event": 42}', 400),
    ],
)
async def test_hostile_bodies_get_4xx_and_change_nothing(server, http, raw, status):
    before = counts(server)
    answer_status, answer = await post_wpp(http, server, None, raw=raw)
    assert answer_status == status, answer
    assert set(answer["error"]) == {"code", "message"}
    assert counts(server) == before


async def test_unknown_event_is_ignored_with_200(server, http):
    status, answer = await post_wpp(http, server, {"event": "onbatterychanged", "level": 3})
    assert (status, answer) == (200, {"ignored": "onbatterychanged"})


async def test_wrong_or_missing_secret_is_401(server, http):
    url = f"{server.url}/webhooks/wppconnect"
    status, answer = await post(http, url, wpp_message(), headers={"X-Webhook-Token": "nope"})
    assert status == 401 and answer["error"]["code"] == "unauthorized"
    assert (await post(http, url, wpp_message()))[0] == 401
    assert (await post(http, url, None, raw=b"{broken"))[0] == 401  # secret checked first
    status, _ = await post(http, f"{url}?token={WEBHOOK_SECRET}", wpp_message())
    assert status == 200
    assert counts(server)[0] == 1


async def test_body_over_one_mebibyte_is_413(server, http):
    huge = json.dumps({"event": "onmessage", "body": "x" * (5 * 1024 * 1024)}).encode()
    status, answer = await post_wpp(http, server, None, raw=huge)
    assert status == 413 and answer["error"]["code"] == "body_too_large"

    async def chunks():  # no Content-Length: chunked transfer encoding
        for _ in range(40):
            yield b"x" * 65536

    async with http.post(
        f"{server.url}/webhooks/wppconnect",
        data=chunks(),
        headers={"X-Webhook-Token": WEBHOOK_SECRET},
    ) as response:
        assert response.status == 413
    assert counts(server) == (0, 0, 0)


async def test_generic_webhook(server, clients, http):
    giulia = await clients("giulia")
    url = f"{server.url}/webhooks/generic"
    headers = {"X-Webhook-Token": WEBHOOK_SECRET}
    body = {
        "id": "gen-1",
        "from": "+39 333 1234567",
        "body": "Serve un preventivo",
        "senderName": "Anna",
    }
    assert (await post(http, url, body, headers=headers))[0] == 200
    message = await giulia.wait_for("newMessage")
    assert message["senderName"] == "Anna"
    status, answer = await post(http, url, {"from": "x"}, headers=headers)
    assert status == 400 and answer["error"]["code"]


async def test_meta_verification_handshake(server, http):
    url = f"{server.url}/webhooks/meta"
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": META_VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    async with http.get(url, params=query) as response:
        assert response.status == 200
        assert await response.text() == "1158201444"
    async with http.get(url, params={**query, "hub.verify_token": "wrong"}) as response:
        assert response.status == 403


async def test_meta_webhook_needs_a_valid_signature(server, clients, http):
    giulia = await clients("giulia")
    gateway = FakeGateway()
    raw = json.dumps(gateway.meta_message("393339998877", "Il condizionatore è rotto")).encode()
    url = f"{server.url}/webhooks/meta"

    bad = await post(http, url, None, raw=raw, headers={"X-Hub-Signature-256": "sha256=00"})
    missing = await post(http, url, None, raw=raw)
    tampered = await post(
        http,
        url,
        None,
        raw=raw.replace(b"rotto", b"ROTTO"),
        headers={"X-Hub-Signature-256": sign_meta(raw, META_APP_SECRET)},
    )
    assert [bad[0], missing[0], tampered[0]] == [401, 401, 401]
    assert counts(server)[0] == 0

    good = await post(
        http, url, None, raw=raw, headers={"X-Hub-Signature-256": sign_meta(raw, META_APP_SECRET)}
    )
    assert good[0] == 200, good
    message = await giulia.wait_for("newMessage")
    assert message["message"] == "Il condizionatore è rotto"


async def test_gateway_state_is_recorded_for_health(server, http):
    body = {"event": "status-find", "session": "sportello", "status": "isLogged"}
    status, _ = await post_wpp(http, server, body)
    assert status == 200
    async with http.get(f"{server.url}/health") as response:
        health = await response.json()
    assert health["status"] == "ok" and health["db"] == "ok"
    assert "wppconnect:sportello" in health.get("gateways", {})
