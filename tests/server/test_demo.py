"""`sportello demo` posts its whole script to a real server and the desk fills up."""

from __future__ import annotations

import pytest

from sportello.server.demo import DemoError, run_demo
from tests.server.server_harness import WEBHOOK_SECRET, connect_operator


async def test_demo_fills_the_desk(server):
    giulia = await connect_operator(server, server.operators["giulia"])
    try:
        await run_demo(server.url, None, WEBHOOK_SECRET, speed=1000)
        messages = await giulia.wait_count("newMessage", 7)
        assert any(m.get("media") for m in messages)
        tickets = giulia.named("ticketCreated")
        assert {t["ticket"]["priority"] for t in tickets} >= {"URGENT", "LOW"}
        assert giulia.named("userTyping")
    finally:
        await giulia.close()


async def test_demo_with_wrong_secret_stops_with_the_servers_reason(server):
    with pytest.raises(DemoError, match=r"answered 401 .*: missing or wrong webhook token"):
        await run_demo(server.url, None, "wrong", speed=1000)


async def test_demo_against_a_server_without_a_secret_says_so(make_server):
    """The server's own reason, not the demo's guess that the secret was wrong."""
    server = await make_server(webhook_secret=None)
    with pytest.raises(DemoError, match="webhook secret not configured on the server"):
        await run_demo(server.url, None, "any-secret", speed=1000)
