"""The WPPConnect Server simulator behaves like the real one, through real HTTP.

Each test plays a story against `WppConnectSim` on loopback with a small webhook receiver
standing in for Sportello's server (or nothing listening, for a server that is down).
"""

from __future__ import annotations

import asyncio
import base64
import shutil
import socket
import subprocess
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.fakes.wppconnect_sim import STATUS_AUTOCLOSE, STATUS_UNLINKED, WppConnectSim
from tests.fakes.wppconnect_sim.media import THUMBNAIL_JPEG_B64
from tests.fakes.wppconnect_sim.samples import jpeg_photo, ogg_opus_voice

SECRET = "THISISMYSECURETOKEN"
SESSION = "ufficio"
CUSTOMER = "393471112222"
CUSTOMER_CHAT = f"{CUSTOMER}@c.us"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class Receiver:
    """A webhook endpoint that records what it got and answers `status`."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.bodies: list[dict[str, Any]] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _handle(self, request: web.Request) -> web.Response:
        self.bodies.append(await request.json())
        return web.json_response({"ok": self.status < 300}, status=self.status)

    async def start(self) -> Receiver:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/webhooks/wppconnect", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/webhooks/wppconnect"
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def events(self, name: str) -> list[dict[str, Any]]:
        return [b for b in self.bodies if b["event"] == name]


def unreachable_url() -> str:
    """A loopback address where nothing listens: our server is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/webhooks/wppconnect"


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = await Receiver().start()
    yield rec
    await rec.close()


def fast(**overrides: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "startup_delay": 0.01,
        "link_delay": 0.01,
        "ack_delay": 0.01,
        "deliver_delay": 0.03,
    }
    options.update(overrides)
    return options


async def token(http: aiohttp.ClientSession, sim: WppConnectSim, session: str = SESSION) -> str:
    async with http.post(f"{sim.url}/api/{session}/{SECRET}/generate-token") as response:
        assert response.status == 201
        return str((await response.json())["token"])


def answer_of(body: dict[str, Any]) -> dict[str, Any]:
    """The controller's answer without the `session` src/index.ts adds to JSON requests."""
    return {k: v for k, v in body.items() if k != "session"}


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


async def connected(sim: WppConnectSim, webhook: str) -> dict[str, str]:
    """A linked session whose webhook is `webhook`; the headers to call it."""
    await sim.link(SESSION, webhook=webhook)
    return sim.headers_for(SESSION)


# -- token and auth ---------------------------------------------------------------------


async def test_a_wrong_secret_key_is_a_400_and_the_right_one_a_201_token(
    http: aiohttp.ClientSession,
) -> None:
    async with WppConnectSim(**fast()) as sim:
        async with http.post(f"{sim.url}/api/{SESSION}/WRONG/generate-token") as response:
            assert response.status == 400
            assert await response.json() == {
                "response": False,
                "message": "The SECRET_KEY is incorrect",
            }
        async with http.post(f"{sim.url}/api/{SESSION}/{SECRET}/generate-token") as response:
            assert response.status == 201
            answer = await response.json()
        assert answer["status"] == "success" and answer["session"] == SESSION
        assert answer["token"].startswith("$2b$10$") and "/" not in answer["token"]
        assert answer["full"] == f"{SESSION}:{answer['token']}"


async def test_every_token_stays_valid_and_is_bound_to_its_session(
    http: aiohttp.ClientSession,
) -> None:
    async with WppConnectSim(**fast()) as sim:
        first, second = await token(http, sim), await token(http, sim)
        assert first != second  # a new salt every time
        url = f"{sim.url}/api/{SESSION}/status-session"
        for value in (first, second):
            async with http.get(url, headers=bearer(value)) as response:
                assert response.status == 200
                assert await response.json() == {"status": "CLOSED", "qrcode": None}
        # `S:T` in the path works without a header; any scheme word works in the header
        async with http.get(f"{sim.url}/api/{SESSION}:{first}/status-session") as response:
            assert response.status == 200
        async with http.get(url, headers={"Authorization": f"Token {first}"}) as response:
            assert response.status == 200
        other = await token(http, sim, "altra")
        async with http.get(url, headers=bearer(other)) as response:
            assert response.status == 401
            assert await response.json() == {
                "error": "Check that the Session and Token are correct"
            }


