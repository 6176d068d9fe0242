"""Wire parsers on the seed's shapes (../shared/SEED_BACKEND.md) and on ours beside them."""

from __future__ import annotations

from typing import Any

import pytest

from sportello.client.errors import ServerRejected, TwoFactorRequired
from sportello.client.records import Message
from sportello.client.rest import _login_result, _server_error
from sportello.client.wire import TypingEvent, parse_message, parse_typing
from sportello.domain.values import MessageType


def seed_new_message(**fields: Any) -> dict[str, Any]:
    base = {
        "id": "cm1a0001",
        "from": "393331234567@c.us",
        "phoneNumber": "393331234567",
        "message": "Buongiorno",
        "timestamp": "2026-05-06T09:15:42.000Z",
        "type": "chat",
        "isGroup": False,
        "senderName": "Mario Rossi",
        "notification": {
            "title": "📱 Nuovo messaggio WhatsApp",
            "body": "Da Mario Rossi: …",
            "icon": "whatsapp",
            "sound": True,
        },
    }
    return base | fields


def parsed(data: dict[str, Any]) -> Message:
    message = parse_message(data, "newMessage")
    assert isinstance(message, Message), message
    return message


@pytest.mark.parametrize(
    ("word", "ours"),
    [
        ("chat", MessageType.TEXT),
        ("ptt", MessageType.AUDIO),
        ("audio", MessageType.AUDIO),
        ("image", MessageType.IMAGE),
        ("video", MessageType.VIDEO),
        ("document", MessageType.DOCUMENT),
        ("location", MessageType.LOCATION),
        ("vcard", MessageType.CONTACT),
        ("multi_vcard", MessageType.CONTACT),
        ("sticker", MessageType.STICKER),
        ("text", MessageType.TEXT),
        ("CHAT", MessageType.TEXT),
    ],
)
def test_wppconnect_type_words_are_our_types(word: str, ours: MessageType) -> None:
    assert parsed(seed_new_message(type=word)).type is ours


def test_a_word_nobody_knows_stays_as_it_came() -> None:
    assert parsed(seed_new_message(type="poll_creation")).type == "poll_creation"


def test_seed_media_type_word_is_mapped_too() -> None:
    media = {"type": "ptt", "url": "https://media.example.invalid/a.ogg"}
    message = parsed(seed_new_message(type="ptt", media=media))
    assert message.media is not None and message.media.type == "audio"


def test_the_seeds_boolean_sound_names_no_chime() -> None:
    hint = parsed(seed_new_message()).notification
    assert hint is not None and hint.sound is None and hint.icon == "whatsapp"


def test_our_sound_name_is_read_from_sound_name_and_from_older_events() -> None:
    ours = {"title": "Mario", "body": "x", "icon": "whatsapp", "sound": True, "soundName": "urgent"}
    assert parsed(seed_new_message(notification=ours)).notification.sound == "urgent"  # type: ignore[union-attr]
    stored_before = {"title": "Mario", "body": "x", "icon": "whatsapp", "sound": "message"}
    assert parsed(seed_new_message(notification=stored_before)).notification.sound == "message"  # type: ignore[union-attr]


def test_seed_typing_without_conversation_is_an_operator_ours_with_a_phone_a_customer() -> None:
    assert parse_typing({"from": "12", "timestamp": "2026-05-06T09:00:00.000Z"}, "userTyping") == (
        TypingEvent(None, "12")
    )
    customer = parse_typing({"from": "+393331234567", "conversationId": None}, "userTyping")
    assert customer == TypingEvent("+393331234567", "+393331234567")
    ours = parse_typing({"from": "3", "conversationId": "41"}, "userTyping")
    assert ours == TypingEvent("41", "3")


def test_login_answers_of_both_servers() -> None:
    ours = _login_result({"token": "t0k", "user": {"id": 3, "name": "giulia", "role": "admin"}})
    assert (ours.token, ours.user.id, ours.user.name) == ("t0k", "3", "giulia")
    seed = _login_result(
        {
            "success": True,
            "message": "Login successful",
            "metadata": None,
            "data": {
                "User": {
                    "id": "7",
                    "email": "g@x.example",
                    "fullName": "Giulia Verdi",
                    "role": "ADMIN",
                },
                "accessToken": "a.b.c",
                "refreshToken": "d.e.f",
            },
        }
    )
    assert (seed.token, seed.user.id, seed.user.name) == ("a.b.c", "7", "Giulia Verdi")
    with pytest.raises(TwoFactorRequired):
        _login_result({"success": True, "data": {"requiresTwoFactor": True}})
    with pytest.raises(ServerRejected):
        _login_result({"success": True, "data": {"User": {"id": "7"}}})


def test_seed_error_bodies_give_a_snake_case_code_and_the_message() -> None:
    body = {
        "success": False,
        "message": "Too many failed login attempts. Please try again later.",
        "error": {"code": "ACCOUNT_LOCKED", "details": None},
    }
    assert _server_error(423, body) == (
        "account_locked",
        "Too many failed login attempts. Please try again later.",
    )
    assert _server_error(401, {"error": {"code": "bad_credentials", "message": "wrong"}}) == (
        "bad_credentials",
        "wrong",
    )


def test_the_seeds_validation_error_names_its_fields() -> None:
    body = {
        "error": "Validation error",
        "message": "Invalid request body",
        "errors": [{"field": "email", "message": "Required"}],
    }
    assert _server_error(400, body) == ("validation_error", "Validation error (email)")
