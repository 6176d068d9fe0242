"""Two server processes on one PostgreSQL with --redis: one desk, whichever node you hit."""

from __future__ import annotations

import asyncio
import uuid

import aiohttp
import pytest

from sportello.domain.values import Role
from tests.fakes.wppconnect_sim import WppConnectSim
from tests.server.server_harness import WEBHOOK_SECRET, Client, add_operator, open_db, post
from tests.support.databases import (
    REDIS_URL,
    create_postgres_database,
    drop_postgres_database,
    redis_available,
    require_postgres,
)
from tests.support.payloads import wpp_message
from tests.support.ports import free_port
from tests.support.server_process import ServerProcess
from tests.support.sportello_server import OurServer

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def start_node(db_url: str, channel: str) -> ServerProcess:
    """One node of the cluster: the shared database, Redis on `channel`."""
    return ServerProcess(db_url, WEBHOOK_SECRET, "--redis", REDIS_URL, "--redis-channel", channel)


@pytest.fixture
def cluster():
    require_postgres()
    if not redis_available():
        pytest.skip("Redis on 127.0.0.1:6379 is unreachable")
    url, name = create_postgres_database()
    db = open_db(url)
    operators = {n: add_operator(db, n) for n in ("giulia", "marco")}
    db.dispose()
    channel = f"sportello-test-{uuid.uuid4().hex[:8]}"
    nodes = [start_node(url, channel), start_node(url, channel)]
    try:
        for node in nodes:
            node.wait_healthy()
        yield nodes, operators
    finally:
        codes = [node.stop() for node in nodes]
        drop_postgres_database(name)
    assert codes == [0, 0]


async def test_operator_on_node_a_gets_messages_posted_to_node_b_once(cluster):
    (a, b), operators = cluster
    giulia = Client(a.url, operators["giulia"].token)
    marco = Client(b.url, operators["marco"].token)
    for client, op in ((giulia, operators["giulia"]), (marco, operators["marco"])):
        await client.connect()
        assert (await client.authenticate(op.id))["success"] is True
    headers = {"X-Webhook-Token": WEBHOOK_SECRET}
    try:
        async with aiohttp.ClientSession() as http:
            status, _ = await post(
                http,
                f"{b.url}/webhooks/wppconnect",
                wpp_message(body="Perdita in bagno, aiuto"),
                headers=headers,
            )
            assert status == 200
            first = await giulia.wait_for("newMessage")
            assert first["message"] == "Perdita in bagno, aiuto"

            twice = wpp_message(
                "393339990000",
                "Non funziona il citofono",
                message_id="false_393339990000@c.us_TWICE",
            )
            answers = await asyncio.gather(
                *(
                    post(http, f"{node.url}/webhooks/wppconnect", twice, headers=headers)
                    for node in (a, b, a, b)
                )
            )
            assert {status for status, _ in answers} == {200}
            assert len({answer["messages"][0]["id"] for _, answer in answers}) == 1

            for client in (giulia, marco):
                await client.wait_count("newMessage", 2)
            read = await giulia.call("markAsRead", {"messageId": first["id"]})
            assert read == {"ok": True}
            seen = await marco.wait_for("messageRead")
            assert seen["messageId"] == first["id"]
            await asyncio.sleep(0.5)
            for client in (giulia, marco):
                assert len(client.named("newMessage")) == 2
                assert len(client.named("messageRead")) == 1
                seqs = [m["seq"] for m in client.named("newMessage")]
                assert len(set(seqs)) == 2
    finally:
        await giulia.close()
        await marco.close()


async def _sync_all(client: Client) -> list[dict]:
    events: list[dict] = []
    since, more = 0, True
    while more:
        page = await client.call("sync", {"since": since})
        events += page["events"]
        since, more = page["cursor"], page["more"]
    return events