async def test_a_missing_token_and_a_wrong_one_are_two_different_401s(
    http: aiohttp.ClientSession,
) -> None:
    async with WppConnectSim(**fast()) as sim:
        url = f"{sim.url}/api/{SESSION}/send-message"
        not_present = {"message": "Token is not present. Check your header and try again"}
        # a JSON request's JSON answers get `session` added by src/index.ts ("" before auth)
        for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Bearer "}):
            async with http.post(url, json={}, headers=headers) as response:
                assert response.status == 401
                assert await response.json() == {**not_present, "session": ""}
        async with http.post(url, data=b"", headers=bearer("$2b$10$nope")) as response:
            assert response.status == 401
            assert await response.json() == {
                "error": "Check that the Session and Token are correct"
            }


# -- sessions ---------------------------------------------------------------------------


async def test_a_new_device_shows_a_qr_then_links_when_scanned(
    http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    async with WppConnectSim(**fast()) as sim:
        headers = bearer(await token(http, sim))
        api = f"{sim.url}/api/{SESSION}"
        body = {"webhook": receiver.url, "waitQrCode": True}
        async with http.post(f"{api}/start-session", json=body, headers=headers) as response:
            assert response.status == 200
            answer = await response.json()
        assert answer["status"] == "qrcode" and answer["session"] == SESSION
        assert not answer["qrcode"].startswith("data:")
        assert base64.b64decode(answer["qrcode"]).startswith(PNG_SIGNATURE)
        await sim.wait_for(lambda: len(receiver.bodies) >= 2)
        assert receiver.bodies[0] == {
            "event": "status-find",
            "session": SESSION,
            "status": "notLogged",
        }
        qr = receiver.events("qrcode")[0]
        assert qr["qrcode"] == answer["qrcode"] and qr["urlcode"] == answer["urlcode"]

        async with http.get(f"{api}/status-session", headers=headers) as response:
            state = await response.json()
        assert state["status"] == "QRCODE" and state["qrcode"].startswith("data:image/png;base64,")
        async with http.get(f"{api}/qrcode-session", headers=headers) as response:
            assert response.content_type == "image/png"
            assert (await response.read()).startswith(PNG_SIGNATURE)
        async with http.get(f"{api}/check-connection-session", headers=headers) as response:
            assert await response.json() == {"status": False, "message": "Disconnected"}

        sim.scan_qr(SESSION, phone_number="390612345678")
        await sim.wait_for(lambda: sim.session_status(SESSION) == "CONNECTED")
        await sim.settle()
        statuses = [b["status"] for b in receiver.events("status-find")]
        assert statuses == ["notLogged", "qrReadSuccess", "inChat"]
        assert sim.linked_phone(SESSION) == "390612345678"
        async with http.get(f"{api}/check-connection-session", headers=headers) as response:
            assert await response.json() == {"status": True, "message": "Connected"}
        async with http.get(f"{api}/status-session", headers=headers) as response:
            state = await response.json()
        assert state["status"] == "CONNECTED" and state["qrcode"] is not None  # urlcode stays

        # a second start-session changes nothing, not even the webhook
        other = unreachable_url()
        async with http.post(f"{api}/start-session", json={"webhook": other}, headers=headers) as r:
            assert (await r.json())["status"] == "CONNECTED"
        sim.customer_writes(SESSION, CUSTOMER, "Buongiorno")
        await sim.settle()
        assert {p.url for p in sim.webhook_posts} == {receiver.url}


async def test_start_session_without_wait_answers_closed_first(
    http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    async with WppConnectSim(**fast()) as sim:
        headers = bearer(await token(http, sim))
        url = f"{sim.url}/api/{SESSION}/start-session"
        async with http.post(url, json={"webhook": receiver.url}, headers=headers) as response:
            assert response.status == 200
            assert answer_of(await response.json()) == {"status": "CLOSED", "qrcode": None}
        await sim.wait_for(lambda: sim.session_status(SESSION) == "QRCODE")
        async with http.post(url, json={"webhook": receiver.url}, headers=headers) as response:
            answer = await response.json()
        assert answer["status"] == "QRCODE" and answer["version"] == "2.10.4"


async def test_an_unscanned_qr_closes_the_session_and_forgets_it(
    http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    async with WppConnectSim(qr_timeout=0.6, qr_refresh=0.1, **fast()) as sim:
        headers = bearer(await token(http, sim))
        api = f"{sim.url}/api/{SESSION}"
        async with http.post(
            f"{api}/start-session", json={"webhook": receiver.url}, headers=headers
        ):
            pass
        await sim.wait_for(
            lambda: any(b.get("status") == STATUS_AUTOCLOSE for b in receiver.bodies)
        )
        urlcodes = [b["urlcode"] for b in receiver.events("qrcode")]
        assert len(urlcodes) >= 2 and len(set(urlcodes)) == len(urlcodes)  # a new QR each time
        assert sim.session_status(SESSION) is None
        async with http.get(f"{api}/status-session", headers=headers) as response:
            assert await response.json() == {"status": "CLOSED", "qrcode": None}
        async with http.post(f"{api}/send-message", json={}, headers=headers) as response:
            assert response.status == 404
            assert (await response.json())["status"] == "Disconnected"
        scanned_late = pytest.raises(RuntimeError)
        with scanned_late:
            sim.scan_qr(SESSION)


async def test_a_linked_session_restarts_without_a_qr_and_an_unlinked_one_needs_a_new_one(
    http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    async with WppConnectSim(**fast()) as sim:
        headers = await connected(sim, receiver.url)
        api = f"{sim.url}/api/{SESSION}"
        async with http.post(f"{api}/close-session", json={}, headers=headers) as response:
            assert answer_of(await response.json()) == {
                "status": True,
                "message": "Session successfully closed",
            }
        await sim.settle()
        assert receiver.events("closesession")[0]["connected"] is False
        async with http.get(f"{api}/status-session", headers=headers) as response:
            assert (await response.json())["status"] == "CLOSED"

        receiver.bodies.clear()
        async with http.post(
            f"{api}/start-session", json={"webhook": receiver.url}, headers=headers
        ):
            pass
        await sim.wait_for(lambda: sim.session_status(SESSION) == "CONNECTED")
        await sim.settle()
        assert [b["status"] for b in receiver.events("status-find")] == ["isLogged", "inChat"]
        assert receiver.events("qrcode") == []

        receiver.bodies.clear()
        sim.unlink_phone(SESSION)
        await sim.settle()
        assert receiver.bodies == [
            {"event": "status-find", "session": SESSION, "status": STATUS_UNLINKED}
        ]
        assert sim.session_status(SESSION) is None
        async with http.post(
            f"{api}/start-session", json={"webhook": receiver.url}, headers=headers
        ):
            pass
        await sim.wait_for(lambda: sim.session_status(SESSION) == "QRCODE")


async def test_a_restarted_gateway_keeps_the_session_webhook(receiver: Receiver) -> None:
    async with WppConnectSim(**fast()) as sim:
        await connected(sim, receiver.url)
        sim.restart_gateway()
        assert sim.session_status(SESSION) == "INITIALIZING"
        await sim.wait_for(lambda: sim.session_status(SESSION) == "CONNECTED")
        sim.customer_writes(SESSION, CUSTOMER, "Ci siete?")
        await sim.settle()
        assert receiver.events("onmessage")[0]["body"] == "Ci siete?"


async def test_get_phone_number_names_the_linked_device_and_needs_a_live_session(
    http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    async with WppConnectSim(**fast()) as sim:
        headers = sim.headers_for(SESSION)
        url = f"{sim.url}/api/{SESSION}/get-phone-number"
        async with http.get(url, headers=headers) as response:
            assert response.status == 404
            assert (await response.json())["status"] == "Disconnected"
        await sim.link(SESSION, webhook=receiver.url, phone_number="393330001111")
        async with http.get(url, headers=headers) as response:
            assert response.status == 200
            assert await response.json() == {
                "status": "success",
                "response": "393330001111@c.us",
                "mapper": "device",
            }


# -- webhooks ---------------------------------------------------------------------------


async def test_webhooks_to_a_server_that_is_down_are_tried_once_and_read_back_finds_all(
    http: aiohttp.ClientSession,
) -> None:
    async with WppConnectSim(**fast()) as sim:
        headers = await connected(sim, unreachable_url())
        sent = [sim.customer_writes(SESSION, CUSTOMER, f"messaggio {i}") for i in range(3)]
        await sim.settle()
        await asyncio.sleep(0.1)  # nothing retries later either
        failed = [p for p in sim.webhook_posts if p.event == "onmessage"]
        assert len(failed) == 3 and all(p.status is None and p.error for p in failed)
        assert sim.seen == []  # no 2xx, no read receipt

        api = f"{sim.url}/api/{SESSION}"
        async with http.get(f"{api}/get-messages/{CUSTOMER_CHAT}?count=-1", headers=headers) as r:
            assert r.status == 200
            messages = (await r.json())["response"]
        assert [m["id"] for m in messages] == [m["id"] for m in sent]
        assert messages[0]["from"] == CUSTOMER_CHAT and messages[0]["fromMe"] is False
        async with http.post(f"{api}/list-chats", json={}, headers=headers) as response:
            chats = await response.json()
        assert isinstance(chats, list)  # a bare array
        assert chats[0]["id"]["_serialized"] == CUSTOMER_CHAT and chats[0]["unreadCount"] == 3
        async with http.get(f"{api}/all-chats-with-messages", headers=headers) as response:
            listed = (await response.json())["response"]
        assert listed[0]["id"]["_serialized"] == CUSTOMER_CHAT and listed[0]["msgs"] is None
        async with http.get(f"{api}/all-unread-messages", headers=headers) as response:
            unread = (await response.json())["response"]
        assert [m["body"] for m in unread] == ["messaggio 0", "messaggio 1", "messaggio 2"]


async def test_read_message_sends_seen_only_after_a_2xx_answer(receiver: Receiver) -> None:
    async with WppConnectSim(**fast()) as sim:
        await connected(sim, receiver.url)
        receiver.status = 500
        sim.customer_writes(SESSION, CUSTOMER, "primo")
        await sim.settle()
        assert sim.seen == [] and sim.unread_count(SESSION, CUSTOMER) == 1

        receiver.status = 200
        sim.customer_writes(SESSION, CUSTOMER, "secondo")
        await sim.settle()
        assert [(s.chat_id, s.reason) for s in sim.seen] == [(CUSTOMER_CHAT, "readMessage")]
        assert sim.unread_count(SESSION, CUSTOMER) == 0
        # the customer's messages turn read: onack 3 with fromMe false
        incoming_acks = [b for b in receiver.events("onack") if b["id"]["fromMe"] is False]
        assert {b["ack"] for b in incoming_acks} == {3} and len(incoming_acks) == 2


async def test_with_read_message_off_nothing_is_marked_read(
    http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    async with WppConnectSim(read_message=False, **fast()) as sim:
        headers = await connected(sim, receiver.url)
        sim.customer_writes(SESSION, CUSTOMER, "c'è un guasto")
        await sim.settle()
        assert sim.seen == []
        body = {"phone": CUSTOMER}
        async with http.post(f"{sim.url}/api/{SESSION}/send-seen", json=body, headers=headers) as r:
            assert r.status == 201
            answer = await r.json()
        assert answer["status"] == "Success"
        assert answer["response"]["contact"] == [CUSTOMER_CHAT]
        assert answer["response"]["data"][0]["unreadCount"] == 1
        assert [(s.chat_id, s.reason) for s in sim.seen] == [(CUSTOMER_CHAT, "route")]


async def test_auto_download_posts_the_whole_file_and_read_back_keeps_a_thumbnail(
    http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    photo = jpeg_photo(160, 120)
    voice = ogg_opus_voice(1.5)
    async with WppConnectSim(**fast()) as sim:
        headers = await connected(sim, receiver.url)
        stored_photo = sim.customer_sends_media(
            SESSION, CUSTOMER, "image", photo, "image/jpeg", caption="la caldaia"
        )
        stored_voice = sim.customer_sends_media(
            SESSION, CUSTOMER, "ptt", voice, "audio/ogg; codecs=opus", duration=2
        )
        await sim.settle()
        posted = {b["id"]: b for b in receiver.events("onmessage")}
        assert base64.b64decode(posted[stored_photo["id"]]["body"]) == photo
        assert base64.b64decode(posted[stored_voice["id"]]["body"]) == voice
        assert posted[stored_photo["id"]]["caption"] == "la caldaia"
        assert posted[stored_voice["id"]]["mimetype"] == "audio/ogg; codecs=opus"
        assert stored_photo["body"] == THUMBNAIL_JPEG_B64 and stored_photo["size"] == len(photo)

        api = f"{sim.url}/api/{SESSION}"
        async with http.get(f"{api}/get-messages/{CUSTOMER_CHAT}", headers=headers) as response:
            read_back = (await response.json())["response"]
        assert read_back[0]["body"] == THUMBNAIL_JPEG_B64 and read_back[1]["body"] == ""
        body = {"messageId": stored_voice["id"]}
        async with http.post(f"{api}/download-media", json=body, headers=headers) as response:
            media = await response.json()
        assert base64.b64decode(media["base64"]) == voice
        assert media["mimetype"] == "audio/ogg; codecs=opus"
        async with http.get(
            f"{api}/get-media-by-message/{stored_photo['id']}", headers=headers
        ) as r:
            assert base64.b64decode((await r.json())["base64"]) == photo
        text = sim.customer_writes(SESSION, CUSTOMER, "solo testo")
        async with http.post(
            f"{api}/download-media", json={"messageId": text["id"]}, headers=headers
        ) as r:
            assert r.status == 400
            assert (await r.json())["message"] == "Message does not contain media"


async def test_without_auto_download_the_webhook_carries_the_thumbnail(receiver: Receiver) -> None:
    async with WppConnectSim(auto_download=False, **fast()) as sim:
        await connected(sim, receiver.url)
        sim.customer_sends_media(
            SESSION, CUSTOMER, "document", b"%PDF-1.4 x", "application/pdf", "a.pdf"
        )
        await sim.settle()
        posted = receiver.events("onmessage")[0]
        assert posted["body"] == THUMBNAIL_JPEG_B64 and posted["filename"] == "a.pdf"


# -- sending ----------------------------------------------------------------------------


async def test_a_sent_message_is_answered_201_and_acked_later(
    http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    async with WppConnectSim(**fast()) as sim:
        headers = await connected(sim, receiver.url)
        body = {"phone": CUSTOMER, "message": "Arriviamo domani alle 9."}
        async with http.post(
            f"{sim.url}/api/{SESSION}/send-message", json=body, headers=headers
        ) as r:
            assert r.status == 201
            answer = await r.json()
        assert answer["status"] == "success" and answer["mapper"] == "return"
        message = answer["response"][0]
        assert message["id"].startswith(f"true_{CUSTOMER_CHAT}_")
        assert message["fromMe"] is True and message["to"] == CUSTOMER_CHAT and message["ack"] == 1
        assert answer["session"] == SESSION  # added by src/index.ts for a JSON request
        await sim.wait_for(lambda: len(receiver.events("onack")) >= 2)
        acks = receiver.events("onack")
        assert sorted(a["ack"] for a in acks) == [1, 2]
        assert acks[0]["id"] == {
            "fromMe": True,
            "remote": CUSTOMER_CHAT,
            "id": message["id"].rsplit("_", 1)[1],
            "_serialized": message["id"],
        }
        sim.customer_reads(SESSION, CUSTOMER)
        await sim.settle()
        assert receiver.events("onack")[-1]["ack"] == 3
        assert [(s.chat_id, s.message_id) for s in sim.sent] == [(CUSTOMER_CHAT, message["id"])]
        assert [s.reason for s in sim.seen] == ["send"]  # wa-js marks the chat read first


async def test_send_errors_answer_as_wppconnect_does(http: aiohttp.ClientSession) -> None:
    async with WppConnectSim(**fast()) as sim:
        headers = sim.headers_for(SESSION)
        api = f"{sim.url}/api/{SESSION}"
        async with http.post(f"{api}/send-message", json={"phone": CUSTOMER}, headers=headers) as r:
            assert r.status == 404
            assert await r.json() == {
                "response": None,
                "status": "Disconnected",
                "message": "A sessão do WhatsApp não está ativa.",
                "session": SESSION,
            }
        await sim.link(SESSION, webhook=unreachable_url())
        sim.unknown_numbers.add("393330000000")
        body = {"phone": "393330000000", "message": "x", "options": {"markIsRead": False}}
        async with http.post(f"{api}/send-message", json=body, headers=headers) as r:
            assert r.status == 400
            assert (await r.json())["message"] == "O número 393330000000 não existe."
        async with http.post(
            f"{api}/send-file-base64", json={"phone": CUSTOMER}, headers=headers
        ) as r:
            assert r.status == 401
            assert (await r.json())["message"] == "Sending the file is mandatory"
        raw = {"phone": CUSTOMER, "base64": base64.b64encode(b"no prefix").decode()}
        async with http.post(f"{api}/send-file-base64", json=raw, headers=headers) as r:
            assert r.status == 500
            assert (await r.json())["error"] == {"code": "empty_file"}
        file = {
            "phone": CUSTOMER,
            "base64": "data:application/pdf;base64," + base64.b64encode(b"%PDF").decode(),
            "filename": "preventivo.pdf",
            "options": {"markIsRead": False},
        }
        async with http.post(f"{api}/send-file-base64", json=file, headers=headers) as r:
            assert r.status == 201
            result = (await r.json())["response"][0]
        assert set(result) == {"ack", "id", "sendMsgResult"}
        assert sim.sent[0].media is not None and sim.sent[0].media.filename == "preventivo.pdf"
        assert sim.seen == []


async def test_a_send_while_the_phone_is_offline_waits_for_it(
    http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    async with WppConnectSim(offline_send_timeout=0.2, **fast()) as sim:
        headers = await connected(sim, receiver.url)
        sim.phone_offline(SESSION)
        api = f"{sim.url}/api/{SESSION}"
        async with http.get(f"{api}/check-connection-session", headers=headers) as response:
            assert (await response.json())["status"] is True  # still "Connected"
        body = {"phone": CUSTOMER, "message": "ci sei?"}
        async with http.post(f"{api}/send-message", json=body, headers=headers) as response:
            assert response.status == 500
        sim.customer_writes(SESSION, CUSTOMER, "in coda")
        await sim.settle()
        assert receiver.events("onmessage") == [] and receiver.events("onack") == []
        sim.phone_offline(SESSION, offline=False)
        await sim.wait_for(lambda: len(receiver.events("onmessage")) == 1)
        await sim.wait_for(lambda: any(a["ack"] == 1 for a in receiver.events("onack")))


# -- reading back -----------------------------------------------------------------------


async def test_get_messages_pages_like_wa_js(http: aiohttp.ClientSession) -> None:
    async with WppConnectSim(**fast()) as sim:
        headers = await connected(sim, unreachable_url())
        ids = []
        for i in range(5):
            if i % 2:
                ids.append(sim.phone_types(SESSION, CUSTOMER, f"risposta {i}")["id"])
            else:
                ids.append(sim.customer_writes(SESSION, CUSTOMER, f"domanda {i}")["id"])
        url = f"{sim.url}/api/{SESSION}/get-messages/{CUSTOMER_CHAT}"

        async def page(query: str) -> list[str]:
            async with http.get(f"{url}?{query}", headers=headers) as response:
                assert response.status == 200, await response.text()
                return [m["id"] for m in (await response.json())["response"]]

        assert await page("") == ids  # count 20, oldest first
        assert await page("count=2") == ids[3:]  # the anchor (last message) and one before
        assert await page("count=-1") == ids
        assert await page(f"count=2&direction=before&id={ids[3]}") == ids[1:3]
        assert await page(f"count=2&direction=after&id={ids[1]}") == ids[2:4]
        assert await page(f"count=10&direction=after&id={ids[4]}") == []
        async with http.get(
            f"{sim.url}/api/{SESSION}/get-messages/390000000000@c.us", headers=headers
        ) as response:
            assert response.status == 401
            assert (await response.json())["response"] == "Error on open list"
        # messages typed on the phone were never posted: they exist only here
        assert all(p.body.get("id") not in ids[1::2] for p in sim.webhook_posts)


def test_the_simulator_runs_on_its_own_thread_for_sync_tests() -> None:
    with WppConnectSim.start_in_thread(**fast()) as sim:
        request = urllib.request.Request(
            f"{sim.url}/api/{SESSION}/{SECRET}/generate-token", method="POST"
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 201
        sim.run(sim.link(SESSION))
        sim.customer_writes(SESSION, CUSTOMER, "dal thread")
        assert sim.chat_messages(SESSION, CUSTOMER)[0]["body"] == "dal thread"
        assert sim.session_status(SESSION) == "CONNECTED"


def test_sample_media_are_real_files(tmp_path: Path) -> None:
    assert jpeg_photo(32, 24)[:3] == b"\xff\xd8\xff"
    voice = ogg_opus_voice(1.0, packet_bytes=200)
    assert voice.startswith(b"OggS") and b"OpusHead" in voice[:64]
    opusinfo = shutil.which("opusinfo")
    if opusinfo is None:
        pytest.skip("opusinfo (opus-tools) not installed: only the header was checked")
    path = tmp_path / "voice.ogg"
    path.write_bytes(voice)
    checked = subprocess.run([opusinfo, str(path)], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0 and "Playback length: 0m:00.9" in checked.stdout
