"""WhatsApp Cloud API webhooks become domain values; signatures are checked in constant time."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sportello.domain.values import DeliveryStatus, Direction, Gateway, MessageType
from sportello.ingest.meta import parse_meta, verify_meta_signature
from sportello.ingest.parsed import WebhookError

DATA = Path(__file__).resolve().parent.parent / "data" / "gateways" / "meta"
RECEIVED = datetime(2024, 11, 25, 8, 0, tzinfo=UTC)
CUSTOMER = "393331234567"
NUMBER_ID = "106540352242922"


def load(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return body


def parse(name: str) -> Any:
    return parse_meta(load(name), received_at=RECEIVED)


def only_message(name: str) -> Any:
    parsed = parse(name)
    assert parsed.ignored is None and not parsed.statuses
    assert len(parsed.messages) == 1
    return parsed.messages[0]


def first_message(body: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = body["entry"][0]["changes"][0]["value"]["messages"][0]
    return message


def test_text_message_from_the_docs_example() -> None:
    message = only_message("text.json")
    assert message.gateway is Gateway.META
    assert message.gateway_message_id.startswith("wamid.HBgMMzkzMzMxMjM0NTY3")
    assert message.chat_id == CUSTOMER
    assert message.body == "Buongiorno, ho un guasto alla caldaia: non funziona l'acqua calda."
    assert message.type is MessageType.TEXT
    assert message.direction is Direction.INCOMING
    assert message.sender_name == "Mario Rossi"
    assert message.account == NUMBER_ID
    assert message.timestamp == datetime(2024, 11, 25, 7, 30, tzinfo=UTC)
    assert message.raw["text"]["body"] == message.body


@pytest.mark.parametrize(
    ("name", "mtype", "body", "mime", "filename", "has_url"),
    [
        (
            "image.json",
            MessageType.IMAGE,
            "Foto della perdita sotto il lavello",
            "image/jpeg",
            None,
            True,
        ),
        (
            "document.json",
            MessageType.DOCUMENT,
            "Fattura di marzo",
            "application/pdf",
            "fattura_marzo.pdf",
            False,
        ),
        ("audio_voice.json", MessageType.AUDIO, "", "audio/ogg; codecs=opus", None, False),
    ],
)
def test_media_messages_carry_caption_mime_and_filename(
    name: str, mtype: MessageType, body: str, mime: str, filename: str | None, has_url: bool
) -> None:
    message = only_message(name)
    assert message.type is mtype
    assert message.body == body
    assert message.media is not None
    assert message.media.type is mtype
    assert message.media.caption == (body or None)
    assert message.media.mime_type == mime
    assert message.media.filename == filename
    assert (message.media.url is not None) is has_url


def test_one_webhook_may_batch_video_and_sticker() -> None:
    video, sticker = parse("video_and_sticker_batch.json").messages
    assert (video.type, video.body) == (MessageType.VIDEO, "Il rumore che fa")
    assert (sticker.type, sticker.body) == (MessageType.STICKER, "")
    assert sticker.media is not None and sticker.media.mime_type == "image/webp"


def test_location_has_label_and_maps_link() -> None:
    message = only_message("location.json")
    assert message.type is MessageType.LOCATION
    assert message.body == "Condominio Roma - Via Roma 12, 20121 Milano MI"
    assert message.media is not None
    assert message.media.url == "https://maps.google.com/?q=45.464211,9.191383"


def test_shared_contact_shows_name_and_number() -> None:
    message = only_message("contacts.json")
    assert message.type is MessageType.CONTACT
    assert message.body == "Luca Bianchi +39 347 111 2223"


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("interactive_button_reply.json", "Confermo l'intervento"),
        ("interactive_list_reply.json", "Mattina (8-12)"),
        ("button.json", "Richiamatemi"),
    ],
)
def test_replies_to_buttons_and_lists_are_text(name: str, body: str) -> None:
    message = only_message(name)
    assert message.type is MessageType.TEXT
    assert message.body == body


def test_reaction_and_unsupported_are_kept_as_unsupported() -> None:
    reaction = only_message("reaction.json")
    assert reaction.type is MessageType.UNSUPPORTED
    assert reaction.body == "\U0001f44d"
    assert reaction.raw["reaction"]["message_id"].startswith("wamid.")
    unsupported = only_message("unsupported.json")
    assert unsupported.type is MessageType.UNSUPPORTED
    assert unsupported.body == ""
    assert unsupported.raw["errors"][0]["code"] == 131051


def test_group_message_is_keyed_by_group_with_sender_as_author() -> None:
    message = only_message("group_text.json")
    assert message.chat_id == "Y2FwaV9ncm91cDoxNzA1NTU1MDEzOToxMjAzNjM0MDQ2OTQyODM4MjAZD"
    assert message.author_id == "393491234500"
    assert message.sender_name == "Giulia Verdi"


def test_statuses_across_changes_become_status_updates_in_order() -> None:
    parsed = parse("statuses_sent_delivered_read.json")
    assert not parsed.messages
    assert [s.status for s in parsed.statuses] == [
        DeliveryStatus.SENT,
        DeliveryStatus.DELIVERED,
        DeliveryStatus.READ,
    ]
    assert {s.gateway_message_id for s in parsed.statuses} == {
        "wamid.HBgMMzkzMzMxMjM0NTY3FQIAERgSNDVFMjA5QjM2QUI2RkIxMzk2AA=="
    }
    assert parsed.statuses[2].timestamp == datetime(2024, 11, 25, 7, 44, tzinfo=UTC)
    assert all(s.error is None for s in parsed.statuses)


def test_failed_status_carries_code_title_and_details() -> None:
    (update,) = parse("status_failed.json").statuses
    assert update.status is DeliveryStatus.FAILED
    assert update.error == (
        "131047 Re-engagement message: Message failed to send because more than 24 hours "
        "have passed since the customer last replied to this number."
    )


def test_failed_status_without_details_or_errors() -> None:
    body = load("status_failed.json")
    status = body["entry"][0]["changes"][0]["value"]["statuses"][0]
    del status["errors"][0]["error_data"]
    status["errors"][0]["message"] = "Re-engagement message"
    assert parse_meta(body).statuses[0].error == "131047 Re-engagement message"
    del status["errors"]
    assert parse_meta(body).statuses[0].error == "failed"


def test_batch_across_entries_keeps_each_business_number_and_contact_name() -> None:
    parsed = parse("batch_multi_entry.json")
    assert [(m.gateway_message_id, m.sender_name, m.account) for m in parsed.messages] == [
        ("wamid.BATCH-1", "Mario Rossi", NUMBER_ID),
        ("wamid.BATCH-2", "Anna Neri", NUMBER_ID),
        ("wamid.BATCH-3", "Paolo Gialli", "115555555555555"),
    ]
    assert [(s.gateway_message_id, s.status) for s in parsed.statuses] == [
        ("wamid.BATCH-OUT-1", DeliveryStatus.DELIVERED)
    ]


def test_business_app_echo_is_outgoing_to_the_customer() -> None:
    message = only_message("smb_message_echoes.json")
    assert message.direction is Direction.OUTGOING
    assert message.chat_id == CUSTOMER
    assert message.body == "Le confermo l'appuntamento di domani."


@pytest.mark.parametrize(
    ("body_or_name", "ignored"),
    [
        ("account_update.json", "account_update"),
        ("errors_only.json", "messages"),
        ({"object": "page", "entry": []}, "page"),
    ],
)
def test_webhooks_without_messages_or_statuses_are_ignored(
    body_or_name: str | dict[str, Any], ignored: str
) -> None:
    body = load(body_or_name) if isinstance(body_or_name, str) else body_or_name
    parsed = parse_meta(body)
    assert parsed.is_empty
    assert parsed.ignored == ignored


def test_unknown_status_word_is_skipped() -> None:
    body = load("status_failed.json")
    body["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] = "deleted"
    assert parse_meta(body).ignored == "messages"


@pytest.mark.parametrize(
    ("mutate", "code", "field"),
    [
        (lambda m: m.pop("id"), "missing_field", "messages[0].id"),
        (lambda m: m.pop("from"), "missing_field", "messages[0].from"),
        (lambda m: m.update(id=123), "invalid_field", "messages[0].id"),
        (lambda m: m.update(timestamp="ieri"), "invalid_field", "messages[0].timestamp"),
        (
            lambda m: m.update(timestamp="-99999999999"),
            "invalid_timestamp",
            "messages[0].timestamp",
        ),
        (lambda m: m.update(text="hello"), "invalid_field", "messages[0].text"),
        (lambda m: m.update(text={"body": ["a"]}), "invalid_field", "messages[0].text.body"),
        (lambda m: m.update(text={"body": "x" * 70_000}), "field_too_long", "text.body"),
    ],
)
def test_malformed_message_is_refused_naming_the_field(mutate: Any, code: str, field: str) -> None:
    body = copy.deepcopy(load("text.json"))
    mutate(first_message(body))
    with pytest.raises(WebhookError) as caught:
        parse_meta(body)
    assert caught.value.code == code
    assert field in caught.value.message
    assert "entry[0].changes[0].value" in caught.value.message


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "whatsapp_business_account",
        {},
        {"object": "whatsapp_business_account"},
        {"object": "whatsapp_business_account", "entry": {}},
        {"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages"}]}]},
        {"object": "whatsapp_business_account", "entry": [7]},
    ],
)
def test_structurally_wrong_bodies_are_refused(body: object) -> None:
    with pytest.raises(WebhookError) as caught:
        parse_meta(body)
    assert caught.value.status == 400


def sign(raw: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def test_signature_of_the_raw_body_is_accepted() -> None:
    raw = (DATA / "text.json").read_bytes()
    assert verify_meta_signature(raw, sign(raw, "app-secret"), "app-secret")
    assert verify_meta_signature(
        raw, sign(raw, "app-secret").upper().replace("SHA256=", "sha256="), "app-secret"
    )


@pytest.mark.parametrize(
    "header",
    [None, "", "sha256=", "sha1=abcd", "sha256=00", "sha256=zz€", "abc"],
)
def test_missing_or_wrong_signature_is_rejected(header: str | None) -> None:
    assert not verify_meta_signature(b"{}", header, "app-secret")


def test_signature_with_another_secret_or_body_is_rejected() -> None:
    raw = (DATA / "text.json").read_bytes()
    assert not verify_meta_signature(raw, sign(raw, "other"), "app-secret")
    assert not verify_meta_signature(raw + b" ", sign(raw, "app-secret"), "app-secret")
    assert not verify_meta_signature(raw, sign(raw, ""), "")