async def test_seq_is_one_global_sequence_across_nodes(cluster):
    """Webhooks and operator commands on both nodes at once: one gap-free, strictly
    increasing seq; both nodes replay the same log; every socket hears every event once."""
    (a, b), operators = cluster
    giulia = Client(a.url, operators["giulia"].token)
    marco = Client(b.url, operators["marco"].token)
    for client, op in ((giulia, operators["giulia"]), (marco, operators["marco"])):
        await client.connect()
        assert (await client.authenticate(op.id))["success"] is True
    headers = {"X-Webhook-Token": WEBHOOK_SECRET}
    count = 24
    try:
        async with aiohttp.ClientSession() as http:
            answers = await asyncio.gather(
                *(
                    post(
                        http,
                        f"{(a, b)[n % 2].url}/webhooks/wppconnect",
                        wpp_message(
                            f"39333{n:07d}",
                            f"Guasto numero {n}, aiuto",
                            message_id=f"false_39333{n:07d}@c.us_SEQ{n}",
                        ),
                        headers=headers,
                    )
                    for n in range(count)
                )
            )
            assert {status for status, _ in answers} == {200}
            for client in (giulia, marco):
                await client.wait_count("newMessage", count)
            # Operators act on both nodes at once too: reads are events in the same log.
            ids = [m["id"] for m in giulia.named("newMessage")]
            reads = await asyncio.gather(
                *(
                    (giulia, marco)[k % 2].call("markAsRead", {"messageId": message_id})
                    for k, message_id in enumerate(ids)
                )
            )
            assert all(read == {"ok": True} for read in reads)
            for client in (giulia, marco):
                await client.wait_count("messageRead", count)

        log_a, log_b = await _sync_all(giulia), await _sync_all(marco)
        assert log_a == log_b
        seqs = [event["data"]["seq"] for event in log_a]
        # 24 tickets + 24 messages + 24 reads, numbered 1..72 with no gap and no repeat.
        assert seqs == list(range(1, 3 * count + 1))
        await asyncio.sleep(0.5)  # anything duplicated would have arrived by now
        for client in (giulia, marco):
            live = [
                data["seq"]
                for name, data in client.events
                if name in ("newMessage", "messageRead", "ticketCreated")
            ]
            assert sorted(live) == seqs, "every event live exactly once on each node"
    finally:
        await giulia.close()
        await marco.close()


async def test_an_admin_on_node_b_sees_the_line_node_a_runs(tmp_path):
    """gatewayLine goes through the Socket.IO manager: node A runs the WhatsApp line, an
    admin connected to node B (no WPPConnect of its own) sees its QR scan linked; B's REST
    answer says what B knows (NOT_CONFIGURED)."""
    require_postgres()
    if not redis_available():
        pytest.skip("Redis on 127.0.0.1:6379 is unreachable")
    url, name = create_postgres_database()
    db = open_db(url)
    admin = add_operator(db, "anna", Role.ADMIN)
    db.dispose()
    channel = f"sportello-test-{uuid.uuid4().hex[:8]}"
    redis = ["--redis", REDIS_URL, "--redis-channel", channel]
    sim = WppConnectSim.start_in_thread(secret_key="k-multi", qr_refresh=600, qr_timeout=600)
    port = free_port()
    a = OurServer(
        url,
        WEBHOOK_SECRET,
        [
            *redis,
            *("--wppconnect-url", sim.url, "--wppconnect-session", "ufficio"),
            *("--public-url", f"http://127.0.0.1:{port}", "--gateway-poll-interval", "0.5"),
        ],
        port=port,
        extra_env={"SPORTELLO_WPPCONNECT_SECRET_KEY": "k-multi"},
    )
    b = OurServer(url, WEBHOOK_SECRET, redis)
    anna = Client(b.url, admin.token)
    try:
        a.wait_healthy()
        b.wait_healthy()
        await anna.connect()
        assert (await anna.authenticate(admin.id))["success"] is True
        await asyncio.to_thread(sim.wait_until, lambda: sim.session_status("ufficio") == "QRCODE")

        sim.scan_qr("ufficio")

        line = await anna.wait_for("gatewayLine", lambda g: g["state"] == "CONNECTED")
        assert line["session"] == "ufficio"
        async with (
            aiohttp.ClientSession() as http,
            http.get(
                f"{b.url}/api/gateway/line", headers={"Authorization": f"Bearer {admin.token}"}
            ) as response,
        ):
            assert (await response.json())["line"]["state"] == "NOT_CONFIGURED"
    finally:
        await anna.close()
        for node in (a, b):
            node.stop_gracefully()
        sim.stop()
        drop_postgres_database(name)
