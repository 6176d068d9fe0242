"""Property: random text in any string field of any real payload never harms anyone.

A real `sportello server` process on loopback (SQLite), started once for the module, gets
batches of real gateway payloads whose string fields hold random unicode, lone UTF-16
surrogates, NUL and other control characters, posted at the same moment as good messages.
Never a 500; every good message of the moment is stored; `sync` and REST still answer.
PostgreSQL's side of the same text is covered by tests/server/test_untrusted_text.py and
tests/store/test_text_storage.py.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.server.gateway_posts import (
    GATEWAYS,
    fresh_ids,
    replaced,
    samples,
    string_paths,
    webhook_request,
)
from tests.server.server_harness import (
    META_APP_SECRET,
    WEBHOOK_SECRET,
    Client,
    add_operator,
    open_db,
)
from tests.support.payloads import wpp_message
from tests.support.ports import free_port

REPO = Path(__file__).resolve().parents[2]
T = TypeVar("T")
# CI (.ci/run sets CI=true) runs the 2,000 examples the issue asks for, about 30-40 s on
# two cores; a developer's run of the suite takes a quicker sample of the same property.
EXAMPLES = 2000 if os.environ.get("CI", "").lower() in ("1", "true", "yes") else 300

SAMPLES = [(gateway, body) for gateway in GATEWAYS for body in samples(gateway).values()]
# Characters no store can hold and their neighbours, then anything at all. Plain
# `st.text` over one `characters` alphabet is drawn natively by hypothesis; a `one_of`
# alphabet is drawn character by character, which would be most of the test's time.
NASTY = st.sampled_from(
    [
        "\ud83d",
        "\ude00",
        "\udfff",
        "\ud800",
        "\x00",
        "\x01",
        "\x1b",
        "\x7f",
        "\x85",
        "\u2028",
        "\ufeff",
        "\ufffd",
        "\U0001f600",
        "\\",
    ]
)
ANY_CHAR = st.characters(exclude_categories=[])  # surrogates (Cs) and controls (Cc) included
RANDOM_TEXT = st.one_of(
    st.text(ANY_CHAR, max_size=16),
    st.text(st.characters(categories=["Cs", "Cc"]), min_size=1, max_size=6),
    st.tuples(st.text(ANY_CHAR, max_size=8), NASTY, st.text(ANY_CHAR, max_size=8)).map("".join),
)


class LoopThread:
    """One event loop in a thread, shared by every example: a session and a socket stay open."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


class Desk:
    """The server process and what the examples talk to it with."""

    def __init__(self, url: str, token: str, user_id: str, loop: LoopThread) -> None:
        self.url = url
        self.token = token
        self.user_id = user_id
        self.loop = loop
        self.cursor = 0
        self.http: aiohttp.ClientSession
        self.console: Client

    async def open(self) -> None:
        self.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=16), timeout=aiohttp.ClientTimeout(total=30)
        )
        self.console = Client(self.url, self.token)
        await self.console.connect()
        answer = await self.console.authenticate(self.user_id)
        assert answer["success"] is True, answer

    async def close(self) -> None:
        await self.console.close()
        await self.http.close()

    async def post(self, gateway: str, body: Any) -> tuple[int, Any]:
        path, raw, headers = webhook_request(gateway, body)
        async with self.http.post(self.url + path, data=raw, headers=headers) as response:
            return response.status, await response.json(content_type=None)

    async def get(self, path: str) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.token}"}
        async with self.http.get(self.url + path, headers=headers) as response:
            return response.status, await response.json(content_type=None)

    async def sync(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        while True:
            answer = await self.console.call("sync", {"since": self.cursor})
            assert "events" in answer, answer
            events.extend(answer["events"])
            self.cursor = answer["cursor"]
            if not answer["more"]:
                return events


async def _wait_healthy(url: str, proc: subprocess.Popen[bytes]) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            if proc.poll() is not None:
                raise AssertionError(f"server exited {proc.returncode}")
            try:
                async with http.get(f"{url}/health") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)  # polling a process that gives no other signal
    raise AssertionError("server not healthy in 30 s")


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    folder = tmp_path_factory.mktemp("untrusted-text")
    db_url = f"sqlite:///{folder / 'sportello.db'}"
    db = open_db(db_url)
    operator = add_operator(db, "giulia")
    db.dispose()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")}
    env["PYTHONPATH"] = str(REPO / "src")
    log_path = folder / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sportello.cli",
                "server",
                "--port",
                str(port),
                "--db",
                db_url,
                "--webhook-secret",
                WEBHOOK_SECRET,
                "--meta-app-secret",
                META_APP_SECRET,
                "--log-level",
                "error",
                "--log-format",
                "text",
                "--gateway-poll-interval",
                "0",
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    loop = LoopThread()
    url = f"http://127.0.0.1:{port}"
    try:
        loop.run(_wait_healthy(url, proc))
        desk = Desk(url, operator.token, operator.id, loop)
        loop.run(desk.open())
        yield desk
        loop.run(desk.close())
    finally:
        proc.terminate()
        proc.wait(30)
        loop.close()
    server_log = log_path.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in server_log, server_log[-3000:]


