"""The client core against the legacy seed back end (the strict Node stand-in, which behaves
as the seed's code does: ../shared/SEED_BACKEND.md, checked in tests/interop/test_seed_standin.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from sportello.client import (
    ClientError,
    ConnectionState,
    FeatureUnavailable,
    ProtocolProfile,
    SportelloClient,
)
from sportello.client.api import login
from sportello.client.changes import IncomingMessage, OperatorsTypingChanged, ProfileChanged
from sportello.client.errors import BadCredentials, NoAnswer, ServerRejected, TwoFactorRequired
from sportello.domain.values import DeliveryStatus, MessageType
from tests.client.client_harness import record, wait_until
from tests.interop.interop_node import SeedServer, wppconnect_message
from tests.interop.interop_sportello import PyClient

pytestmark = pytest.mark.timeout(90)

MakeClient = Callable[..., SportelloClient]
MARIO = "+393331234567"  # the seed's "393331234567", as the client keys conversations
ME, COLLEAGUE = SeedServer.ADMIN[0], SeedServer.SUPER_ADMIN[0]


async def online_seed_client(
    seed: SeedServer, make_client: MakeClient, user_id: str = ME
) -> SportelloClient:
    client = make_client(seed.url, token="", user_id=user_id)
    await client.start()
    await wait_until(lambda: client.protocol_profile is ProtocolProfile.SEED, "seed profile")
    await wait_until(lambda: len(client.state.conversations) == 2, "the seed's unread messages")
    return client


@pytest.fixture
async def colleague(seed: SeedServer) -> AsyncIterator[PyClient]:
    """Another operator of the seed (user 12) on a raw socket, signed in the seed's way."""
    other = PyClient(seed.url, transports=["websocket"])
    await other.connect()
    await other.emit("authenticate", {"userId": COLLEAGUE})
    await other.wait_for("authenticated")
    try:
        yield other
    finally:
        await other.close()


async def test_seed_profile_is_detected_and_missing_features_are_listed(
    seed: SeedServer, make_client: MakeClient
) -> None:
    client = make_client(seed.url, token="", user_id=ME)
    changes = record(client)
    await client.start()
    await wait_until(lambda: client.protocol_profile is ProtocolProfile.SEED, "seed profile")
    assert client.connection_state is ConnectionState.ONLINE
    profile = [c for c in changes if isinstance(c, ProfileChanged)][-1]
    keys = {feature.key for feature in profile.missing}
    assert {"history_sync", "sending", "ticket_edits", "search"} <= keys
    assert all(feature.italian and feature.english for feature in profile.missing)
    with pytest.raises(FeatureUnavailable):
        await client.send_message(MARIO, "Arriviamo")


async def test_unread_comes_from_the_seeds_unread_messages_and_text_is_text(
    seed: SeedServer, make_client: MakeClient
) -> None:
    client = await online_seed_client(seed, make_client)
    assert [c.unread_count for c in client.state.conversations] == [1, 1]
    mario = client.state.conversation(MARIO)
    assert mario is not None and mario.title == "Mario Rossi"
    assert mario.last_preview == "Buongiorno, la caldaia è in blocco da stamattina"
    await client.open_thread(MARIO)
    assert [m.type for m in client.state.thread] == [MessageType.TEXT]  # the seed said "chat"


@pytest.mark.parametrize(
    ("word", "ours"),
    [
        ("chat", MessageType.TEXT),
        ("ptt", MessageType.AUDIO),
        ("image", MessageType.IMAGE),
        ("video", MessageType.VIDEO),
        ("document", MessageType.DOCUMENT),
        ("location", MessageType.LOCATION),
        ("vcard", MessageType.CONTACT),
        ("sticker", MessageType.STICKER),
    ],
)
async def test_wppconnect_type_words_become_our_types(
    seed: SeedServer, make_client: MakeClient, word: str, ours: MessageType
) -> None:
    client = await online_seed_client(seed, make_client)
    changes = record(client)
    sent = await seed.incoming_async(wppconnect_message("Ecco", kind=word))
    await wait_until(lambda: any(isinstance(c, IncomingMessage) for c in changes), "the message")
    message = next(c.message for c in changes if isinstance(c, IncomingMessage))
    assert message.id == sent["id"] and message.type is ours
    if message.media is not None:
        assert message.media.type == ours.value


async def test_new_message_and_its_message_update_count_once(
    seed: SeedServer, make_client: MakeClient
) -> None:
    client = await online_seed_client(seed, make_client)
    changes = record(client)
    first = await seed.incoming_async(wppconnect_message("Ancora nessuno?"))
    await wait_until(
        lambda: client.state.conversations[0].last_preview == "Ancora nessuno?", "the live message"
    )
    second = await seed.incoming_async(wppconnect_message("Pronto?"))
    await wait_until(lambda: client.state.conversations[0].last_preview == "Pronto?", "the next")
    announced = [c.message.id for c in changes if isinstance(c, IncomingMessage)]
    assert announced == [first["id"], second["id"]]  # each came as newMessage + messageUpdate
    assert client.state.conversation(MARIO).unread_count == 3  # type: ignore[union-attr]
    notification = next(c.message.notification for c in changes if isinstance(c, IncomingMessage))
    assert notification is not None and notification.title == "📱 Nuovo messaggio WhatsApp"
    assert notification.sound is None  # the seed's `sound: true` names no chime


