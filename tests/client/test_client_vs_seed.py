"""The client core against the legacy seed back end (the Node stand-in): live events only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from interop_node import SeedServer

from conftest import record, wait_until
from sportello.client import (
    ConnectionState,
    FeatureUnavailable,
    ProtocolProfile,
    SportelloClient,
)
from sportello.client.changes import IncomingMessage, ProfileChanged, TypingStarted
from sportello.domain.values import DeliveryStatus

pytestmark = pytest.mark.timeout(90)

MakeClient = Callable[..., SportelloClient]
MARIO = "+393331234567"  # the seed's "393331234567", as the client keys conversations


def seed_message(mid: str, text: str, phone: str = "393331234567") -> dict[str, object]:
    return {
        "id": mid, "from": f"{phone}@c.us", "phoneNumber": phone, "message": text,
        "timestamp": "2024-05-06T09:00:00.000Z", "type": "text", "isGroup": False,
        "senderName": "Mario Rossi",
        "notification": {"title": "Mario Rossi", "body": text, "icon": "", "sound": "default"},
    }  # fmt: skip


async def online_seed_client(seed: SeedServer, make_client: MakeClient) -> SportelloClient:
    client = make_client(seed.url, token="", user_id="7")
    await client.start()
    await wait_until(lambda: client.protocol_profile is ProtocolProfile.SEED, "seed profile")
    await wait_until(lambda: len(client.state.conversations) == 2, "the seed's unread messages")
    return client


async def test_seed_profile_is_detected_and_missing_features_are_listed(
    seed: SeedServer, make_client: MakeClient
) -> None:
    client = make_client(seed.url, token="", user_id="7")
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


async def test_unread_comes_from_the_seeds_unread_messages(
    seed: SeedServer, make_client: MakeClient
) -> None:
    client = await online_seed_client(seed, make_client)
    assert [c.unread_count for c in client.state.conversations] == [1, 1]
    mario = client.state.conversation(MARIO)
    assert mario is not None and mario.title == "Mario Rossi"


async def test_live_message_applied_once_even_if_emitted_twice(
    seed: SeedServer, make_client: MakeClient
) -> None:
    client = await online_seed_client(seed, make_client)
    changes = record(client)
    await seed.emit_async("newMessage", seed_message("seed_live_1", "Ancora nessuno?"))
    await seed.emit_async("newMessage", seed_message("seed_live_1", "Ancora nessuno?"))
    await wait_until(lambda: client.state.conversations[0].last_preview == "Ancora nessuno?",
                     "the live message")  # fmt: skip
    await seed.emit_async("newMessage", seed_message("seed_live_2", "Pronto?"))
    await wait_until(lambda: client.state.conversations[0].last_preview == "Pronto?", "the next")
    announced = [c.message.id for c in changes if isinstance(c, IncomingMessage)]
    assert announced == ["seed_live_1", "seed_live_2"]
    assert client.state.conversation(MARIO).unread_count == 3  # type: ignore[union-attr]


async def test_mark_read_sends_read_receipts_and_clears_unread(
    seed: SeedServer, make_client: MakeClient
) -> None:
    client = await online_seed_client(seed, make_client)
    await seed.emit_async("newMessage", seed_message("seed_live_1", "C'è qualcuno?"))
    await wait_until(lambda: client.state.conversation(MARIO).unread_count == 2,  # type: ignore[union-attr]
                     "two unread for Mario")  # fmt: skip
    await client.open_thread(MARIO)
    await client.mark_read(MARIO)
    await wait_until(lambda: client.state.conversation(MARIO).unread_count == 0,  # type: ignore[union-attr]
                     "the seed's messageRead")  # fmt: skip
    for message_id in ("seed_msg_1", "seed_live_1"):  # one markAsRead each: the seed's way
        await seed.wait_for_recv_async("markAsRead", lambda d, m=message_id: d["messageId"] == m)
    assert all(m.status is DeliveryStatus.READ for m in client.state.thread)


async def test_customer_typing_shows_and_stops(seed: SeedServer, make_client: MakeClient) -> None:
    client = await online_seed_client(seed, make_client)
    changes = record(client)
    typing = {"from": "393331234567", "timestamp": "2024-05-06T09:00:00Z", "conversationId": None}
    await seed.emit_async("userTyping", typing)
    await wait_until(lambda: client.state.conversation(MARIO).typing, "typing")  # type: ignore[union-attr]
    assert next(c for c in changes if isinstance(c, TypingStarted)).conversation_id == MARIO
    await seed.emit_async("userStoppedTyping", {"from": "393331234567", "conversationId": None})
    await wait_until(lambda: not client.state.conversation(MARIO).typing, "stopped")  # type: ignore[union-attr]


async def test_typing_from_the_console_reaches_the_seed(
    seed: SeedServer, make_client: MakeClient
) -> None:
    client = await online_seed_client(seed, make_client)
    await client.typing(MARIO)
    record_ = await seed.wait_for_recv_async("typing")
    assert record_["data"]["conversationId"] == MARIO
