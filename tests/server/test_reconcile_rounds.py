"""The rules of a reconcile round, on a real server in the test's loop against the WPPConnect
simulator: periodic rounds pick up webhooks refused while the server was up, leave the
newest messages to their webhooks, hand read-back media files to the media seam, and with
several nodes on one PostgreSQL only the node holding the session's lock reads."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select

from sportello.domain.values import MessageType
from sportello.ingest.reconciled import arrived_offline
from sportello.server import reconcile
from sportello.server.config import parse_server_args
from sportello.server.reconcile import GatewayReconciler, ReconcileReport
from sportello.store.media import read_media_bytes
from sportello.store.models import Message
from sportello.store.node_locks import NodeLock
from tests.fakes.wppconnect_sim import WppConnectSim
from tests.fakes.wppconnect_sim.samples import jpeg_photo
from tests.server.server_harness import RunningServer
from tests.support.databases import (
    create_postgres_database,
    drop_postgres_database,
    require_postgres,
)
from tests.support.ports import free_port

SESSION = "office"
CUSTOMER = "393471112222"
FAST = {"startup_delay": 0.01, "link_delay": 0.01, "ack_delay": 0.01, "deliver_delay": 0.03}
Factory = Callable[..., Awaitable[RunningServer]]


@pytest.fixture
async def sim() -> AsyncIterator[WppConnectSim]:
    async with WppConnectSim(read_message=False, **FAST) as running:
        yield running


async def refusing_desk(
    make_server: Factory, sim: WppConnectSim, db_url: str | None = None, **config: Any
) -> RunningServer:
    """A server whose WPPConnect session posts its webhooks with a wrong secret: every one
    is refused (401) while the server is up, and only read-back brings the messages."""
    port = free_port()
    await sim.link(SESSION, webhook=f"http://127.0.0.1:{port}/webhooks/wppconnect?token=wrong")
    settings: dict[str, Any] = {
        "port": port,
        "wppconnect_url": sim.url,
        "wppconnect_session": SESSION,
        "wppconnect_token": sim.token_for(SESSION),
        "gateway_poll_interval": 0,
        "gateway_reconcile_interval": 0,
    }
    settings.update(config)
    return await make_server(db_url, **settings)


def reconciler(server: RunningServer) -> GatewayReconciler:
    assert server.workers.reconciler is not None
    return server.workers.reconciler


async def rounds_done(server: RunningServer, count: int) -> list[ReconcileReport]:
    for _ in range(1000):
        if len(reconciler(server).rounds) >= count:
            return reconciler(server).rounds
        await asyncio.sleep(0.01)
    raise AssertionError(f"only {len(reconciler(server).rounds)} rounds of {count}")


async def refused_posts(sim: WppConnectSim, count: int) -> None:
    await sim.wait_for(
        lambda: sum(p.status == 401 for p in sim.webhook_posts if p.event == "onmessage") >= count
    )


def stored(server: RunningServer) -> list[Message]:
    with server.db.read_session() as session:
        return list(session.scalars(select(Message).order_by(Message.id)))


async def test_a_periodic_round_reads_back_webhooks_refused_while_the_server_was_up(
    make_server: Factory, sim: WppConnectSim
) -> None:
    server = await refusing_desk(make_server, sim, gateway_reconcile_interval=0.1)
    await rounds_done(server, 1)
    sim.set_time(time.time() - 60)  # older than what a periodic round leaves to webhooks
    for n in range(3):
        sim.customer_writes(SESSION, CUSTOMER, f"Il citofono non funziona ({n})")
    await refused_posts(sim, 3)

    rounds = await rounds_done(server, len(reconciler(server).rounds) + 2)

    assert any("interval" in r.reasons and r.ingested == 3 for r in rounds)
    messages = stored(server)
    assert [m.body for m in messages] == [f"Il citofono non funziona ({n})" for n in range(3)]
    assert all(arrived_offline(m.raw) for m in messages)


async def test_a_periodic_round_leaves_the_newest_messages_to_their_webhooks(
    make_server: Factory, sim: WppConnectSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = await refusing_desk(make_server, sim)
    await rounds_done(server, 1)  # the start round: nothing yet
    sim.customer_writes(SESSION, CUSTOMER, "Scritto adesso")
    await refused_posts(sim, 1)

    waiting = await reconciler(server).reconcile_once([reconcile.INTERVAL])
    assert waiting.deferred == 1 and waiting.ingested == 0 and stored(server) == []
    # Its webhook never came: once it is older than the grace, the next round reads it.
    monkeypatch.setattr(reconcile, "LIVE_GRACE_S", -3600)
    caught = await reconciler(server).reconcile_once([reconcile.INTERVAL])

    assert caught.ingested == 1 and [m.body for m in stored(server)] == ["Scritto adesso"]


async def test_a_read_back_media_file_goes_to_the_media_seam_before_ingest(
    make_server: Factory, sim: WppConnectSim
) -> None:
    server = await refusing_desk(make_server, sim)
    await rounds_done(server, 1)
    photo = jpeg_photo(seed=7)
    sim.set_time(time.time() - 60)
    sim.customer_sends_media(SESSION, CUSTOMER, "image", photo, "image/jpeg", caption="Il guasto")
    await refused_posts(sim, 1)
    report = await reconciler(server).reconcile_once()

    assert report.ingested == 1
    [message] = stored(server)
    assert message.type is MessageType.IMAGE and message.media_caption == "Il guasto"
    ctx = server.ctx
    with server.db.read_session() as session:  # the file, fetched with download-media
        assert read_media_bytes(session, ctx.media, message.id) == photo
    assert "base64" not in str(message.raw) and str(len(photo)) in message.raw["body"]
    spool = ctx.media._spool_dir()
    assert not [p for p in spool.iterdir() if p.is_file()]  # nothing left in the spool


async def test_only_the_node_holding_the_session_lock_reconciles(
    make_server: Factory, sim: WppConnectSim
) -> None:
    require_postgres()
    url, name = create_postgres_database()
    try:
        server = await refusing_desk(make_server, sim, url)
        await rounds_done(server, 1)
        sim.set_time(time.time() - 60)
        sim.customer_writes(SESSION, CUSTOMER, "Due nodi, un solo lettore")
        await refused_posts(sim, 1)
        other_node = NodeLock(server.db, f"reconcile:wppconnect:{SESSION}")
        assert await asyncio.to_thread(other_node.try_acquire)
        try:
            held = await reconciler(server).reconcile_once()
        finally:
            await asyncio.to_thread(other_node.release)
        free = await reconciler(server).reconcile_once()

        assert held.skipped is not None and "another node" in held.skipped
        assert held.ingested == 0 and free.ingested == 1
        assert [m.body for m in stored(server)] == ["Due nodi, un solo lettore"]
        await server.stop()
        server.db.dispose()
    finally:
        drop_postgres_database(name)


def test_the_interval_flag_defaults_to_a_minute_and_refuses_a_negative_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert parse_server_args([], {}).gateway_reconcile_interval == 60.0
    assert (
        parse_server_args(["--gateway-reconcile-interval", "0"], {}).gateway_reconcile_interval == 0
    )
    env = {"SPORTELLO_GATEWAY_RECONCILE_INTERVAL": "5"}
    assert parse_server_args([], env).gateway_reconcile_interval == 5.0
    with pytest.raises(SystemExit) as refused:
        parse_server_args(["--gateway-reconcile-interval", "-1"], {})
    assert refused.value.code == 2
    assert "--gateway-reconcile-interval -1.0: must be 0 (off)" in capsys.readouterr().err


async def test_rounds_of_one_session_run_one_after_the_other(make_server: Factory) -> None:
    paths: list[str] = []

    def record(method: str, path: str, body: object) -> None:
        paths.append(path.split("/")[3])  # /api/{session}/<route>/...

    async with WppConnectSim(read_message=False, on_request=record, **FAST) as sim:
        server = await refusing_desk(make_server, sim)
        await rounds_done(server, 1)
        sim.set_time(time.time() - 60)
        for phone in ("393470000001", "393470000002", "393470000003"):
            sim.customer_writes(SESSION, phone, "Buongiorno")
        await refused_posts(sim, 3)
        paths.clear()

        first, second = await asyncio.gather(
            reconciler(server).reconcile_once(), reconciler(server).reconcile_once()
        )

    # The second round begins (list-chats) only when the first has read its three chats.
    assert paths == ["list-chats", *["get-messages"] * 3, "list-chats", *["get-messages"] * 3]
    assert (first.ingested, second.ingested) == (3, 0)