async def test_an_operator_who_gets_only_message_update_still_sees_the_message(
    seed: SeedServer, make_client: MakeClient
) -> None:
    client = await online_seed_client(seed, make_client, user_id=SeedServer.PROFESSIONAL[0])
    changes = record(client)
    sent = await seed.incoming_async(wppconnect_message("C'è qualcuno?"))
    await wait_until(lambda: any(isinstance(c, IncomingMessage) for c in changes), "the message")
    assert [c.message.id for c in changes if isinstance(c, IncomingMessage)] == [sent["id"]]
    assert client.state.conversation(MARIO).last_preview == "C'è qualcuno?"  # type: ignore[union-attr]


async def test_mark_read_never_waits_for_an_ack_and_says_who_read(
    seed: SeedServer, make_client: MakeClient
) -> None:
    client = await online_seed_client(seed, make_client)
    sent = await seed.incoming_async(wppconnect_message("C'è qualcuno?"))
    await wait_until(
        lambda: client.state.conversation(MARIO).unread_count == 2,  # type: ignore[union-attr]
        "two unread for Mario",
    )
    await client.open_thread(MARIO)

    await client.mark_read(MARIO)  # the seed never acks: this must not wait for one

    await wait_until(
        lambda: client.state.conversation(MARIO).unread_count == 0,  # type: ignore[union-attr]
        "the seed's messageRead",
    )
    for message_id in ("seed_msg_1", sent["id"]):  # one markAsRead each: the seed's way
        got = await seed.wait_for_recv_async(
            "markAsRead", lambda d, m=message_id: d["messageId"] == m
        )
        assert got["data"] == {"messageId": message_id, "userId": ME} and got["ack"] is False
    assert all(m.status is DeliveryStatus.READ for m in client.state.thread)
    await client.mark_read(MARIO)  # and again, later: nothing is wedged


async def test_an_ack_that_never_comes_is_a_client_error(
    seed: SeedServer, make_client: MakeClient
) -> None:
    client = await online_seed_client(seed, make_client)
    with pytest.raises(ClientError) as caught:
        await client.connection.call("updateTicket", {"ticketId": "1"}, 0.5)
    assert isinstance(caught.value, NoAnswer)
    assert "updateTicket" in str(caught.value)


async def test_typing_from_the_console_goes_to_colleagues_user_ids(
    seed: SeedServer, make_client: MakeClient, colleague: PyClient
) -> None:
    client = await online_seed_client(seed, make_client)
    # The client learns who its colleagues are from what the seed tells everyone.
    await colleague.emit("markAsRead", {"messageId": "seed_msg_2", "userId": COLLEAGUE})
    await wait_until(lambda: COLLEAGUE in client.session.colleagues, "colleague 12 known")  # type: ignore[union-attr]
    start = seed.mark()

    await client.typing(MARIO)
    await client.stop_typing(MARIO)

    typing = await colleague.wait_for("userTyping")
    assert typing["from"] == ME
    assert await colleague.wait_for("userStoppedTyping") == {"from": ME}
    sent = await seed.wait_for_recv_async("typing", start=start)
    assert sent["data"] == {"to": COLLEAGUE, "userId": ME}  # a user id, not a phone


async def test_seed_typing_without_conversation_shows_an_operator_typing(
    seed: SeedServer, make_client: MakeClient, colleague: PyClient
) -> None:
    client = await online_seed_client(seed, make_client)
    changes = record(client)

    await colleague.emit("typing", {"to": ME, "userId": COLLEAGUE})
    await wait_until(lambda: client.state.operators_typing == {COLLEAGUE}, "operator 12 typing")
    await colleague.emit("stopTyping", {"to": ME, "userId": COLLEAGUE})
    await wait_until(lambda: not client.state.operators_typing, "operator 12 stopped")

    typing = [c.who for c in changes if isinstance(c, OperatorsTypingChanged)]
    assert typing == [(COLLEAGUE,), ()]
    assert all(not c.typing for c in client.state.conversations)  # in no conversation
    assert COLLEAGUE in client.session.colleagues  # type: ignore[union-attr]


# ---- signing in ----------------------------------------------------------------------------


async def test_login_with_email_and_password_gets_the_token_and_the_seed_user_id(
    seed: SeedServer,
) -> None:
    _, email, password = SeedServer.ADMIN
    result = await login(seed.url, email, password)
    assert result.user.id == ME and result.token.count(".") == 2
    assert result.user.role == "ADMIN"


async def test_login_asks_for_the_two_factor_code_when_the_seed_wants_one(
    seed: SeedServer,
) -> None:
    user_id, email, password = SeedServer.TWO_FACTOR
    with pytest.raises(TwoFactorRequired):
        await login(seed.url, email, password)
    with pytest.raises(BadCredentials):
        await login(seed.url, email, password, two_factor_code="000000")
    result = await login(seed.url, email, password, two_factor_code=SeedServer.TWO_FACTOR_CODE)
    assert result.user.id == user_id


async def test_login_refusals_of_the_seed_are_client_errors(seed: SeedServer) -> None:
    with pytest.raises(BadCredentials):
        await login(seed.url, SeedServer.ADMIN[1], "wrong")
    with pytest.raises(ServerRejected) as locked:
        await login(seed.url, SeedServer.LOCKED[1], SeedServer.LOCKED[2])
    assert locked.value.code == "account_locked"


async def test_a_username_that_is_not_an_email_is_told_to_use_the_email(seed: SeedServer) -> None:
    with pytest.raises(ServerRejected) as refused:
        await login(seed.url, "giulia", SeedServer.ADMIN[2])
    assert refused.value.code == "email_required"
    assert "email address" in str(refused.value)
