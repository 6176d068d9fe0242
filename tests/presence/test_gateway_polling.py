"""Gateway health from WPPConnect's status endpoint (issue 8): a real server polls the fake
gateway's `status-session` / `check-connection-session` and pushes `gatewayState` to a
real Socket.IO client only when the state changes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from sportello.server.config import parse_server_args
from sportello.server.gateway_poller import WppSessionPoller
from tests.fakes.fake_gateway import FakeGateway
from tests.server.server_harness import Client, RunningServer

Connect = Callable[[RunningServer, str], Awaitable[Client]]
Factory = Callable[..., Awaitable[RunningServer]]
POLL = 0.05


async def polling_server(
    make_server: Factory, gateway: FakeGateway, **extra: object
) -> RunningServer:
    config: dict[str, object] = {
        "wppconnect_url": gateway.wpp_base_url,
        "wppconnect_session": gateway.session,
        "wppconnect_token": gateway.wpp_token,
        "gateway_poll_interval": POLL,
    }
    config.update(extra)
    return await make_server(**config)


def poller(server: RunningServer) -> WppSessionPoller:
    assert server.workers.gateway_poller is not None
    return server.workers.gateway_poller


async def rounds_pass(server: RunningServer, n: int) -> None:
    """Wait until the poller has finished n more rounds (a condition, not a duration)."""
    target = poller(server).rounds + n + 1  # +1: the round in progress may have begun earlier
    for _ in range(2000):
        if poller(server).rounds >= target:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"poller stuck at round {poller(server).rounds}")


def states(client: Client) -> list[str]:
    return [g["state"] for g in client.named("gatewayState")]


async def test_polled_state_changes_reach_a_client_and_unchanged_states_are_not_repeated(
    make_server: Factory, connect: Connect
) -> None:
    async with FakeGateway() as gateway:
        server = await polling_server(make_server, gateway)
        marco = await connect(server, "marco")
        await rounds_pass(server, 1)
        snapshot = (await marco.call("deskState"))["gateways"]
        assert [(g["key"], g["state"], g["down"]) for g in snapshot] == [
            ("wppconnect:sportello", "CONNECTED", False)
        ]

        gateway.set_session_state("QRCODE")  # logged out: WPPConnect shows a QR code
        down = await marco.wait_for("gatewayState", lambda g: g["state"] == "UNPAIRED")
        assert down["down"] is True and down["raw"] == "QRCODE" and "QR" in down["action"]

        await rounds_pass(server, 3)  # nothing changed: nothing more is pushed
        assert states(marco) == ["UNPAIRED"]
        (known,) = (await marco.call("deskState"))["gateways"]
        assert known["at"] == down["at"]  # still "down since" the change, not the last poll

        # WPPConnect still says CONNECTED but the live check says the phone is gone.
        gateway.set_session_state("CONNECTED", connected=False)
        gone = await marco.wait_for("gatewayState", lambda g: g["state"] == "DISCONNECTED")
        assert gone["down"] is True and "Disconnected" in gone["detail"]

        gateway.set_session_state("CONNECTED")
        up = await marco.wait_for("gatewayState", lambda g: g["state"] == "CONNECTED")
        assert up["down"] is False
        await rounds_pass(server, 2)
        assert states(marco) == ["UNPAIRED", "DISCONNECTED", "CONNECTED"]


async def test_a_gateway_that_stops_answering_is_unreachable_with_the_error(
    make_server: Factory, connect: Connect
) -> None:
    gateway = await FakeGateway().start()
    try:
        server = await polling_server(make_server, gateway)
        marco = await connect(server, "marco")
        await rounds_pass(server, 1)
    finally:
        await gateway.close()  # WPPConnect Server crashed: nothing answers on its port
    lost = await marco.wait_for("gatewayState", lambda g: g["state"] == "UNREACHABLE")
    assert lost["down"] is True and lost["gateway"] == "wppconnect"
    assert "unreachable" in lost["detail"] and "--wppconnect-url" in lost["action"]
    health = server.ctx.gateway_states["wppconnect:sportello"]
    assert health.state == "UNREACHABLE"


async def test_a_refused_token_is_unauthorized(make_server: Factory, connect: Connect) -> None:
    async with FakeGateway() as gateway:
        server = await polling_server(make_server, gateway, wppconnect_token="stale")
        marco = await connect(server, "marco")
        await rounds_pass(server, 1)  # the first round ran before marco connected
        (refused,) = (await marco.call("deskState"))["gateways"]
        assert refused["state"] == "UNAUTHORIZED" and refused["down"] is True
        assert "401" in refused["detail"]


async def test_an_answer_we_cannot_read_changes_nothing_and_says_why_once(
    make_server: Factory, connect: Connect, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="sportello.server.gateway_poller")
    async with FakeGateway() as gateway:
        server = await polling_server(make_server, gateway)
        marco = await connect(server, "marco")
        await rounds_pass(server, 1)
        assert (await marco.call("deskState"))["gateways"][0]["state"] == "CONNECTED"

        gateway.bad_status_next(4, status=502, text="<html>Bad Gateway</html>")
        await rounds_pass(server, 5)
        gateway.bad_status_next(2, status=200, text='{"unexpected": 1}')
        await rounds_pass(server, 3)

    lines = [r.getMessage() + " " + r.fields["reason"] for r in caplog.records]  # type: ignore[attr-defined]
    assert lines == [
        "gateway status not understood, state unchanged "
        "status-session answered 502 without JSON: '<html>Bad Gateway</html>'",
        "gateway status not understood, state unchanged "
        'status-session answered without a status: {"unexpected": 1}',
    ]
    assert states(marco) == []  # CONNECTED was known before marco connected; no push since
    assert server.ctx.gateway_states["wppconnect:sportello"].state == "CONNECTED"


async def test_polling_is_off_with_interval_zero_or_without_wppconnect(
    make_server: Factory, tmp_path: Path
) -> None:
    async with FakeGateway() as gateway:
        off = await polling_server(make_server, gateway, gateway_poll_interval=0.0)
        assert off.workers.gateway_poller is None
        assert gateway.status_polls == 0
    meta_only = await make_server(
        f"sqlite:///{tmp_path / 'meta.db'}", meta_access_token="t", meta_phone_number_id="1"
    )
    assert meta_only.workers.gateway_poller is None


def test_poll_interval_flag_and_environment() -> None:
    assert parse_server_args([]).gateway_poll_interval == 30.0
    assert parse_server_args(["--gateway-poll-interval", "5"]).gateway_poll_interval == 5.0
    env = {"SPORTELLO_GATEWAY_POLL_INTERVAL": "0"}
    assert parse_server_args([], env).gateway_poll_interval == 0.0


def test_negative_poll_interval_is_refused_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        parse_server_args(["--gateway-poll-interval", "-1"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--gateway-poll-interval -1.0" in err
