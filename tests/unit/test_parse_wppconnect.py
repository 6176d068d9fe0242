"""WPPConnect Server webhooks become domain values; bad bodies become WebhookError."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sportello.domain.values import DeliveryStatus, Direction, Gateway, MessageType
from sportello.ingest.parsed import ConnectionState, WebhookError
from sportello.ingest.wppconnect import parse_wppconnect

DATA = Path(__file__).resolve().parent.parent / "data" / "gateways" / "wppconnect"
RECEIVED = datetime(2024, 11, 25, 8, 0, tzinfo=UTC)
CUSTOMER = "393331234567@c.us"


def load(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return body


def parse(name: str) -> Any:
    return parse_wppconnect(load(name), received_at=RECEIVED)


def only_message(name: str) -> Any:
    parsed = parse(name)
    assert parsed.ignored is None
    assert len(parsed.messages) == 1
    assert not parsed.statuses and not parsed.presences and not parsed.states
    return parsed.messages[0]


def test_customer_text_message_becomes_incoming_text() -> None:
    message = only_message("onmessage_text.json")
    assert message.gateway is Gateway.WPPCONNECT
    assert message.gateway_message_id == "false_393331234567@c.us_3EB0C767D26A1D84C2A1"
    assert message.chat_id == CUSTOMER
    assert message.body.startswith("Buongiorno, la caldaia è in blocco")
    assert message.type is MessageType.TEXT
    assert message.direction is Direction.INCOMING
    assert message.sender_name == "Mario Rossi"
    assert message.author_id is None
    assert message.media is None
    assert message.account == "sportello"
    assert message.timestamp == datetime(2024, 11, 25, 7, 30, tzinfo=UTC)
    assert message.raw["notifyName"] == "Mario Rossi"


def test_image_keeps_caption_as_body_and_never_the_base64_thumbnail() -> None:
    message = only_message("onmessage_image.json")
    assert message.type is MessageType.IMAGE
    assert message.body == "Ecco la foto del guasto"
    assert message.media is not None
    assert message.media.type is MessageType.IMAGE
    assert message.media.caption == "Ecco la foto del guasto"
    assert message.media.mime_type == "image/jpeg"
    assert message.media.url is not None
    assert message.media.url.startswith("https://mmg.whatsapp.net/v/t62.7118-24/")
    assert "body" not in message.raw
    assert "/9j/" not in json.dumps(dict(message.raw))


def test_document_caption_that_is_only_the_file_name_is_dropped() -> None:
    message = only_message("onmessage_document.json")
    assert message.type is MessageType.DOCUMENT
    assert message.body == ""
    assert message.media is not None
    assert message.media.filename == "Preventivo_2024.pdf"
    assert message.media.mime_type == "application/pdf"
    assert message.media.caption is None


def test_voice_note_is_audio_with_the_uploaded_file_url() -> None:
    message = only_message("onmessage_ptt.json")
    assert message.type is MessageType.AUDIO
    assert message.body == ""
    assert message.media is not None
    assert message.media.mime_type == "audio/ogg; codecs=opus"
    assert message.media.url == (
        "https://sportello-media.s3.amazonaws.com/sportello/6f1c0e6b7a2d4c19a1f3.oga"
    )


def test_location_has_a_maps_link_and_its_label() -> None:
    message = only_message("onmessage_location.json")
    assert message.type is MessageType.LOCATION
    assert message.body == "Via Roma 12\nMilano"
    assert message.media is not None
    assert message.media.url == "https://maps.google.com/?q=45.464211,9.191383"
    assert "body" not in message.raw


def test_vcard_body_is_the_contact_name() -> None:
    message = only_message("onmessage_vcard.json")
    assert message.type is MessageType.CONTACT
    assert message.body == "Luca Bianchi"
    assert "BEGIN:VCARD" in message.raw["body"]


def test_group_message_is_keyed_by_group_with_the_participant_as_author() -> None:
    message = only_message("onmessage_group.json")
    assert message.chat_id == "120363025123456789@g.us"
    assert message.author_id == "393491234500@c.us"
    assert message.sender_name == "Giulia Verdi"
    assert message.gateway_message_id.startswith("false_120363025123456789@g.us_3EB0ABC123")
    assert message.direction is Direction.INCOMING


def test_own_message_typed_on_the_phone_is_outgoing_to_the_customer() -> None:
    message = only_message("onmessage_fromme.json")
    assert message.direction is Direction.OUTGOING
    assert message.chat_id == CUSTOMER
    assert message.gateway_message_id == "true_393331234567@c.us_3EB04FCAA1527EB6D9DE"
    assert message.sender_name is None  # the business's own name must not rename the contact


def test_onselfmessage_is_outgoing() -> None:
    message = only_message("onselfmessage.json")
    assert message.direction is Direction.OUTGOING
    assert message.body == "Le mando il preventivo in giornata."


def test_unknown_message_type_is_kept_as_unsupported_with_raw() -> None:
    message = only_message("onmessage_poll.json")
    assert message.type is MessageType.UNSUPPORTED
    assert message.body == ""
    assert message.raw["pollName"] == "Quando preferite l'intervento?"


@pytest.mark.parametrize(
    ("name", "ignored"),
    [
        ("onmessage_status_broadcast.json", "status@broadcast"),
        ("onmessage_gp2.json", "onmessage:gp2"),
        ("onack_incoming.json", "onack:incoming"),
        ("incomingcall.json", "incomingcall"),
    ],
)
def test_irrelevant_events_are_ignored_by_name(name: str, ignored: str) -> None:
    parsed = parse(name)
    assert parsed.ignored == ignored
    assert parsed.is_empty


@pytest.mark.parametrize(
    ("name", "status", "error"),
    [
        ("onack_delivered.json", DeliveryStatus.DELIVERED, None),
        ("onack_read.json", DeliveryStatus.READ, None),
        ("onack_played.json", DeliveryStatus.READ, None),
        ("onack_failed.json", DeliveryStatus.FAILED, "ack -1 FAILED"),
    ],
)
def test_acks_of_our_messages_become_status_updates(
    name: str, status: DeliveryStatus, error: str | None
) -> None:
    parsed = parse(name)
    assert len(parsed.statuses) == 1
    update = parsed.statuses[0]
    assert update.gateway is Gateway.WPPCONNECT
    assert update.gateway_message_id == load(name)["id"]["_serialized"]
    assert update.status is status
    assert update.error == error
    assert update.timestamp == RECEIVED  # an ack carries no time of its own


@pytest.mark.parametrize(
    ("ack", "status"),
    [(0, DeliveryStatus.QUEUED), (1, DeliveryStatus.SENT), (-4, DeliveryStatus.FAILED)],
)
def test_ack_codes_map_to_delivery_status(ack: int, status: DeliveryStatus) -> None:
    body = load("onack_delivered.json") | {"ack": ack}
    assert parse_wppconnect(body).statuses[0].status is status


def test_ack_with_string_id_is_accepted() -> None:
    body = load("onack_read.json") | {"id": "true_393331234567@c.us_3EB0FFFF"}
    assert (
        parse_wppconnect(body).statuses[0].gateway_message_id == "true_393331234567@c.us_3EB0FFFF"
    )


@pytest.mark.parametrize(
    ("name", "chat_id", "typing", "moment"),
    [
        ("onpresencechanged_composing.json", CUSTOMER, True, (7, 41, 0, 123000)),
        ("onpresencechanged_available.json", CUSTOMER, False, (7, 41, 5, 456000)),
        ("onpresencechanged_group.json", "120363025123456789@g.us", True, (7, 41, 10, 789000)),
    ],
)
def test_presence_becomes_typing_or_not(
    name: str, chat_id: str, typing: bool, moment: tuple[int, int, int, int]
) -> None:
    (presence,) = parse(name).presences
    assert presence.chat_id == chat_id
    assert presence.typing is typing
    assert presence.timestamp == datetime(2024, 11, 25, *moment, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "state"),
    [
        ("status_find_inchat.json", ConnectionState.CONNECTED),
        ("status_find_disconnected.json", ConnectionState.DISCONNECTED),
        ("qrcode.json", ConnectionState.UNPAIRED),
        ("onstatechange_conflict.json", ConnectionState.CONFLICT),
    ],
)
def test_session_state_events_become_gateway_states(name: str, state: ConnectionState) -> None:
    (gateway_state,) = parse(name).states
    assert gateway_state.state == state
    assert gateway_state.account == "sportello"
    assert gateway_state.timestamp == RECEIVED
    assert "qrcode" not in gateway_state.raw  # the QR is a login secret


def test_the_qr_image_and_the_phone_code_travel_beside_raw_not_in_it() -> None:
    png = (
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9aw"
        "AAAABJRU5ErkJggg=="
    )
    (qr,) = parse_wppconnect(
        {"event": "qrcode", "session": "s", "qrcode": png, "urlcode": "2@x"}
    ).states
    assert qr.qr_png_base64 == png and "qrcode" not in qr.raw and "urlcode" not in qr.raw
    (odd,) = parse_wppconnect({"event": "qrcode", "session": "s", "qrcode": "<html>"}).states
    assert odd.qr_png_base64 is None and odd.state == ConnectionState.UNPAIRED
    body = {"event": "phoneCode", "session": "s", "phoneCode": "ABCD-1234", "phone": "3933"}
    (code,) = parse_wppconnect(body).states
    assert code.phone_code == "ABCD-1234" and code.state == ConnectionState.UNPAIRED
    assert "phoneCode" not in code.raw


@pytest.mark.parametrize("word", ["desconnectedMobile", "disconnectedMobile"])
def test_an_unlinked_phone_is_disconnected_in_either_spelling(word: str) -> None:
    body = {"event": "status-find", "session": "s", "status": word}
    assert parse_wppconnect(body).states[0].state == ConnectionState.DISCONNECTED


def test_unknown_status_find_word_is_unknown_not_an_error() -> None:
    body = {"event": "status-find", "session": "s", "status": "somethingNew"}
    assert parse_wppconnect(body).states[0].state == ConnectionState.UNKNOWN


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"id": None}, "missing_field", "'id'"),
        ({"id": 12}, "invalid_field", "'id'"),
        ({"from": None}, "missing_field", "'from'"),
        ({"from": ["x"]}, "invalid_field", "'from'"),
        ({"t": "yesterday"}, "invalid_field", "'t'"),
        ({"t": 10**16}, "invalid_timestamp", "'t'"),
        ({"fromMe": "no"}, "invalid_field", "'fromMe'"),
        ({"body": 42}, "invalid_field", "'body'"),
        ({"notifyName": "x" * 10_000}, "field_too_long", "'notifyName'"),
        ({"id": "false_" + "9" * 300}, "field_too_long", "'id'"),
        ({"from": "3" * 200 + "@c.us"}, "field_too_long", "'from'"),
        ({"session": "s" * 200}, "field_too_long", "'session'"),
        ({"body": "x" * 70_000}, "field_too_long", "'body'"),
    ],
)
def test_malformed_message_is_refused_naming_the_field(
    change: dict[str, Any], code: str, field: str
) -> None:
    body = load("onmessage_text.json") | change
    with pytest.raises(WebhookError) as caught:
        parse_wppconnect(body)
    assert caught.value.code == code
    assert field in caught.value.message
    assert caught.value.status in (400, 413, 422)


@pytest.mark.parametrize("body", [[], "onmessage", 3, None, {"session": "s"}, {"event": 5}])
def test_body_without_an_event_object_is_refused(body: object) -> None:
    with pytest.raises(WebhookError) as caught:
        parse_wppconnect(body)
    assert caught.value.status == 400


def test_ack_without_ack_code_is_refused() -> None:
    body = load("onack_read.json")
    del body["ack"]
    with pytest.raises(WebhookError, match="'ack'"):
        parse_wppconnect(body)


def test_deeply_nested_body_is_refused() -> None:
    nested: Any = "x"
    for _ in range(200):
        nested = {"a": nested}
    with pytest.raises(WebhookError) as caught:
        parse_wppconnect(load("onmessage_text.json") | {"extra": nested})
    assert caught.value.code == "too_deep"


def test_long_display_names_are_clipped_to_what_the_store_keeps() -> None:
    message = parse_wppconnect(load("onmessage_text.json") | {"notifyName": "N" * 600}).messages[0]
    assert message.sender_name == "N" * 255


def test_media_body_may_be_huge_base64_without_being_refused() -> None:
    # wppconnect-server's autoDownload puts the whole file, base64, in `body`.
    body = load("onmessage_image.json") | {"body": "A" * 900_000}
    message = parse_wppconnect(body).messages[0]
    assert message.body == "Ecco la foto del guasto"
    assert "body" not in message.raw
