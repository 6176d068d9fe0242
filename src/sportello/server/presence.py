"""Who is looking at each conversation, and who is writing a reply in it.

Ephemeral by design: nothing is stored. A socket views at most one conversation
(`viewConversation`); a view ends when the socket changes it, disconnects, or stays silent
for `--presence-timeout` seconds (consoles repeat `viewConversation` while they show it).
Typing comes from the seed's `typing` / `stopTyping` and ends after `--typing-timeout`
seconds of silence. Every change of a conversation is pushed to all operators as one
`presence` event carrying the whole picture of that conversation, so a client never has
to merge deltas. Presence is per node: with several nodes each one reports its own
sockets (`node` in the payload) and clients join them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from sportello.domain.values import iso_utc, utc_now

Publish = Callable[[str, dict[str, Any]], Coroutine[Any, Any, None]]


@dataclass(slots=True)
class _View:
    operator_id: int
    name: str
    conversation_id: str
    timer: asyncio.TimerHandle | None


class PresenceBoard:
    """Viewers and typists per conversation; calls `publish(conversation_id, payload)`."""

    def __init__(
        self, publish: Publish, *, view_timeout: float, typing_timeout: float, node: str
    ) -> None:
        self._publish = publish
        self._view_timeout = view_timeout
        self._typing_timeout = typing_timeout
        self._node = node
        self._views: dict[str, _View] = {}  # sid -> what it views
        self._typists: dict[tuple[int, str], tuple[str, asyncio.TimerHandle]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    # -- changes -----------------------------------------------------------------------

    async def view(
        self, sid: str, operator_id: int, name: str, conversation_id: str | None
    ) -> None:
        """The socket now shows `conversation_id` (None: none). Repeating it keeps it alive."""
        old = self._views.pop(sid, None)
        if old is not None and old.timer is not None:
            old.timer.cancel()
        if conversation_id is not None:
            loop = asyncio.get_running_loop()
            timer = loop.call_later(self._view_timeout, self._expire_view, sid)
            self._views[sid] = _View(operator_id, name, conversation_id, timer)
        changed = {c for c in (old.conversation_id if old else None, conversation_id) if c}
        if old is not None and old.conversation_id == conversation_id:
            return  # a heartbeat: nothing changed
        for conversation in changed:
            await self._announce(conversation)

    async def typing(self, operator_id: int, name: str, conversation_id: str | None) -> None:
        if conversation_id is None:
            return
        key = (operator_id, conversation_id)
        old = self._typists.pop(key, None)
        if old is not None:
            old[1].cancel()
        timer = asyncio.get_running_loop().call_later(
            self._typing_timeout, self._expire_typing, key
        )
        self._typists[key] = (name, timer)
        if old is None:
            await self._announce(conversation_id)

    async def stopped_typing(self, operator_id: int, conversation_id: str | None) -> None:
        if conversation_id is None:
            return
        old = self._typists.pop((operator_id, conversation_id), None)
        if old is not None:
            old[1].cancel()
            await self._announce(conversation_id)

    async def leave(self, sid: str, operator_id: int, last_socket: bool) -> None:
        """A socket disconnected; its operator's typing ends with their last socket."""
        changed: set[str] = set()
        old = self._views.pop(sid, None)
        if old is not None:
            if old.timer is not None:
                old.timer.cancel()
            changed.add(old.conversation_id)
        if last_socket:
            for key in [k for k in self._typists if k[0] == operator_id]:
                self._typists.pop(key)[1].cancel()
                changed.add(key[1])
        for conversation in changed:
            await self._announce(conversation)

    # -- reading -----------------------------------------------------------------------

    def of(self, conversation_id: str) -> dict[str, Any]:
        """The `presence` payload of one conversation."""
        viewers: dict[int, str] = {}
        for view in self._views.values():
            if view.conversation_id == conversation_id:
                viewers.setdefault(view.operator_id, view.name)
        typists = {
            op: name for (op, conv), (name, _) in self._typists.items() if conv == conversation_id
        }
        return {
            "conversationId": conversation_id,
            "viewers": [{"id": str(op), "name": name} for op, name in sorted(viewers.items())],
            "typing": [{"id": str(op), "name": name} for op, name in sorted(typists.items())],
            "node": self._node,
            "at": iso_utc(utc_now()),
        }

    def all(self) -> list[dict[str, Any]]:
        """Every conversation somebody is in (for a console that just connected)."""
        conversations = {v.conversation_id for v in self._views.values()}
        conversations |= {conv for _, conv in self._typists}
        return [self.of(c) for c in sorted(conversations)]

    def viewing(self, sid: str) -> str | None:
        view = self._views.get(sid)
        return None if view is None else view.conversation_id

    def close(self) -> None:
        for view in self._views.values():
            if view.timer is not None:
                view.timer.cancel()
        for _, timer in self._typists.values():
            timer.cancel()
        self._views.clear()
        self._typists.clear()

    # -- internals ---------------------------------------------------------------------

    async def _announce(self, conversation_id: str) -> None:
        await self._publish(conversation_id, self.of(conversation_id))

    def _expire_view(self, sid: str) -> None:
        view = self._views.pop(sid, None)
        if view is not None:
            self._spawn(self._announce(view.conversation_id))

    def _expire_typing(self, key: tuple[int, str]) -> None:
        if self._typists.pop(key, None) is not None:
            self._spawn(self._announce(key[1]))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
