"""No message lost while the server was down: a real `sportello server` process on loopback,
stopped or killed while the strict WPPConnect simulator (which posts each webhook once and
never retries) goes on receiving, catches up from the gateway's history when it starts.

One server and one simulator for the module; each story has its own customer (chat). The
server runs with `--gateway-reconcile-interval 0`, so rounds happen only at a start and
when the line comes back: each story knows which round did what.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sportello.client.wire import parse_message
from tests.fakes.wppconnect_sim import WebhookPost, WppConnectSim
from tests.server.server_harness import Client
from tests.support.sportello_server import (
    WEBHOOK_SECRET,
    Operator,
    RestartableServer,
    create_operator,
)

SESSION = "office"
TIMEOUT = 30.0
LINE_BACK = "line connected"


@dataclass
class Desk:
    server: RestartableServer
    sim: WppConnectSim
    operator: Operator
    webhook: str

    def rounds(self) -> list[dict[str, Any]]:
        """The `gateway reconciled` log lines of the running server process, in order."""
        assert self.server.process is not None
        return [
            entry
            for entry in _json_lines(self.server.process.stderr_lines)
            if entry.get("msg") == "gateway reconciled"
        ]

    def thread(self, phone: str) -> list[dict[str, Any]]:
        """The customer's conversation through REST, oldest first ([] when there is none)."""
        body = self.server.get(self.operator.token, "/api/conversations?limit=200")
        for conversation in body["conversations"]:
            if conversation["contact"]["chatId"] == f"{phone}@c.us":
                return self.server.thread(self.operator.token, conversation["id"])[::-1]
        return []

    def wait_thread(
        self, phone: str, until: Callable[[list[dict[str, Any]]], bool]
    ) -> list[dict[str, Any]]:
        return wait_until(lambda: self.thread(phone), until, f"thread of {phone}")

    def posts_of(self, phone: str) -> list[WebhookPost]:
        return [
            post
            for post in self.sim.webhook_posts
            if post.event == "onmessage" and post.body.get("from") == f"{phone}@c.us"
        ]


def _json_lines(lines: list[str]) -> Iterator[dict[str, Any]]:
    for line in list(lines):
        if line.startswith("{"):
            yield json.loads(line)


def wait_until(
    read: Callable[[], Any], until: Callable[[Any], bool], what: str, timeout: float = TIMEOUT
) -> Any:
    """Poll `read()` until `until(value)`; the deadline bounds the wait, never a fixed sleep."""
    deadline = time.monotonic() + timeout
    value = read()
    while not until(value):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not as expected within {timeout} s: {value!r:.2000}")
        time.sleep(0.05)
        value = read()
    return value


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    folder: Path = tmp_path_factory.mktemp("reconcile")
    db_url = f"sqlite:///{folder / 'server.db'}"
    server = RestartableServer(db_url)
    operator = create_operator(db_url, "giulia")
    with WppConnectSim.start_in_thread(read_message=False) as sim:
        webhook = f"{server.url}/webhooks/wppconnect?token={WEBHOOK_SECRET}"
        sim.run(sim.link(SESSION, webhook=webhook))
        server.extra_args = [
            "--wppconnect-url",
            sim.url,
            "--wppconnect-session",
            SESSION,
            "--wppconnect-token",
            sim.token_for(SESSION),
            "--gateway-reconcile-interval",
            "0",
            "--gateway-poll-interval",
            "0.3",
            "--send-retry-base",
            "0.05",
        ]
        server.start()
        try:
            yield Desk(server, sim, operator, webhook)
        finally:
            server.stop()


@pytest.fixture(autouse=True)
def running(desk: Desk) -> None:
    """Each story begins with the server up, whatever the one before it left."""
    if desk.server.process is None:
        desk.server.start()


def first_round(desk: Desk) -> dict[str, Any]:
    return wait_until(desk.rounds, bool, "a reconcile round")[0]


def restart(desk: Desk) -> dict[str, Any]:
    """Start the stopped server; its start round, once done."""
    desk.server.start()
    return first_round(desk)


