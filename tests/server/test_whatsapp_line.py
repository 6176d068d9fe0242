"""The WhatsApp line on a real `sportello server` process against the WPPConnect simulator:
the server makes its own token from the secret key, starts the session with its own
webhook, shows admins the QR code (REST and `gatewayLine`), follows the scan, the unlink
and a new start; replies it cannot send are refused at once; blue ticks only after an
operator read the conversation (the simulator configured as the docs tell the admin:
`readMessage` off). One simulator and one server for the module, in story order.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.fakes.wppconnect_sim import WppConnectSim
from tests.server.server_harness import connect_operator
from tests.support.ports import free_port
from tests.support.sportello_server import (
    WEBHOOK_SECRET,
    Operator,
    OurServer,
    create_operator,
    http_json,
    server_module_missing,
)

SECRET_KEY = "chiave-segreta-DI-prova-7f3a"
SESSION = "ufficio"
OFFICE_PHONE = "393330001111"
CUSTOMER = "393471112222"
PNG = b"\x89PNG\r\n\x1a\n"

pytestmark = pytest.mark.skipif(server_module_missing(), reason="no server")


class Desk:
    """The simulator, our server and its two operators (an admin and a colleague)."""

    def __init__(self, sim: WppConnectSim, server: OurServer, admin: Operator, marco: Operator):
        self.sim, self.server, self.admin, self.marco = sim, server, admin, marco

    def headers(self, who: Operator) -> dict[str, str]:
        return {"Authorization": f"Bearer {who.token}"}

    async def line(self, http: aiohttp.ClientSession, who: Operator | None = None) -> Any:
        url = f"{self.server.url}/api/gateway/line"
        async with http.get(url, headers=self.headers(who or self.admin)) as response:
            return response.status, await response.json()

    async def start(
        self, http: aiohttp.ClientSession, who: Operator | None = None, body: Any = None
    ) -> Any:
        url = f"{self.server.url}/api/gateway/line/start"
        async with http.post(url, headers=self.headers(who or self.admin), json=body) as response:
            return response.status, await response.json()

    def log_text(self) -> str:
        return "\n".join(self.server.stderr_lines)


def start_server(
    tmp: Path, sim: WppConnectSim, secret_key: str
) -> tuple[OurServer, Operator, Operator]:
    db_url = f"sqlite:///{tmp / 'line.db'}"
    admin = create_operator(db_url, "anna", role="admin")
    marco = create_operator(db_url, "marco")
    port = free_port()
    server = OurServer(
        db_url,
        extra_args=[
            "--wppconnect-url",
            sim.url,
            "--wppconnect-session",
            SESSION,
            "--public-url",
            f"http://127.0.0.1:{port}",
            "--gateway-poll-interval",
            "0.5",
            "--wppconnect-restart-interval",
            "3600",
        ],
        port=port,
        # The secret key is never on the command line (ps shows it to every user).
        extra_env={"SPORTELLO_WPPCONNECT_SECRET_KEY": secret_key},
    )
    server.wait_healthy()
    return server, admin, marco


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    sim = WppConnectSim.start_in_thread(
        secret_key=SECRET_KEY,
        read_message=False,  # what the docs tell the admin to configure
        qr_timeout=600.0,
        qr_refresh=600.0,
        startup_delay=0.01,
        link_delay=0.01,
        ack_delay=0.01,
    )
    try:
        server, admin, marco = start_server(tmp_path_factory.mktemp("line"), sim, SECRET_KEY)
        try:
            yield Desk(sim, server, admin, marco)
        finally:
            server.stop_gracefully()
    finally:
        sim.stop()


async def until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def line_in(desk: Desk, http: aiohttp.ClientSession, state: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while True:
        status, body = await desk.line(http)
        assert status == 200, body
        if body["line"]["state"] == state or time.monotonic() > deadline:
            assert body["line"]["state"] == state, body
            line: dict[str, Any] = body["line"]
            return line
        await asyncio.sleep(0.05)


def png_of(data_url: str) -> bytes:
    assert data_url.startswith("data:image/png;base64,")
    return base64.b64decode(data_url.removeprefix("data:image/png;base64,"))


# -- the story, in order ------------------------------------------------------------------


async def test_an_admin_sees_the_qr_code_and_the_scan_links_the_line(
    desk: Desk, http: aiohttp.ClientSession
) -> None:
    line = await line_in(desk, http, "QRCODE")
    assert png_of(line["qr"]).startswith(PNG)
    assert line["session"] == SESSION and line["gateway"] == "wppconnect"
    assert line["phone"] is None and line["phoneCode"] is None and line["at"].endswith("Z")
    assert "Linked devices" in line["detail"]
    # the session posts to us, its secret as the URL token
    webhook = desk.sim._gateway.clients[SESSION].config["webhook"]
    assert webhook == f"{desk.server.url}/webhooks/wppconnect?token={WEBHOOK_SECRET}"

    status, refused = await desk.line(http, desk.marco)
    assert status == 403 and refused["error"]["code"] == "forbidden"
    status, refused = await desk.start(http, desk.marco)
    assert status == 403 and refused["error"]["code"] == "forbidden"

    admin = await connect_operator(desk.server, desk.admin)
    marco = await connect_operator(desk.server, desk.marco)
    try:
        state = await admin.call("deskState")
        assert state["line"]["state"] == "QRCODE" and state["line"]["qr"] == line["qr"]
        assert state["canSend"]["wppconnect"]["code"] == "line_not_linked"
        assert "line" not in await marco.call("deskState")

        desk.sim.scan_qr(SESSION, phone_number=OFFICE_PHONE)

        linked = await admin.wait_for(
            "gatewayLine", lambda g: g["state"] == "CONNECTED" and g["phone"] == OFFICE_PHONE
        )
        assert linked["qr"] is None and OFFICE_PHONE in linked["detail"]
        await marco.wait_for("gatewayState", lambda g: g["state"] == "CONNECTED")
        assert marco.named("gatewayLine") == []  # the QR code is for admins only
        line = await line_in(desk, http, "CONNECTED")
        assert line["phone"] == OFFICE_PHONE
        assert (await marco.call("deskState"))["canSend"]["wppconnect"]["ok"] is True
        status, busy = await desk.start(http)
        assert status == 409 and busy["error"]["code"] == "line_connected"
    finally:
        await admin.close()
        await marco.close()


async def test_blue_ticks_only_after_an_operator_reads_and_replies_never_mark_read(
    desk: Desk, http: aiohttp.ClientSession
) -> None:
    marco = await connect_operator(desk.server, desk.marco)
    try:
        desk.sim.customer_writes(SESSION, CUSTOMER, "Buongiorno, la caldaia perde acqua")
        message = await marco.wait_for("newMessage", lambda m: m["direction"] == "incoming")
        reply = await marco.call(
            "sendMessage",
            {
                "clientId": "r-1",
                "conversationId": message["conversationId"],
                "body": "Arriviamo alle 15",
            },
        )
        assert reply["ok"] is True, reply
        await marco.wait_for(
            "messageStatusUpdate",
            lambda u: u["messageId"] == reply["message"]["id"] and u["status"] == "sent",
        )
        assert [m.body for m in desk.sim.sent] == ["Arriviamo alle 15"]
        assert desk.sim.seen == []  # neither the webhook nor our reply marked it read

        read = await marco.call("markAsRead", {"messageId": message["id"]})
        assert read == {"ok": True}

        await until(lambda: len(desk.sim.seen) >= 1)
        (seen,) = desk.sim.seen
        assert seen.reason == "route" and seen.chat_id == f"{CUSTOMER}@c.us"
        again = await marco.call("markAsRead", {"messageId": message["id"]})
        assert again == {"ok": True}
        await asyncio.sleep(0.3)
        assert len(desk.sim.seen) == 1  # nothing new became read: no second receipt
    finally:
        await marco.close()


async def test_an_unlinked_phone_closes_the_line_and_a_new_start_shows_a_new_qr_code(
    desk: Desk, http: aiohttp.ClientSession
) -> None:
    first_qr = desk.sim._gateway.clients[SESSION].urlcode
    admin = await connect_operator(desk.server, desk.admin)
    marco = await connect_operator(desk.server, desk.marco)
    try:
        desk.sim.unlink_phone(SESSION)

        closed = await admin.wait_for("gatewayLine", lambda g: g["state"] == "CLOSED")
        assert closed["phone"] is None and "removed this linked device" in closed["detail"]
        conversation = (await desk.line(http))[1]  # REST says the same
        assert conversation["line"]["state"] == "CLOSED"
        started = time.monotonic()
        refused = await marco.call(
            "sendMessage", {"clientId": "r-unlinked", "to": CUSTOMER, "body": "Ci siete?"}
        )
        assert time.monotonic() - started < 2  # at once, not after the outbox's retries
        assert refused["ok"] is False and refused["code"] == "line_not_linked"
        assert "not linked" in refused["error"]["message"]

        status, answer = await desk.start(http)

        assert status == 200 and answer["ok"] is True
        assert answer["line"]["state"] in ("STARTING", "QRCODE")
        fresh = await admin.wait_for("gatewayLine", lambda g: g["state"] == "QRCODE")
        assert png_of(fresh["qr"]).startswith(PNG)
        assert desk.sim._gateway.clients[SESSION].urlcode != first_qr
        assert (await marco.call("deskState"))["canSend"]["wppconnect"]["code"] == (
            "line_not_linked"
        )
        status, bad = await desk.start(http, body={"phone": "+39 333"})
        assert status == 400 and bad["error"]["code"] == "invalid_phone"
    finally:
        await admin.close()
        await marco.close()


def test_neither_the_secret_key_nor_the_webhook_secret_reaches_the_log(desk: Desk) -> None:
    text = desk.log_text()
    entries = [json.loads(line) for line in desk.server.stderr_lines if line.startswith("{")]
    assert any(e.get("msg") == "whatsapp line" for e in entries), text[-2000:]
    assert SECRET_KEY not in text and WEBHOOK_SECRET not in text


# -- a wrong secret key -------------------------------------------------------------------


def test_a_wrong_secret_key_is_bad_secret_said_plainly_and_never_logged(
    desk: Desk, tmp_path: Path
) -> None:
    wrong = "non-e-la-chiave-giusta-91c2"
    server, admin, _marco = start_server(tmp_path, desk.sim, wrong)
    try:
        deadline = time.monotonic() + 10
        while True:
            status, body = http_get(server, "/api/gateway/line", admin)
            if body["line"]["state"] == "BAD_SECRET" or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        line = body["line"]
        assert status == 200 and line["state"] == "BAD_SECRET", body
        assert "The SECRET_KEY is incorrect" in line["detail"]
        assert "--wppconnect-secret-key" in line["detail"] and wrong not in line["detail"]
        status, health = http_get(server, "/health", admin)
        assert health["gateways"][f"wppconnect:{SESSION}"]["state"] == "UNAUTHORIZED"
    finally:
        server.stop_gracefully()
    text = "\n".join(server.stderr_lines)
    assert "BAD_SECRET" in text and wrong not in text


def http_get(server: OurServer, path: str, who: Operator) -> tuple[int, Any]:
    return http_json("GET", f"{server.url}{path}", headers={"Authorization": f"Bearer {who.token}"})
