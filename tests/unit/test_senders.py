"""Outbound senders against the fake gateway on loopback: success, retryable and final errors."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from sportello.domain.values import DeliveryStatus, Direction
from sportello.ingest.meta import parse_meta, verify_meta_signature
from sportello.ingest.wppconnect import parse_wppconnect
from sportello.server.gateways import (
    GatewaySendError,
    MetaCloudSender,
    SendResult,
    WppConnectSender,
)
from tests.fakes.fake_gateway import (
    DEFAULT_META_TOKEN,
    DEFAULT_PHONE_NUMBER_ID,
    DEFAULT_WPP_TOKEN,
    FakeGateway,
    sign_meta,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "gateways"
CUSTOMER = "+393331234567"


def fixture(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture
async def gateway() -> AsyncIterator[FakeGateway]:
    async with FakeGateway() as fake:
        yield fake


def wpp(gateway: FakeGateway, http: aiohttp.ClientSession, **kw: Any) -> WppConnectSender:
    options: dict[str, Any] = {"timeout_s": 5.0} | kw
    token = options.pop("token", DEFAULT_WPP_TOKEN)
    return WppConnectSender(gateway.wpp_base_url, "sportello", token, http, **options)


def meta(gateway: FakeGateway, http: aiohttp.ClientSession, **kw: Any) -> MetaCloudSender:
    options: dict[str, Any] = {"timeout_s": 5.0} | kw
    token = options.pop("token", DEFAULT_META_TOKEN)
    return MetaCloudSender(
        DEFAULT_PHONE_NUMBER_ID, token, http, base_url=gateway.meta_base_url, **options
    )


async def send_error(coro: Any) -> GatewaySendError:
    with pytest.raises(GatewaySendError) as caught:
        await coro
    return caught.value


# -- WPPConnect -------------------------------------------------------------------------


async def test_wppconnect_send_posts_phone_digits_with_bearer_token(
    gateway: FakeGateway, http: aiohttp.ClientSession
) -> None:
    result = await wpp(gateway, http).send_text(CUSTOMER, "Arriviamo alle 9.", account=None)

    (request,) = gateway.requests
    assert request.method == "POST"
    assert request.path == "/api/sportello/send-message"
    assert request.headers["Authorization"] == f"Bearer {DEFAULT_WPP_TOKEN}"
    # markIsRead false: a reply is not a read receipt (wa-js marks the chat read otherwise)
    assert request.json == {
        "phone": "393331234567",
        "message": "Arriviamo alle 9.",
        "isGroup": False,
        "options": {"markIsRead": False},
    }
    assert isinstance(result, SendResult)
    assert result.provider_message_id == gateway.sent[0].message_id
    assert result.provider_message_id.startswith("true_393331234567@c.us_3EB0")
    assert result.raw["status"] == "success"


@pytest.mark.parametrize(
    ("to", "phone", "is_group"),
    [
        ("393331234567@c.us", "393331234567", False),
        ("0039 333-123-4567", "393331234567", False),
        ("120363025123456789@g.us", "120363025123456789@g.us", True),
    ],
)
async def test_wppconnect_recipient_forms(
    gateway: FakeGateway, http: aiohttp.ClientSession, to: str, phone: str, is_group: bool
) -> None:
    result = await wpp(gateway, http).send_text(to, "ciao", account=None)
    assert gateway.requests[0].json["phone"] == phone
    assert gateway.requests[0].json["isGroup"] is is_group
    assert result.provider_message_id == gateway.sent[0].message_id


async def test_wppconnect_answers_from_the_session_that_received_the_message(
    gateway: FakeGateway, http: aiohttp.ClientSession
) -> None:
    error = await send_error(wpp(gateway, http).send_text(CUSTOMER, "x", account="altra-sede"))
    assert gateway.requests[0].path == "/api/altra-sede/send-message"
    assert error.unauthorized  # the token belongs to another session


async def test_wppconnect_server_error_is_retryable_with_the_gateway_message(
    gateway: FakeGateway, http: aiohttp.ClientSession
) -> None:
    gateway.fail_next(1, 500)
    error = await send_error(wpp(gateway, http).send_text(CUSTOMER, "x", account=None))
    assert error.retryable
    assert error.status == 500
    assert not error.unauthorized
    assert "Error sending the message." in error.message


async def test_wppconnect_unknown_number_is_final(
    gateway: FakeGateway, http: aiohttp.ClientSession
) -> None:
    gateway.fail_next(1, 400)
    error = await send_error(wpp(gateway, http).send_text(CUSTOMER, "x", account=None))
    assert not error.retryable
    assert error.status == 400
    assert "não existe" in error.message


async def test_wppconnect_bad_token_is_unauthorized_not_retryable(
    gateway: FakeGateway, http: aiohttp.ClientSession
) -> None:
    error = await send_error(
        wpp(gateway, http, token="wrong").send_text(CUSTOMER, "x", account=None)
    )
    assert error.unauthorized
    assert not error.retryable
    assert error.status == 401
    assert "Check that the Session and Token are correct" in error.message


async def test_wppconnect_disconnected_session_is_retryable(
    gateway: FakeGateway, http: aiohttp.ClientSession
) -> None:
    gateway.fail_next(1, 404)
    error = await send_error(wpp(gateway, http).send_text(CUSTOMER, "x", account=None))
    assert error.retryable
    assert "não está ativa" in error.message


async def test_wppconnect_timeout_is_retryable(
    gateway: FakeGateway, http: aiohttp.ClientSession
) -> None:
    gateway.hang_next(1)
    error = await send_error(
        wpp(gateway, http, timeout_s=0.3).send_text(CUSTOMER, "x", account=None)
    )
    assert error.retryable
    assert error.status is None
    assert "did not answer" in error.message


async def test_wppconnect_recovers_after_transient_failures(
    gateway: FakeGateway, http: aiohttp.ClientSession
) -> None:
    sender = wpp(gateway, http)
    gateway.fail_next(2, 500)
    for _ in range(2):
        assert (await send_error(sender.send_text(CUSTOMER, "x", account=None))).retryable
    result = await sender.send_text(CUSTOMER, "x", account=None)
    assert len(gateway.requests) == 3
    assert [m.message_id for m in gateway.sent] == [result.provider_message_id]


async def test_wppconnect_accepted_but_failed_send_is_final(
    gateway: FakeGateway, http: aiohttp.ClientSession
) -> None:
    body = fixture("wppconnect/send_message_201.json")
    body["response"][0]["ack"] = -1
    gateway.fail_next(1, 201, body=body)
    error = await send_error(wpp(gateway, http).send_text(CUSTOMER, "x", account=None))
    assert not error.retryable
    assert "ack -1" in error.message


async def test_wppconnect_success_without_message_id_is_final(
    gateway: FakeGateway, http: aiohttp.ClientSession
) -> None:
    gateway.fail_next(1, 201, body={"status": "success", "response": []})
    error = await send_error(wpp(gateway, http).send_text(CUSTOMER, "x", account=None))
    assert not error.retryable  # it may have been sent: a retry could duplicate it
    assert "without a message id" in error.message


async def test_real_wppconnect_success_body_is_understood(
    gateway: FakeGateway, http: aiohttp.ClientSession
) -> None:
    gateway.fail_next(1, 201, body=fixture("wppconnect/send_message_201.json"))
    result = await wpp(gateway, http).send_text(CUSTOMER, "x", account=None)
    assert result.provider_message_id == "true_393331234567@c.us_3EB0B4E5E3CFD2A1C6F8"


# -- Meta Cloud API ---------------------------------------------------------------------


async def test_meta_send_posts_cloud_api_text_message(
    gateway: FakeGateway, http: aiohttp.ClientSession
) -> None:
    result = await meta(gateway, http).send_text(CUSTOMER, "Arriviamo alle 9.", account=None)

    (request,) = gateway.requests
    assert request.path == f"/v21.0/{DEFAULT_PHONE_NUMBER_ID}/messages"
    assert request.headers["Authorization"] == f"Bearer {DEFAULT_META_TOKEN}"
    assert request.json["messaging_product"] == "whatsapp"
    assert request.json["to"] == "393331234567"
    assert request.json["type"] == "text"
    assert request.json["text"]["body"] == "Arriviamo alle 9."
    assert result.provider_message_id.startswith("wamid.")
    assert result.provider_message_id == gateway.sent[0].message_id


async def test_meta_refusal_is_final_with_message_code_and_details(
    gateway: FakeGateway, http: aiohttp.ClientSession
) -> None:
    gateway.fail_next(1, 400)
    error = await send_error(meta(gateway, http).send_text(CUSTOMER, "x", account=None))
    assert not error.retryable
    assert error.status == 400
    assert error.gateway_code == "131030"
    assert "(#131030) Recipient phone number not in allowed list (code 131030)" in error.message
    assert "Add recipient phone number to recipient list" in error.message


async def test_meta_expired_token_is_unauthorized(
    gateway: FakeGateway, http: aiohttp.ClientSession
) -> None:
    error = await send_error(
        meta(gateway, http, token="expired").send_text(CUSTOMER, "x", account=None)
    )
    assert error.unauthorized
    assert not error.retryable
    assert error.status == 401
    assert "code 190/463" in error.message


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, None),
        (503, {"error": {"message": "Service temporarily unavailable", "code": 2}}),
        (429, None),
        (400, fixture("meta/send_400_rate_limit.json")),  # pair rate limit 131056: later
    ],
)
async def test_meta_outages_and_rate_limits_are_retryable(
    gateway: FakeGateway, http: aiohttp.ClientSession, status: int, body: Any
) -> None:
    gateway.fail_next(1, status, body=body)
    error = await send_error(meta(gateway, http).send_text(CUSTOMER, "x", account=None))
    assert error.retryable
    assert error.status == status


async def test_meta_timeout_is_retryable(gateway: FakeGateway, http: aiohttp.ClientSession) -> None:
    gateway.hang_next(1)
    error = await send_error(
        meta(gateway, http, timeout_s=0.3).send_text(CUSTOMER, "x", account=None)
    )
    assert error.retryable
    assert error.status is None


async def test_meta_unknown_phone_number_id_is_final(
    gateway: FakeGateway, http: aiohttp.ClientSession
) -> None:
    error = await send_error(meta(gateway, http).send_text(CUSTOMER, "x", account="999"))
    assert gateway.requests[0].path == "/v21.0/999/messages"
    assert not error.retryable
    assert error.gateway_code == "100"


async def test_meta_cannot_send_to_a_whatsapp_web_group(
    gateway: FakeGateway, http: aiohttp.ClientSession
) -> None:
    error = await send_error(meta(gateway, http).send_text("1203630@g.us", "x", account=None))
    assert not error.retryable
    assert gateway.requests == []


@pytest.mark.parametrize("to", ["", "mario", "+39", "12@broadcast", "393331234567@example.com"])
async def test_unusable_recipient_is_refused_before_any_request(
    gateway: FakeGateway, http: aiohttp.ClientSession, to: str
) -> None:
    for sender in (wpp(gateway, http), meta(gateway, http)):
        error = await send_error(sender.send_text(to, "x", account=None))
        assert not error.retryable
    assert gateway.requests == []


async def test_unreachable_gateway_is_retryable(http: aiohttp.ClientSession) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sender = WppConnectSender(f"http://127.0.0.1:{port}", "sportello", "t", http, timeout_s=2)
    error = await send_error(sender.send_text(CUSTOMER, "x", account=None))
    assert error.retryable
    assert error.status is None
    assert "unreachable" in error.message


# -- webhooks the fake builds for the messages it sent ------------------------------------


async def test_fake_builds_acks_the_parser_maps_to_the_sent_message(
    gateway: FakeGateway, http: aiohttp.ClientSession
) -> None:
    sent = await wpp(gateway, http).send_text(CUSTOMER, "x", account=None)
    (update,) = parse_wppconnect(gateway.wpp_ack(sent.provider_message_id, 3)).statuses
    assert update.gateway_message_id == sent.provider_message_id
    assert update.status is DeliveryStatus.READ

    sent = await meta(gateway, http).send_text(CUSTOMER, "x", account=None)
    failed = gateway.meta_status(sent.provider_message_id, "failed")
    (update,) = parse_meta(failed).statuses
    assert update.gateway_message_id == sent.provider_message_id
    assert update.status is DeliveryStatus.FAILED
    assert update.error is not None and update.error.startswith("131026 Message undeliverable: ")


def test_fake_builds_incoming_messages_and_meta_signatures() -> None:
    fake = FakeGateway()
    (message,) = parse_wppconnect(fake.wpp_message("+393331234567", "Aiuto, perdita!")).messages
    assert (message.chat_id, message.body, message.direction) == (
        "393331234567@c.us",
        "Aiuto, perdita!",
        Direction.INCOMING,
    )
    body = fake.meta_message("393331234567", "Guasto urgente", name="Anna")
    (message,) = parse_meta(body).messages
    assert (message.chat_id, message.sender_name, message.account) == (
        "393331234567",
        "Anna",
        DEFAULT_PHONE_NUMBER_ID,
    )
    raw = json.dumps(body).encode()
    assert verify_meta_signature(raw, sign_meta(raw, "s3cret"), "s3cret")


def test_fake_gateway_runs_in_a_thread_for_sync_tests() -> None:
    with FakeGateway.start_in_thread() as fake:
        fake.fail_next(1, 500)

        async def send_twice() -> tuple[GatewaySendError | None, SendResult]:
            async with aiohttp.ClientSession() as session:
                sender = WppConnectSender(
                    fake.wpp_base_url, "sportello", DEFAULT_WPP_TOKEN, session
                )
                first: GatewaySendError | None = None
                try:
                    await sender.send_text(CUSTOMER, "uno", account=None)
                except GatewaySendError as error:
                    first = error
                return first, await sender.send_text(CUSTOMER, "due", account=None)

        first, second = asyncio.run(send_twice())
        assert first is not None and first.retryable
        assert [r.json["message"] for r in fake.requests] == ["uno", "due"]
        assert fake.sent[0].message_id == second.provider_message_id


def test_threaded_fake_stops_even_with_a_hanging_request() -> None:
    fake = FakeGateway.start_in_thread()
    fake.hang_next(1)

    async def hang() -> GatewaySendError:
        async with aiohttp.ClientSession() as session:
            sender = WppConnectSender(
                fake.url, "sportello", DEFAULT_WPP_TOKEN, session, timeout_s=0.3
            )
            with pytest.raises(GatewaySendError) as caught:
                await sender.send_text(CUSTOMER, "x", account=None)
            return caught.value

    assert asyncio.run(hang()).retryable
    fake.stop()
    assert fake._thread is None