def test_fifty_messages_while_stopped_arrive_once_in_order_after_one_round_then_live(
    desk: Desk,
) -> None:
    phone = "393330000001"
    desk.server.stop()
    texts = [f"La caldaia è guasta, messaggio {n:02d}" for n in range(70)]
    for text in texts[:50]:
        desk.sim.customer_writes(SESSION, phone, text)
    posts = wait_until(lambda: desk.posts_of(phone), lambda p: len(p) == 50, "50 webhook posts")
    assert not any(post.ok for post in posts)  # tried once each, never again

    start = restart(desk)
    thread = desk.wait_thread(phone, lambda t: len(t) >= 50)

    assert "start" in start["reasons"] and start["ingested"] == 50
    assert [m["message"] for m in thread] == texts[:50]
    assert len({m["id"] for m in thread}) == 50
    assert all(m["offline"] is True and m["direction"] == "incoming" for m in thread)
    assert len({m["ticketId"] for m in thread}) == 1 and thread[0]["ticketId"] is not None
    # The desktop client reads the new field without knowing it (it ignores unknown ones).
    assert all(not isinstance(parse_message(m), Exception) for m in thread)

    for n, text in enumerate(texts[50:], start=51):
        desk.sim.customer_writes(SESSION, phone, text)
        # One at a time, each answered (200 only after commit) before the next is written:
        # WPPConnect posts concurrently, so only this makes their order a fact to check.
        wait_until(lambda: desk.posts_of(phone), lambda p, n=n: len(p) == n, "a live post")
    thread = desk.wait_thread(phone, lambda t: len(t) >= 70)

    assert [m["message"] for m in thread] == texts
    assert all(post.status == 200 for post in desk.posts_of(phone)[50:])
    assert not any("offline" in m for m in thread[50:])
    assert len({m["ticketId"] for m in thread}) == 1
    tickets = desk.server.get(desk.operator.token, "/api/tickets?limit=200")["tickets"]
    assert [t["conversationId"] for t in tickets].count(thread[0]["conversationId"]) == 1


def test_killed_mid_stream_every_message_appears_once_in_order(desk: Desk) -> None:
    phone = "393330000002"
    texts = [f"Perdita d'acqua, aggiornamento {n:02d}" for n in range(50)]
    # One second apart (WhatsApp stamps seconds): their order is then a fact of the data,
    # whichever path stored each message. In the past, so nothing waits for a clock.
    base = int(time.time()) - 100

    def write(n: int) -> None:
        desk.sim.set_time(base + n)
        desk.sim.customer_writes(SESSION, phone, texts[n])

    try:
        for n in range(20):
            write(n)
            wait_until(lambda: desk.posts_of(phone), lambda p, n=n: len(p) == n + 1, "a post")
        racing = threading.Thread(target=lambda: [write(n) for n in range(20, 40)])
        racing.start()
        wait_until(lambda: desk.posts_of(phone), lambda p: len(p) > 20, "a racing post")
        desk.server.kill()  # SIGKILL while the others are in flight
        racing.join(TIMEOUT)
        for n in range(40, 50):
            write(n)
    finally:
        desk.sim.set_time(None)
    posts = wait_until(lambda: desk.posts_of(phone), lambda p: len(p) == 50, "50 posts")
    committed = {post.body["body"] for post in posts if post.ok}
    assert len(committed) >= 20 and len(committed) < 50

    start = restart(desk)
    thread = desk.wait_thread(phone, lambda t: len(t) >= 50)

    assert [m["message"] for m in thread] == texts
    assert len({m["id"] for m in thread}) == 50
    offline = [m["message"] for m in thread if m.get("offline")]
    assert start["ingested"] == len(offline)
    assert not committed & set(offline)  # a message its webhook stored is not marked
    assert set(texts[40:]) <= set(offline)  # those never reached the server
    assert len({m["ticketId"] for m in thread}) == 1


def reply(desk: Desk, conversation_id: str, body: str, client_id: str) -> dict[str, Any]:
    """An operator's reply over Socket.IO (`sendMessage`), as the desktop sends it."""

    async def send() -> dict[str, Any]:
        client = Client(desk.server.url, desk.operator.token)
        await client.connect()
        try:
            return dict(
                await client.call(
                    "sendMessage",
                    {"clientId": client_id, "conversationId": conversation_id, "body": body},
                )
            )
        finally:
            await client.close()

    answer = asyncio.run(send())
    assert answer["ok"] is True, answer
    message: dict[str, Any] = answer["message"]
    return message


def status_of(thread: list[dict[str, Any]], message_id: str) -> str | None:
    return next((m["status"] for m in thread if m["id"] == message_id), None)


