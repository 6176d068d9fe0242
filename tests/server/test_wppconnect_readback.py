"""The read-back client reads a WPPConnect session's history the way the routes answer it,
against the strict simulator (tests/fakes/wppconnect_sim) through real HTTP."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from sportello.server.gateways.wppconnect_readback import (
    ReadbackError,
    WppReadback,
    message_id,
)
from tests.fakes.wppconnect_sim import WppConnectSim
from tests.fakes.wppconnect_sim.samples import jpeg_photo

SESSION = "ufficio"
CUSTOMER = "393471112222"
FAST = {"startup_delay": 0.01, "link_delay": 0.01, "ack_delay": 0.01, "deliver_delay": 0.03}


def nowhere() -> str:
    """A webhook URL where nothing listens: our server is down, every post fails."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/webhooks/wppconnect"


@pytest.fixture
async def sim() -> AsyncIterator[WppConnectSim]:
    async with WppConnectSim(read_message=False, **FAST) as running:
        await running.link(SESSION, webhook=nowhere())
        yield running


def readback(sim: WppConnectSim, http: aiohttp.ClientSession, **options: Any) -> WppReadback:
    token = sim.token_for(SESSION)
    return WppReadback(sim.url, SESSION, lambda: token, http, **options)


async def test_messages_since_pages_back_from_the_end_to_the_given_time(
    sim: WppConnectSim, http: aiohttp.ClientSession
) -> None:
    sim.set_time(1_800_000_000)
    sim.customer_writes(SESSION, CUSTOMER, "vecchio")
    for n in range(30):
        sim.set_time(1_800_000_100 + n)
        sim.customer_writes(SESSION, CUSTOMER, f"nuovo {n}")
    client = readback(sim, http, page_size=7)

    messages = await client.messages_since(f"{CUSTOMER}@c.us", 1_800_000_100)

    assert [m["body"] for m in messages] == [f"nuovo {n}" for n in range(30)]
    # 30 messages from the end, 7 a page: five pages, the last one reaching "vecchio"
    assert client.requests == 5


async def test_chats_name_every_chat_with_its_last_activity(
    sim: WppConnectSim, http: aiohttp.ClientSession
) -> None:
    sim.set_time(1_800_000_000)
    sim.customer_writes(SESSION, CUSTOMER, "ciao")
    sim.set_time(1_800_000_050)
    sim.phone_types(SESSION, "393470000001", "Buongiorno, la richiamo io")

    chats = {chat.chat_id: chat.t for chat in await readback(sim, http).chats()}

    assert chats == {f"{CUSTOMER}@c.us": 1_800_000_000, "393470000001@c.us": 1_800_000_050}


async def test_an_unknown_chat_has_nothing_to_read_back(
    sim: WppConnectSim, http: aiohttp.ClientSession
) -> None:
    assert await readback(sim, http).messages_since("390000000000@c.us", 0) == []


async def test_a_wrong_token_and_a_closed_session_stop_the_round(
    sim: WppConnectSim, http: aiohttp.ClientSession
) -> None:
    wrong = WppReadback(sim.url, SESSION, lambda: "not-a-token", http)
    with pytest.raises(ReadbackError, match="refused the token"):
        await wrong.chats()
    sim.unlink_phone(SESSION)
    await sim.wait_for(lambda: sim.session_status(SESSION) is None)
    with pytest.raises(ReadbackError, match="not connected"):
        await readback(sim, http).chats()
    no_token = WppReadback(sim.url, SESSION, lambda: None, http)
    with pytest.raises(ReadbackError, match="no WPPConnect token"):
        await no_token.chats()


async def test_a_gateway_that_is_not_there_is_a_readback_error(
    http: aiohttp.ClientSession,
) -> None:
    base = nowhere().removesuffix("/webhooks/wppconnect")
    with pytest.raises(ReadbackError, match="unreachable"):
        await WppReadback(base, SESSION, lambda: "t", http).chats()


async def test_media_bytes_for_a_read_back_photo_are_the_file_itself(
    sim: WppConnectSim, http: aiohttp.ClientSession
) -> None:
    photo = jpeg_photo(seed=3)
    sent = sim.customer_sends_media(SESSION, CUSTOMER, "image", photo, "image/jpeg")
    client = readback(sim, http)
    [message] = await client.messages_since(f"{CUSTOMER}@c.us", 0)
    assert message_id(message) == sent["id"]
    assert len(message["body"]) < len(photo)  # read-back carries the thumbnail only

    download = await client.media_bytes_for(sent["id"])

    assert download is not None
    assert download.data == photo and download.mimetype == "image/jpeg"
    sim.forget_media(sent["id"])
    assert await client.media_bytes_for(sent["id"]) is None
