"""Ending the sockets of withdrawn access: revoked tokens and deactivated operators.

A token is checked when a socket connects; without this module a socket whose token was
revoked afterwards would keep receiving every customer message until it reconnected.
Two paths end such sockets:

- immediately, for revocations made through this server (`POST /api/auth/logout`);
- every `--token-recheck-interval` seconds, for everything else: the CLI in another
  process, an administrator editing the database, another node sharing the database.
  One batched query per interval covers every authenticated socket of this node.

The socket gets `sessionEnded {reason, message}` (docs/protocol.md 3.1), then is
disconnected. Its REST calls already answer 401: the token cache forgets the token too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from sportello.server.logs import fields
from sportello.store.operators import AccessCheck, Withdrawn, withdrawn_access

if TYPE_CHECKING:
    from sportello.server.context import ServerContext
    from sportello.server.realtime import RealtimeHub

log = logging.getLogger(__name__)

SESSION_ENDED = "sessionEnded"

_MESSAGES = {
    Withdrawn.TOKEN_REVOKED: "your access token was revoked: sign in again",
    Withdrawn.OPERATOR_DEACTIVATED: "your operator account was deactivated",
    "logged_out": "you signed out",
}


class RevocationWatch:
    """Periodic re-check of the access of this node's sockets, plus the immediate path."""

    def __init__(
        self,
        ctx: ServerContext,
        hub: RealtimeHub,
        interval: float,
        sessions: Callable[[], Iterable[tuple[str, str | None, int]]],
    ) -> None:
        """`sessions()` yields (sid, token digest or None for legacy auth, operator id)."""
        self._ctx = ctx
        self._hub = hub
        self._interval = interval
        self._sessions = sessions
        self._task: asyncio.Task[None] | None = None
        self.checks = 0
        self.ended = 0
        self.last_check_seconds = 0.0  # wall time of the last check (query + emits)

    def start(self) -> None:
        if self._task is None and self._interval > 0:
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="revocation-watch"
            )

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.check_now()
            except Exception:  # a database outage must not stop later checks
                log.warning("token re-check failed; retrying next interval", exc_info=True)

    async def check_now(self) -> int:
        """Re-validate every authenticated socket of this node; returns how many ended."""
        started = time.perf_counter()
        snapshot = list(self._sessions())
        digests = {digest for _, digest, _ in snapshot if digest is not None}
        legacy = {operator_id for _, digest, operator_id in snapshot if digest is None}
        db = self._ctx.db

        def query() -> AccessCheck:
            with db.read_session() as session:
                return withdrawn_access(session, digests, legacy)

        asked = time.perf_counter()
        found = await self._ctx.executor.read(query) if snapshot else AccessCheck({}, {})
        answered = time.perf_counter()
        for revoked in found.tokens:
            self._ctx.auth.forget(revoked)
        ended = 0
        for sid, digest, operator_id in snapshot:
            reason = (
                found.tokens.get(digest) if digest is not None else found.operators.get(operator_id)
            )
            if reason is not None and await self.end(sid, reason, expect_digest=digest):
                ended += 1
        self.checks += 1
        self.last_check_seconds = time.perf_counter() - started
        # bench/revocation_latency.py reads this line (debug: it comes every interval).
        log.debug(
            "tokens re-checked",
            extra=fields(
                sockets=len(snapshot),
                tokens=len(digests),
                legacy=len(legacy),
                ended=ended,
                total_ms=round(self.last_check_seconds * 1000, 3),
                query_ms=round((answered - asked) * 1000, 3),
            ),
        )
        return ended

    async def end_token(self, digest: str, reason: str) -> int:
        """The immediate path: end this node's sockets that use `digest`."""
        self._ctx.auth.forget(digest)
        ended = 0
        for sid, socket_digest, _ in list(self._sessions()):
            if socket_digest == digest and await self.end(sid, reason, expect_digest=digest):
                ended += 1
        return ended

    async def end_operator(self, operator_id: int, reason: Withdrawn) -> int:
        """The immediate path for an admin's action: end this node's sockets of an operator.

        A token revocation leaves legacy (token-less) sockets alone, as the re-check does.
        """
        self._ctx.auth.forget_operator(operator_id)
        ended = 0
        for sid, digest, socket_operator in list(self._sessions()):
            if socket_operator != operator_id:
                continue
            if digest is None and reason is not Withdrawn.OPERATOR_DEACTIVATED:
                continue
            if await self.end(sid, reason, expect_digest=digest):
                ended += 1
        return ended

    async def end(self, sid: str, reason: str, *, expect_digest: str | None) -> bool:
        """Tell the socket why, then disconnect it; False when it changed or left meanwhile."""
        hub = self._hub
        state = hub.sockets.get(sid)
        if state is None or state.operator is None or state.token_digest != expect_digest:
            return False
        name = state.operator.name
        state.ended = True
        message = _MESSAGES.get(reason, "your session ended")
        # ignore_queue: only this node holds the socket; the event must precede the close.
        await hub.emit(
            SESSION_ENDED, {"reason": str(reason), "message": message}, to=sid, ignore_queue=True
        )
        await hub.disconnect(sid)
        self.ended += 1
        log.info("session ended", extra=fields(sid=sid, operator=name, reason=str(reason)))
        return True