def test_a_reply_typed_on_the_phone_and_a_read_missed_while_down_are_reconciled(
    desk: Desk,
) -> None:
    phone = "393330000003"
    desk.sim.customer_writes(SESSION, phone, "Buongiorno, il condizionatore non funziona")
    [first] = desk.wait_thread(phone, lambda t: len(t) == 1)
    ours = reply(desk, first["conversationId"], "Passiamo oggi alle 15", "recon-reply-1")
    desk.wait_thread(phone, lambda t: status_of(t, ours["id"]) == "delivered")
    desk.server.stop()

    desk.sim.phone_types(SESSION, phone, "Scusi, facciamo alle 16")
    desk.sim.customer_reads(SESSION, phone)  # ack 3 of both: its webhooks find nobody
    start = restart(desk)
    thread = desk.wait_thread(
        phone, lambda t: len(t) == 3 and all(m["status"] == "read" for m in t[1:])
    )

    # By text, not by place: the reply's time is our clock's, the typed one WhatsApp's
    # second, so within one second they may sort either way.
    [typed] = [m for m in thread if m["message"] == "Scusi, facciamo alle 16"]
    assert typed["direction"] == "outgoing" and typed["offline"] is True
    [sent] = [m for m in thread if m["id"] == ours["id"]]
    assert sent["status"] == "read" and "offline" not in sent
    assert start["ingested"] == 1 and start["statuses"] == 2


def test_a_read_of_an_old_reply_missed_while_down_is_applied(desk: Desk) -> None:
    """The chat has no new message, and its last one is older than what the start round
    reads for messages: only the catch-up of unsettled replies finds the ack."""
    phone = "393330000004"
    desk.sim.set_time(time.time() - 1800)  # this chat happened half an hour ago
    try:
        desk.sim.customer_writes(SESSION, phone, "Mi serve un preventivo per la caldaia")
        [first] = desk.wait_thread(phone, lambda t: len(t) == 1)
        ours = reply(desk, first["conversationId"], "Glielo mandiamo domani", "recon-reply-2")
        desk.wait_thread(phone, lambda t: status_of(t, ours["id"]) == "delivered")
    finally:
        desk.sim.set_time(None)
    desk.sim.customer_writes(SESSION, "393330000005", "Un altro cliente, adesso")
    desk.wait_thread("393330000005", lambda t: len(t) == 1)
    desk.server.stop()

    desk.sim.customer_reads(SESSION, phone)
    start = restart(desk)
    thread = desk.wait_thread(phone, lambda t: status_of(t, ours["id"]) == "read")

    assert start["catch_up"] is True and start["statuses"] == 1 and start["ingested"] == 0
    assert len(thread) == 2


def test_a_second_round_changes_nothing(desk: Desk) -> None:
    phone = "393330000006"
    desk.server.stop()
    desk.sim.customer_writes(SESSION, phone, "Scritto mentre eravate spenti")
    restart(desk)
    desk.wait_thread(phone, lambda t: len(t) == 1)
    # The status poll's first CONNECTED asks for a round too: let it be done first.
    wait_until(desk.rounds, lambda r: any(LINE_BACK in x["reasons"] for x in r), "line round")
    done = len(desk.rounds())
    before = desk_state(desk)

    desk.sim.unlink_phone(SESSION)  # the line drops (status-find desconnectedMobile)...
    desk.sim.run(desk.sim.link(SESSION, webhook=desk.webhook))  # ...and is linked again
    again = wait_until(desk.rounds, lambda r: len(r) > done, "the round of the line")[done]

    assert LINE_BACK in again["reasons"] and again["chats_read"] >= 1
    assert again["ingested"] == 0 and again["statuses"] == 0
    assert desk_state(desk) == before  # conversations, threads, and not one event more


def desk_state(desk: Desk) -> dict[str, Any]:
    token = desk.operator.token
    conversations = desk.server.get(token, "/api/conversations?limit=200")["conversations"]
    return {
        "conversations": conversations,
        "threads": {c["id"]: desk.server.thread(token, c["id"]) for c in conversations},
        "tickets": desk.server.get(token, "/api/tickets?limit=200"),
        "cursor": _cursor(desk),
    }


def _cursor(desk: Desk) -> int:
    """The event log's cursor, as `authenticated` tells a console."""

    async def read() -> int:
        client = Client(desk.server.url, desk.operator.token)
        await client.connect()
        try:
            answer = await client.authenticate(desk.operator.id, desk.operator.token)
            return int(answer["cursor"])
        finally:
            await client.close()

    return asyncio.run(read())