# Per sample: its gateway, body, and a strategy choosing some of its string fields (built
# once: strategies made inside each draw cost more than the draw).
CASES = [
    (gateway, body, paths, st.lists(st.sampled_from(paths), min_size=1, max_size=6, unique=True))
    for gateway, body in SAMPLES
    for paths in [list(string_paths(body))]
]


@st.composite
def broken_payload(draw: st.DrawFn) -> tuple[str, Any]:
    """A real payload with random text in some (or all) of its string fields, keys too."""
    gateway, body, paths, choose = draw(st.sampled_from(CASES))
    body = fresh_ids(body)
    if draw(st.integers(0, 9)) == 0:
        everywhere = draw(RANDOM_TEXT)
        changes = dict.fromkeys(paths, everywhere)
    else:
        changes = {path: draw(RANDOM_TEXT) for path in draw(choose)}
    body = replaced(body, changes)
    if draw(st.booleans()):
        body[draw(RANDOM_TEXT)] = draw(RANDOM_TEXT)
    return gateway, body


async def _one_moment(desk: Desk, broken: list[tuple[str, Any]], goods: int) -> None:
    good_bodies = [wpp_message(from_number=f"3933{n:08d}") for n in range(goods)]
    answers = await asyncio.gather(
        *(desk.post(gateway, body) for gateway, body in broken),
        *(desk.post("wppconnect", body) for body in good_bodies),
    )
    statuses = [status for status, _ in answers]
    assert all(status < 500 for status in statuses), answers
    good_answers = answers[len(broken) :]
    assert all(status == 200 for status, _ in good_answers), good_answers
    good_ids = {answer["messages"][0]["id"] for _, answer in good_answers}
    assert all(answer["messages"][0]["created"] for _, answer in good_answers)

    events, (status, page) = await asyncio.gather(
        desk.sync(), desk.get("/api/conversations?limit=3")
    )
    assert status == 200, page
    new = {e["data"]["id"]: e["data"] for e in events if e["event"] == "newMessage"}
    assert good_ids <= set(new), (good_ids, sorted(new))
    # A thread holding the broken messages of this moment is served too.
    broken_threads = {m["conversationId"] for i, m in new.items() if i not in good_ids}
    if broken_threads:
        path = f"/api/conversations/{min(broken_threads)}/messages?limit=5"
        status, thread = await desk.get(path)
        assert status == 200, thread


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(broken=st.lists(broken_payload(), min_size=1, max_size=4), goods=st.integers(1, 2))
def test_random_text_in_any_field_never_answers_500_nor_loses_a_good_message(
    desk: Desk, broken: list[tuple[str, Any]], goods: int
) -> None:
    desk.loop.run(_one_moment(desk, broken, goods))
