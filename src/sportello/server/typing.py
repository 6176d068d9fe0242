"""Who is typing where: throttles `userTyping` and stops it after a silence.

Clients send `typing` on every keystroke and gateways repeat `composing` presences; the
other operators need one `userTyping` now and then, and a `userStoppedTyping` when the
typist goes quiet even if the stop never arrives (closed laptop, lost presence event).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

TypingKey = tuple[str, str | None]  # (who: operator id or phone number, conversation id)
StopCallback = Callable[[str, str | None], Coroutine[Any, Any, None]]


@dataclass(slots=True)
class _Typist:
    last_emit: float
    timer: asyncio.TimerHandle


class TypingTracker:
    """Decides when to announce typing; calls `on_expired` after `timeout` s of silence."""

    def __init__(self, timeout: float, on_expired: StopCallback, *, repeat: float = 2.0) -> None:
        self._timeout = timeout
        self._repeat = min(repeat, timeout / 2)
        self._on_expired = on_expired
        self._typists: dict[TypingKey, _Typist] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def typing(self, who: str, conversation_id: str | None) -> bool:
        """Record a keystroke; True when a `userTyping` should go out now."""
        loop = asyncio.get_running_loop()
        key = (who, conversation_id)
        now = loop.time()
        timer = loop.call_later(self._timeout, self._expire, key)
        typist = self._typists.get(key)
        if typist is None:
            self._typists[key] = _Typist(last_emit=now, timer=timer)
            return True
        typist.timer.cancel()
        typist.timer = timer
        if now - typist.last_emit >= self._repeat:
            typist.last_emit = now
            return True
        return False

    def stopped(self, who: str, conversation_id: str | None) -> bool:
        """Record an explicit stop; True when a `userStoppedTyping` should go out."""
        typist = self._typists.pop((who, conversation_id), None)
        if typist is None:
            return False
        typist.timer.cancel()
        return True

    def forget(self, who: str) -> list[str | None]:
        """Drop every conversation `who` was typing in (a socket left); returns them."""
        keys = [key for key in self._typists if key[0] == who]
        for key in keys:
            self._typists.pop(key).timer.cancel()
        return [conversation for _, conversation in keys]

    def close(self) -> None:
        for typist in self._typists.values():
            typist.timer.cancel()
        self._typists.clear()

    def _expire(self, key: TypingKey) -> None:
        if self._typists.pop(key, None) is None:
            return
        task = asyncio.get_running_loop().create_task(self._on_expired(*key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
