"""Fire-and-forget webhook posts, as `callWebHook` in wppconnect-server `src/util/functions.ts`.

One `axios.post(url, {event, session, ...data})` per event, no timeout, no retry, not
awaited: posts of consecutive events run concurrently and may land in any order. A failure
(refused connection, 4xx, 5xx) is only logged; the simulator records it. Only a resolved
(2xx) post of `onmessage`/`unreadmessages` triggers readMessage's `sendSeen`, which the
caller passes as `on_ok`.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp


@dataclass(frozen=True, slots=True)
class WebhookPost:
    """One attempt: what was posted where, and how it ended."""

    event: str
    session: str
    url: str
    status: int | None  # HTTP status, None when no answer came
    error: str | None  # why there was no answer (refused, reset...)
    size: int  # bytes of the JSON body
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class WebhookPoster:
    """Posts each webhook in its own task and records every attempt."""

    def __init__(
        self, *, jitter: float = 0.0, on_post: Callable[[WebhookPost], None] | None = None
    ) -> None:
        self.posts: list[WebhookPost] = []
        self._jitter = jitter
        self._on_post = on_post
        self._http: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        # axios sets no timeout; a total of 10 min only stops a test run from hanging forever
        timeout = aiohttp.ClientTimeout(total=600)
        self._http = aiohttp.ClientSession(timeout=timeout, headers={"User-Agent": "axios/1.7.7"})

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
            self._http = None

    def post(
        self,
        session: str,
        url: str,
        event: str,
        body: dict[str, Any],
        on_ok: Callable[[], None] | None = None,
    ) -> None:
        """Start the POST and return at once (callWebHook does not await it)."""
        task = asyncio.get_running_loop().create_task(self._send(session, url, event, body, on_ok))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        """Wait until every post started so far (and those they start) has ended."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def _send(
        self,
        session: str,
        url: str,
        event: str,
        body: dict[str, Any],
        on_ok: Callable[[], None] | None,
    ) -> None:
        if self._jitter > 0:
            await asyncio.sleep(random.uniform(0, self._jitter))
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        status: int | None = None
        error: str | None = None
        assert self._http is not None, "WebhookPoster not started"
        try:
            async with self._http.post(
                url, data=data, headers={"Content-Type": "application/json"}
            ) as response:
                await response.read()
                status = response.status
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        post = WebhookPost(event, session, url, status, error, len(data), body)
        self.posts.append(post)
        if self._on_post is not None:
            self._on_post(post)
        if post.ok and on_ok is not None:
            on_ok()
