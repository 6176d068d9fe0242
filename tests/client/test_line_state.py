"""The WhatsApp line in the client core: read from REST and `gatewayLine`, published once."""

from __future__ import annotations

import pytest

from sportello.client.changes import ConnectionState, LineChanged, StateChange
from sportello.client.errors import ClientError
from sportello.client.line_info import LineStatus, parse_line
from sportello.client.line_state import WhatsAppLine
from sportello.client.rest import RestApi
from sportello.client.state import ClientState
from sportello.client.wire import WireError
from tests.support.fake_line_server import FakeLineServer, line


def _changes(state: ClientState) -> list[LineChanged]:
    seen: list[StateChange] = []
    state.subscribe(seen.append)
    return seen  # type: ignore[return-value]


def test_a_line_reads_its_state_qr_and_phone_whatever_the_envelope() -> None:
    qr = line("QRCODE", qr="data:image/png;base64,iVBORw0KGgo=")
    assert parse_line({"ok": True, "line": qr}) == parse_line(qr)
    parsed = parse_line(qr)
    assert not isinstance(parsed, WireError)
    assert parsed.status is LineStatus.QRCODE and parsed.qr == qr["qr"]
    # WPPConnect's own spelling (no data: prefix) is still an image.
    bare = parse_line(line("QRCODE", qr="iVBORw0KGgo="))
    assert not isinstance(bare, WireError) and bare.qr == "data:image/png;base64,iVBORw0KGgo="
    # A QR kept by a linked session is not shown: only QRCODE shows one.
    linked = parse_line(line("CONNECTED", qr="data:image/png;base64,x", phone="393331234567"))
    assert not isinstance(linked, WireError) and linked.qr is None and linked.linked
    newer = parse_line(line("SOMETHING_NEW"))
    assert not isinstance(newer, WireError) and newer.status is LineStatus.UNKNOWN
    assert isinstance(parse_line({"ok": True}), WireError)
    assert isinstance(parse_line(line("")), WireError)


async def test_gateway_line_events_publish_a_change_only_when_something_shows() -> None:
    state = ClientState()
    changes = _changes(state)
    keeper = WhatsAppLine(state, RestApi("http://127.0.0.1:9", "t"))
    keeper.apply("gatewayLine", line("QRCODE", qr="data:image/png;base64,AAAA"))
    keeper.apply("gatewayLine", {**line("QRCODE", qr="data:image/png;base64,AAAA"), "at": "x"})
    keeper.apply("gatewayLine", line("CONNECTED", phone="393331234567"))
    keeper.apply("gatewayLine", "not a line")
    assert [c.line.status for c in changes if c.line] == [LineStatus.QRCODE, LineStatus.CONNECTED]
    assert changes[-1].previous is not None and changes[-1].previous.status is LineStatus.QRCODE
    assert keeper.info is not None and keeper.info.phone == "393331234567"


async def test_refresh_and_start_go_to_the_server_with_the_token() -> None:
    async with FakeLineServer() as server:
        server.line = line("CLOSED")
        state = ClientState()
        changes = _changes(state)
        rest = RestApi(server.url, "admin-token")
        keeper = WhatsAppLine(state, rest)
        try:
            read = await keeper.refresh()
            assert read is not None and read.status is LineStatus.CLOSED
            started = await keeper.start()
            assert started is not None and started.status is LineStatus.STARTING
            assert [c.line.status for c in changes if c.line] == [
                LineStatus.CLOSED,
                LineStatus.STARTING,
            ]
            assert server.requests == [
                ("GET", "/api/gateway/line", "Bearer admin-token"),
                ("POST", "/api/gateway/line/start", "Bearer admin-token"),
            ]
            server.start_refusal = (409, "line_connected")
            with pytest.raises(ClientError) as refused:
                await keeper.start()
            assert refused.value.code == "line_connected"
        finally:
            await rest.close()


async def test_an_operator_is_refused_and_an_older_server_offers_no_line() -> None:
    async with FakeLineServer() as server:
        state = ClientState()
        changes = _changes(state)
        rest = RestApi(server.url, "t")
        keeper = WhatsAppLine(state, rest)
        try:
            server.read_refusal = (403, "forbidden")
            with pytest.raises(ClientError) as refused:
                await keeper.refresh()
            assert refused.value.code == "forbidden" and keeper.offered is None
            server.read_refusal, server.offered = None, False
            assert await keeper.refresh() is None
            assert keeper.offered is False
            assert changes == [LineChanged(None)]
        finally:
            await rest.close()


async def test_an_admin_console_reads_the_line_when_it_comes_online() -> None:
    async with FakeLineServer() as server:
        server.line = line("QRCODE", qr="data:image/png;base64,AAAA")
        state = ClientState()
        rest = RestApi(server.url, "t")
        keeper = WhatsAppLine(state, rest)
        try:
            state.set_own_role("operator")
            state.set_connection(ConnectionState.ONLINE)
            state.set_connection(ConnectionState.RECONNECTING)
            state.set_own_role("admin")  # not online: nothing asked yet
            assert server.requests == []
            state.set_connection(ConnectionState.ONLINE)
            assert keeper._refreshing is not None
            await keeper._refreshing
            assert [r[1] for r in server.requests] == ["/api/gateway/line"]
            assert keeper.info is not None and keeper.info.status is LineStatus.QRCODE
        finally:
            keeper.close()
            await rest.close()
