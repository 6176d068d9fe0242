"""The stand-in seed back end (node/seed_server.js) checked point by point against
../shared/SEED_BACKEND.md: a test double kinder than the real seed would hide our bugs.

Each test names the line of that page it checks. Where the seed answers nothing, the test
sends a second event that is answered and that the seed handles after the first one (one
socket's events are handled in order): when its answer arrives, the first had its chance.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import socketio

from tests.interop.interop_node import SeedServer, wppconnect_message
from tests.interop.interop_sportello import PyClient
from tests.support.sportello_server import http_json

ClientFactory = Callable[..., Awaitable[PyClient]]
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
UNREAD_FIELDS = {"id", "phoneNumber", "message", "timestamp", "type", "senderName"}
ADMIN, SUPER_ADMIN, PROFESSIONAL = SeedServer.ADMIN, SeedServer.SUPER_ADMIN, SeedServer.PROFESSIONAL


async def signed_in(py_client: ClientFactory, seed: SeedServer, user_id: str) -> PyClient:
    """A socket that sent `authenticate {userId}` and got its `authenticated`."""
    client = await py_client(seed.url, transports=["websocket"])
    await client.emit("authenticate", {"userId": user_id})
    await client.wait_for("authenticated")
    return client


def names(client: PyClient, start: int = 0) -> list[str]:
    return [name for name, _ in client.events[start:]]


def row(i: int, **fields: Any) -> dict[str, Any]:
    moment = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=i)
    base = {
        "id": f"row_{i:03d}",
        "phoneNumber": "393331234567",
        "message": f"messaggio {i}",
        "type": "chat",
        "senderName": "Mario Rossi",
        "timestamp": moment.isoformat(),
    }
    return base | fields


# ---- authenticate {userId} ------------------------------------------------------------------


async def test_authenticate_sends_unread_first_then_authenticated_without_user_or_cursor(
    seed_server: SeedServer, py_client: ClientFactory
) -> None:
    client = await py_client(seed_server.url, transports=["websocket"])
    await client.emit("authenticate", {"userId": ADMIN[0]})

    authenticated = await client.wait_for("authenticated")
    assert authenticated == {"success": True}  # no `user`, no `cursor`
    assert names(client) == ["unreadMessages", "authenticated"]
    unread = client.events[0][1]
    assert unread["count"] == len(unread["messages"]) == 2
    assert all(set(m) == UNREAD_FIELDS for m in unread["messages"])
    assert {m["type"] for m in unread["messages"]} == {"chat"}  # WPPConnect's word for text
    assert all(ISO_UTC.match(m["timestamp"]) for m in unread["messages"])
    stamps = [m["timestamp"] for m in unread["messages"]]
    assert stamps == sorted(stamps, reverse=True)  # newest first


async def test_any_truthy_user_id_is_accepted_without_a_token(
    seed_server: SeedServer, py_client: ClientFactory
) -> None:
    client = await py_client(seed_server.url, transports=["websocket"])  # no auth at all
    await client.emit("authenticate", {"userId": "no-such-user"})
    assert await client.wait_for("authenticated") == {"success": True}
    numeric = await py_client(seed_server.url, transports=["websocket"])
    await numeric.emit("authenticate", {"userId": 7})
    assert await numeric.wait_for("authenticated") == {"success": True}


@pytest.mark.parametrize("payload", [{}, {"userId": ""}, {"userId": 0}, {"userId": None}])
async def test_authenticate_with_a_falsy_user_id_gets_no_answer_at_all(
    seed_server: SeedServer, py_client: ClientFactory, payload: dict[str, Any]
) -> None:
    client = await py_client(seed_server.url, transports=["websocket"])
    await client.emit("authenticate", payload)
    await client.emit("authenticate", {"userId": ADMIN[0]})  # handled after the first
    await client.wait_for("authenticated")
    assert names(client) == ["unreadMessages", "authenticated"]  # one answer: the second's


async def test_authenticate_without_a_payload_fails_in_the_seed_and_says_success_false(
    seed_server: SeedServer, py_client: ClientFactory
) -> None:
    # `const { userId } = data` on undefined throws; the seed's catch answers success: false.
    client = await py_client(seed_server.url, transports=["websocket"])
    await client.sio.emit("authenticate", namespace="/whatsapp")
    assert await client.wait_for("authenticated") == {"success": False}


async def test_unread_messages_is_not_sent_when_there_is_none(
    seed_server: SeedServer, py_client: ClientFactory
) -> None:
    assert await seed_server.set_unread_async([]) == 0
    client = await signed_in(py_client, seed_server, ADMIN[0])
    assert names(client) == ["authenticated"]


async def test_unread_is_incoming_not_read_last_seven_days_newest_fifty(
    seed_server: SeedServer, py_client: ClientFactory
) -> None:
    old = (datetime.now(UTC) - timedelta(days=8)).isoformat()
    rows = [row(i) for i in range(60)] + [
        row(100, direction="outgoing"),
        row(101, status="READ"),
        row(102, createdAt=old),
    ]
    assert await seed_server.set_unread_async(rows) == 50
    client = await signed_in(py_client, seed_server, ADMIN[0])
    unread = client.events[0][1]
    assert unread["count"] == 50  # the list's length, not the total of 60
    assert [m["id"] for m in unread["messages"]] == [f"row_{i:03d}" for i in range(59, 9, -1)]


# ---- newMessage and messageUpdate ------------------------------------------------------------


async def test_new_message_goes_only_to_admin_rooms_with_the_seeds_exact_payload(
    seed_server: SeedServer, py_client: ClientFactory
) -> None:
    admin = await signed_in(py_client, seed_server, ADMIN[0])
    super_admin = await signed_in(py_client, seed_server, SUPER_ADMIN[0])
    professional = await signed_in(py_client, seed_server, PROFESSIONAL[0])
    stranger = await signed_in(py_client, seed_server, "999")
    anonymous = await py_client(seed_server.url, transports=["websocket"])
    text = "Buongiorno, la caldaia è in blocco: può venire già oggi? Grazie mille 🙏🔥"
    marks = {c: c.mark() for c in (admin, super_admin, professional, stranger, anonymous)}

    sent = await seed_server.incoming_async(
        wppconnect_message(text, name="Niccolò D'Alessandro", timestamp=1_715_000_000)
    )

    assert sent["recipients"] == 2 and sent["everyone"] == 5
    expected = {
        "id": sent["id"],
        "from": "393331234567@c.us",
        "phoneNumber": "393331234567",
        "message": text,
        "timestamp": "2024-05-06T12:53:20.000Z",
        "type": "chat",
        "isGroup": False,
        "senderName": "Niccolò D'Alessandro",
    }
    for client in (admin, super_admin):
        new = await client.wait_for("newMessage", start=marks[client])
        assert new == expected | {
            "notification": {
                "title": "📱 Nuovo messaggio WhatsApp",
                "body": f"Da Niccolò D'Alessandro: {text[:50]}...",
                "icon": "whatsapp",
                "sound": True,
            }
        }
        assert isinstance(new["id"], str) and new["notification"]["sound"] is True
        update = await client.wait_for("messageUpdate", start=marks[client])
        assert update == {"type": "new", "message": expected}
        assert names(client, marks[client]) == ["newMessage", "messageUpdate"]
    for client in (professional, stranger, anonymous):
        update = await client.wait_for("messageUpdate", start=marks[client])
        assert update == {"type": "new", "message": expected}
        assert names(client, marks[client]) == ["messageUpdate"]  # no newMessage for them


@pytest.mark.parametrize(
    "kind", ["chat", "ptt", "image", "video", "document", "location", "vcard", "sticker"]
)
async def test_message_type_is_wppconnects_word(
    seed_server: SeedServer, py_client: ClientFactory, kind: str
) -> None:
    admin = await signed_in(py_client, seed_server, ADMIN[0])
    await seed_server.incoming_async(wppconnect_message("", kind=kind, caption="didascalia"))
    new = await admin.wait_for("newMessage")
    assert new["type"] == kind
    assert new["message"] == "didascalia"  # body, else caption
    if kind in ("ptt", "image", "video", "document", "sticker"):  # WPPConnect's isMedia
        assert new["media"] == {"type": kind, "caption": "didascalia"}  # url undefined: absent
    else:
        assert "media" not in new


# ---- markAsRead {messageId, userId} ----------------------------------------------------------


async def test_mark_as_read_is_never_acked_and_message_read_goes_to_everyone(
    seed_server: SeedServer, py_client: ClientFactory
) -> None:
    reader = await signed_in(py_client, seed_server, ADMIN[0])
    colleague = await signed_in(py_client, seed_server, SUPER_ADMIN[0])
    anonymous = await py_client(seed_server.url, transports=["websocket"])

    with pytest.raises(socketio.exceptions.TimeoutError):
        # readBy is whatever the payload says, not who the socket authenticated as.
        await reader.call("markAsRead", {"messageId": "seed_msg_1", "userId": "12"}, timeout=1.0)

    for client in (reader, colleague, anonymous):
        read = await client.wait_for("messageRead")
        assert set(read) == {"messageId", "readBy", "timestamp"}
        assert read["messageId"] == "seed_msg_1" and read["readBy"] == "12"
        assert ISO_UTC.match(read["timestamp"])
    latecomer = await signed_in(py_client, seed_server, ADMIN[0])
    assert [m["id"] for m in latecomer.events[0][1]["messages"]] == ["seed_msg_2"]


async def test_mark_as_read_without_user_id_reads_by_nobody(
    seed_server: SeedServer, py_client: ClientFactory
) -> None:
    reader = await signed_in(py_client, seed_server, ADMIN[0])
    await reader.emit("markAsRead", {"messageId": "seed_msg_1"})
    read = await reader.wait_for("messageRead")
    assert "readBy" not in read  # `readBy: undefined` is dropped by JSON


async def test_mark_as_read_of_an_unknown_message_emits_nothing(
    seed_server: SeedServer, py_client: ClientFactory
) -> None:
    reader = await signed_in(py_client, seed_server, ADMIN[0])
    await reader.emit("markAsRead", {"messageId": "no-such-row", "userId": "7"})
    await reader.emit("markAsRead", {"messageId": "seed_msg_2", "userId": "7"})
    await reader.wait_for("messageRead")
    reads = [data for name, data in reader.events if name == "messageRead"]
    assert [r["messageId"] for r in reads] == ["seed_msg_2"]


# ---- typing / stopTyping {to, userId} --------------------------------------------------------


async def test_typing_goes_only_to_the_room_of_the_user_id_in_to(
    seed_server: SeedServer, py_client: ClientFactory
) -> None:
    typist = await signed_in(py_client, seed_server, ADMIN[0])
    addressee = await signed_in(py_client, seed_server, SUPER_ADMIN[0])
    bystander = await signed_in(py_client, seed_server, PROFESSIONAL[0])
    start = {c: c.mark() for c in (typist, addressee, bystander)}

    await typist.emit("typing", {"to": "393331234567", "userId": "7"})  # a phone: nobody
    await typist.emit("typing", {"to": "12", "userId": "7", "conversationId": "c-1"})
    await typist.emit("stopTyping", {"to": "12", "userId": "7"})
    await typist.emit("typing", {"to": "21", "userId": "7"})  # the bystander's own: a barrier

    typing = await addressee.wait_for("userTyping", start=start[addressee])
    assert set(typing) == {"from", "timestamp"}  # no conversationId, whatever we sent
    assert typing["from"] == "7" and ISO_UTC.match(typing["timestamp"])
    assert await addressee.wait_for("userStoppedTyping") == {"from": "7"}
    await bystander.wait_for("userTyping", start=start[bystander])
    assert names(bystander, start[bystander]) == ["userTyping"]  # only the one sent to 21
    assert names(addressee, start[addressee]) == ["userTyping", "userStoppedTyping"]
    assert names(typist, start[typist]) == []  # never echoed to the sender


async def test_typing_from_is_the_user_id_of_the_payload_even_when_missing(
    seed_server: SeedServer, py_client: ClientFactory
) -> None:
    typist = await signed_in(py_client, seed_server, ADMIN[0])
    addressee = await signed_in(py_client, seed_server, SUPER_ADMIN[0])
    await typist.emit("stopTyping", {"to": "12"})
    assert await addressee.wait_for("userStoppedTyping") == {}  # from: undefined


# ---- the other seed events -------------------------------------------------------------------


async def test_message_status_update_goes_to_every_socket(
    seed_server: SeedServer, py_client: ClientFactory
) -> None:
    anonymous = await py_client(seed_server.url, transports=["websocket"])
    await seed_server.message_status_async("seed_msg_1", "delivered")
    update = await anonymous.wait_for("messageStatusUpdate")
    assert set(update) == {"messageId", "status", "timestamp"}
    assert update["messageId"] == "seed_msg_1" and update["status"] == "delivered"


@pytest.mark.parametrize(
    ("event", "data"),
    [
        ("sync", {"since": 0}),
        ("sendMessage", {"clientId": "c1", "to": "393331234567", "body": "Arriviamo alle 15"}),
        ("updateTicket", {"ticketId": "1", "status": "IN_PROGRESS"}),
    ],
)
async def test_events_the_seed_lacks_are_never_acked(
    seed_server: SeedServer, py_client: ClientFactory, event: str, data: dict[str, Any]
) -> None:
    client = await signed_in(py_client, seed_server, ADMIN[0])
    with pytest.raises(socketio.exceptions.TimeoutError):
        await client.call(event, data, timeout=1.0)
    assert client.sio.connected  # ignored, not a reason to disconnect


# ---- HTTP ------------------------------------------------------------------------------------


def post_login(seed: SeedServer, body: dict[str, Any]) -> tuple[int, Any]:
    return http_json("POST", f"{seed.url}/api/auth/login", body)


def test_login_answers_the_response_formatter_shape_with_user_and_tokens(
    seed_server: SeedServer,
) -> None:
    status, body = post_login(seed_server, {"email": ADMIN[1], "password": ADMIN[2]})
    assert status == 200
    assert set(body) == {"success", "message", "data", "metadata", "timestamp"}
    assert body["success"] is True and body["message"] == "Login successful"
    user = body["data"]["User"]
    assert user["id"] == ADMIN[0] and user["email"] == ADMIN[1] and user["role"] == "ADMIN"
    assert set(body["data"]) == {"User", "accessToken", "refreshToken"}
    assert body["data"]["accessToken"].count(".") == 2  # a JWT


def test_login_of_a_two_factor_user_without_code_asks_for_it(seed_server: SeedServer) -> None:
    _, email, password = SeedServer.TWO_FACTOR
    status, body = post_login(seed_server, {"email": email, "password": password})
    assert status == 200
    assert body["success"] is True and body["data"] == {"requiresTwoFactor": True}
    status, body = post_login(
        seed_server, {"email": email, "password": password, "twoFactorCode": "000000"}
    )
    assert status == 401 and body["error"]["code"] == "INVALID_2FA_CODE"
    code = SeedServer.TWO_FACTOR_CODE
    status, body = post_login(
        seed_server, {"email": email, "password": password, "twoFactorCode": code}
    )
    assert status == 200 and body["data"]["User"]["id"] == SeedServer.TWO_FACTOR[0]


@pytest.mark.parametrize(
    "body",
    [
        {"email": ADMIN[1], "password": "wrong"},
        {"email": "nobody@assistenza.example", "password": "x"},
    ],
)
def test_wrong_credentials_are_401_invalid_credentials(
    seed_server: SeedServer, body: dict[str, Any]
) -> None:
    status, answer = post_login(seed_server, body)
    assert status == 401
    assert answer["success"] is False and answer["error"]["code"] == "INVALID_CREDENTIALS"
    assert answer["message"] == "Email or password is incorrect"


def test_a_locked_account_is_423_account_locked(seed_server: SeedServer) -> None:
    status, answer = post_login(
        seed_server, {"email": SeedServer.LOCKED[1], "password": SeedServer.LOCKED[2]}
    )
    assert status == 423 and answer["error"]["code"] == "ACCOUNT_LOCKED"


def test_five_wrong_passwords_lock_the_account(seed_server: SeedServer) -> None:
    for _ in range(5):
        assert post_login(seed_server, {"email": PROFESSIONAL[1], "password": "no"})[0] == 401
    status, answer = post_login(
        seed_server, {"email": PROFESSIONAL[1], "password": PROFESSIONAL[2]}
    )
    assert status == 423 and answer["error"]["code"] == "ACCOUNT_LOCKED"


def test_a_username_that_is_not_an_email_is_a_validation_error(seed_server: SeedServer) -> None:
    status, answer = post_login(seed_server, {"username": "giulia", "password": ADMIN[2]})
    assert status == 400 and answer["error"] == "Validation error"


def test_messages_list_and_send_route_need_the_bearer_token(seed_server: SeedServer) -> None:
    _, login = post_login(seed_server, {"email": ADMIN[1], "password": ADMIN[2]})
    bearer = {"Authorization": f"Bearer {login['data']['accessToken']}"}

    status, body = http_json(
        "GET", f"{seed_server.url}/api/whatsapp/messages?limit=1&offset=0", headers=bearer
    )
    assert status == 200 and body["success"] is True
    assert [m["id"] for m in body["data"]["data"]] == ["seed_msg_2"]  # newest first
    assert body["data"]["pagination"]["total"] == 2
    status, body = http_json("GET", f"{seed_server.url}/api/whatsapp/messages")
    assert status == 401 and body["error"]["code"] == "NO_TOKEN"
    status, body = http_json(
        "GET",
        f"{seed_server.url}/api/whatsapp/messages",
        headers={"Authorization": "Bearer not.a.jwt"},
    )
    assert status == 401 and body["error"]["code"] == "INVALID_TOKEN"
    sending = {"recipient": "393331234567", "message": "Arriviamo"}
    status, body = http_json("POST", f"{seed_server.url}/api/whatsapp/send", sending, bearer)
    assert status == 503 and body["success"] is False


def test_logout_answers_success_and_the_token_stays_valid(seed_server: SeedServer) -> None:
    _, login = post_login(seed_server, {"email": ADMIN[1], "password": ADMIN[2]})
    bearer = {"Authorization": f"Bearer {login['data']['accessToken']}"}
    status, body = http_json("POST", f"{seed_server.url}/api/auth/logout", {}, bearer)
    assert status == 200 and body["success"] is True and body["data"] is None
    status, _ = http_json("GET", f"{seed_server.url}/api/whatsapp/messages", headers=bearer)
    assert status == 200  # stateless JWTs: nothing was revoked


def test_the_seed_has_none_of_our_rest_api(seed_server: SeedServer) -> None:
    for path in ("/health", "/api/conversations", "/api/tickets", "/api/unread"):
        status, _ = http_json("GET", f"{seed_server.url}{path}")
        assert status == 404, path
