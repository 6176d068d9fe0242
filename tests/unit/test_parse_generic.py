"""The generic webhook `{id, from, body, timestamp?, senderName?, type?}` for any gateway."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sportello.domain.values import Direction, Gateway, MessageType
from sportello.ingest.generic import parse_generic
from sportello.ingest.parsed import WebhookError

DATA = Path(__file__).resolve().parent.parent / "data" / "gateways" / "generic"
RECEIVED = datetime(2024, 11, 25, 8, 0, tzinfo=UTC)


def load(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return body


def test_full_generic_message() -> None:
    (message,) = parse_generic(load("text.json"), received_at=RECEIVED).messages
    assert message.gateway is Gateway.GENERIC
    assert message.gateway_message_id == "sms-gw-000173"
    assert message.chat_id == "+39 333 123 4567"
    assert message.body == "Salve, il cancello automatico è rotto"
    assert message.timestamp == datetime(2024, 11, 25, 7, 49, tzinfo=UTC)
    assert message.sender_name == "Mario Rossi"
    assert message.type is MessageType.TEXT
    assert message.direction is Direction.INCOMING
    assert message.account is None


def test_iso_timestamp_and_gateway_type_words_are_understood() -> None:
    (message,) = parse_generic(load("iso_timestamp.json")).messages
    assert message.timestamp == datetime(2024, 11, 25, 7, 49, tzinfo=UTC)
    assert message.type is MessageType.TEXT  # "chat"
    assert message.raw["extra"] == {"source": "evolution-api"}  # unknown fields ride along


def test_minimal_message_gets_the_receive_time() -> None:
    (message,) = parse_generic(load("minimal.json"), received_at=RECEIVED).messages
    assert message.timestamp == RECEIVED
    assert message.sender_name is None
    assert message.type is MessageType.TEXT


@pytest.mark.parametrize(
    ("word", "mtype"),
    [
        ("image", MessageType.IMAGE),
        ("ptt", MessageType.AUDIO),
        ("sondaggio", MessageType.UNSUPPORTED),
    ],
)
def test_type_words(word: str, mtype: MessageType) -> None:
    body = load("minimal.json") | {"type": word}
    assert parse_generic(body).messages[0].type is mtype


def test_integer_id_is_accepted_as_string() -> None:
    body = load("minimal.json") | {"id": 173}
    assert parse_generic(body).messages[0].gateway_message_id == "173"


def test_millisecond_timestamp_is_understood() -> None:
    body = load("minimal.json") | {"timestamp": 1732520940123}
    moment = parse_generic(body).messages[0].timestamp
    assert moment == datetime(2024, 11, 25, 7, 49, 0, 123000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"id": None}, "missing_field", "'id'"),
        ({"id": ""}, "missing_field", "'id'"),
        ({"id": True}, "invalid_field", "'id'"),
        ({"id": "x" * 1000}, "field_too_long", "'id'"),
        ({"from": None}, "missing_field", "'from'"),
        ({"from": 393331234567}, "invalid_field", "'from'"),
        ({"body": None}, "missing_field", "'body'"),
        ({"body": {"text": "hi"}}, "invalid_field", "'body'"),
        ({"timestamp": "martedì"}, "invalid_field", "'timestamp'"),
        ({"timestamp": "1900-01-01T00:00:00Z"}, "invalid_timestamp", "'timestamp'"),
        ({"timestamp": float("inf")}, "invalid_timestamp", "'timestamp'"),
        ({"senderName": 7}, "invalid_field", "'senderName'"),
        ({"type": ["text"]}, "invalid_field", "'type'"),
    ],
)
def test_malformed_generic_message_is_refused_naming_the_field(
    change: dict[str, Any], code: str, field: str
) -> None:
    with pytest.raises(WebhookError) as caught:
        parse_generic(load("text.json") | change)
    assert caught.value.code == code
    assert field in caught.value.message


def test_error_renders_as_the_wire_error_body() -> None:
    with pytest.raises(WebhookError) as caught:
        parse_generic([1, 2])
    assert caught.value.to_json() == {
        "error": {"code": "invalid_body", "message": "body must be a JSON object, got array"}
    }
    assert caught.value.status == 400
