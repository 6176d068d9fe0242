"""How the WhatsApp line keeps its session (server/wpp_line.py), on a real server in this
loop against the WPPConnect simulator: a session found running with another webhook is
started again with ours once (and not at the next server start), an unscanned QR closes
the session and a new one comes after `--wppconnect-restart-interval`, WPPConnect's own
restart is followed, a phone code can replace the QR, a server with a token only follows
the session without starting it, and the Cloud API gets its read receipt too.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

from sportello.domain.values import Role
from tests.fakes.fake_gateway import FakeGateway, sign_meta
from tests.fakes.wppconnect_sim import WppConnectSim
from tests.server.server_harness import (
    META_APP_SECRET,
    RunningServer,
    add_operator,
    connect_operator,
    post,
)
from tests.support.ports import free_port

SECRET_KEY = "una-chiave-di-prova"
SESSION = "ufficio"
Factory = Callable[..., Awaitable[RunningServer]]
FAST = {"startup_delay": 0.01, "link_delay": 0.01, "ack_delay": 0.01}


def line_flags(sim: WppConnectSim, port: int | None = None, **extra: Any) -> dict[str, Any]:
    port = port or free_port()
    flags: dict[str, Any] = {
        "port": port,
        "public_url": f"http://127.0.0.1:{port}",
        "wppconnect_url": sim.url,
        "wppconnect_session": SESSION,
        "wppconnect_secret_key": SECRET_KEY,
        "gateway_poll_interval": 0.3,
    }
    flags.update(extra)
    return flags


def requests_to(log: list[tuple[str, str]], route: str) -> int:
    return sum(1 for _, path in log if path.endswith(f"/{route}"))


async def state_of(
    server: RunningServer, wanted: str, timeout: float = 10.0, *, phone: bool = False
) -> dict[str, Any]:
    """The line once it is in `wanted` (and, with `phone`, knows the linked number)."""
    line = server.workers.line
    assert line is not None
    deadline = time.monotonic() + timeout
    while line.view.state.value != wanted or (phone and line.view.phone is None):
        if time.monotonic() > deadline:
            raise AssertionError(f"line {line.view.state.value} ({line.view.detail}), not {wanted}")
        await asyncio.sleep(0.02)
    return line.view.to_json()


async def test_a_session_running_with_another_webhook_is_started_again_with_ours_once(
    make_server: Factory, tmp_path: Path
) -> None:
    calls: list[tuple[str, str]] = []
    async with WppConnectSim(
        secret_key=SECRET_KEY, on_request=lambda m, p, _: calls.append((m, p)), **FAST
    ) as sim:
        await sim.link(SESSION, webhook="http://127.0.0.1:9/someone-else", phone_number="39061")
        db_url = f"sqlite:///{tmp_path / 'line.db'}"
        first = await make_server(db_url, **line_flags(sim))
        await state_of(first, "CONNECTED")
        await sim.wait_for(lambda: requests_to(calls, "close-session") == 1)
        webhook = sim._gateway.clients[SESSION].config["webhook"]
        assert webhook.startswith(f"{first.url}/webhooks/wppconnect?token=")
        assert sim.linked_phone(SESSION) == "39061"  # closing kept the phone linked
        await first.stop()

        second = await make_server(db_url, **line_flags(sim, port=first.port))
        await state_of(second, "CONNECTED")
        await asyncio.sleep(0.3)
        assert requests_to(calls, "close-session") == 1  # our webhook: left alone


async def test_an_unscanned_qr_closes_the_line_and_a_new_qr_comes_after_the_interval(
    make_server: Factory,
) -> None:
    async with WppConnectSim(secret_key=SECRET_KEY, qr_timeout=0.4, qr_refresh=5, **FAST) as sim:
        server = await make_server(**line_flags(sim, wppconnect_restart_interval=1.0))
        first = await state_of(server, "QRCODE")
        closed = await state_of(server, "CLOSED")
        assert "nobody scanned the QR code" in closed["detail"]
        again = await state_of(server, "QRCODE", timeout=5)
        assert again["qr"] != first["qr"]


async def test_wppconnect_restarting_is_followed_and_a_phone_code_can_replace_the_qr(
    make_server: Factory,
) -> None:
    async with WppConnectSim(secret_key=SECRET_KEY, qr_timeout=600, **FAST) as sim:
        server = await make_server(**line_flags(sim))
        await state_of(server, "QRCODE")
        sim.scan_qr(SESSION, phone_number="393330009999")
        await state_of(server, "CONNECTED", phone=True)
        line = server.workers.line
        assert line is not None
        linked_at = line.view.at
        sim.restart_gateway()  # the session comes back from WPPConnect's token store
        for _ in range(500):  # it went STARTING (isLogged) and is CONNECTED again
            if line.view.state.value == "CONNECTED" and line.view.at > linked_at:
                break
            await asyncio.sleep(0.02)
        assert line.view.state.value == "CONNECTED" and line.view.at > linked_at
        assert line.view.phone == "393330009999"

        sim.unlink_phone(SESSION)
        await state_of(server, "CLOSED")
        view = await line.start_now(phone="393330009999")
        assert view.state.value in ("STARTING", "PHONECODE")
        code = await state_of(server, "PHONECODE")
        assert code["phoneCode"] and code["qr"] is None


async def test_with_a_token_only_the_line_is_followed_never_started(make_server: Factory) -> None:
    calls: list[tuple[str, str]] = []
    async with WppConnectSim(
        secret_key=SECRET_KEY, on_request=lambda m, p, _: calls.append((m, p)), **FAST
    ) as sim:
        server = await make_server(
            wppconnect_url=sim.url,
            wppconnect_session=SESSION,
            wppconnect_token=sim.token_for(SESSION),
            gateway_poll_interval=0.1,
        )
        closed = await state_of(server, "CLOSED")
        assert closed["state"] == "CLOSED"
        line = server.workers.line
        assert line is not None and not line.managed
        assert requests_to(calls, "start-session") == 0
        assert requests_to(calls, "generate-token") == 0
        await sim.link(SESSION)
        linked = await state_of(server, "CONNECTED", phone=True)
        assert linked["phone"] == "393331234567"


async def test_the_cloud_api_marks_the_newest_read_message_read(
    make_server: Factory, http: aiohttp.ClientSession
) -> None:
    async with FakeGateway() as gateway:
        server = await make_server(
            meta_phone_number_id=gateway.phone_number_id,
            meta_access_token=gateway.meta_token,
            meta_graph_url=gateway.meta_base_url,
        )
        giulia = await connect_operator(server, server.operators["giulia"])
        try:
            wamids = []
            for text in ("Buongiorno", "Avete novità?"):
                body = gateway.meta_message("393401112222", text)
                wamids.append(body["entry"][0]["changes"][0]["value"]["messages"][0]["id"])
                raw = json.dumps(body).encode()
                signature = {"X-Hub-Signature-256": sign_meta(raw, META_APP_SECRET)}
                status, _ = await post(
                    http, f"{server.url}/webhooks/meta", body, raw=raw, headers=signature
                )
                assert status == 200
            newest = await giulia.wait_for("newMessage", lambda m: m["message"] == "Avete novità?")
            assert gateway.read_marks == []

            assert await giulia.call("markAsRead", {"messageId": newest["id"]}) == {"ok": True}

            for _ in range(250):
                if gateway.read_marks:
                    break
                await asyncio.sleep(0.02)
            assert gateway.read_marks == [wamids[1]]  # the newest: it covers the earlier one
        finally:
            await giulia.close()


async def test_no_send_seen_passes_no_read_on(make_server: Factory) -> None:
    async with WppConnectSim(secret_key=SECRET_KEY, read_message=False, **FAST) as sim:
        server = await make_server(**line_flags(sim, no_send_seen=True))
        await state_of(server, "QRCODE")
        sim.scan_qr(SESSION)
        await state_of(server, "CONNECTED")
        admin = add_operator(server.db, "anna", Role.ADMIN)
        anna = await connect_operator(server, admin)
        try:
            sim.customer_writes(SESSION, "393471112222", "Salve")
            message = await anna.wait_for("newMessage")
            assert await anna.call("markAsRead", {"messageId": message["id"]}) == {"ok": True}
            await asyncio.sleep(0.3)
            assert sim.seen == []
        finally:
            await anna.close()
