"""The Socket.IO connection to `/whatsapp` and its truthful state machine.

python-socketio's own reconnection is off (`reconnection=False`): it would retry behind our
back, re-run the handshake with a token we know is refused, and never tell us it is
"offline". Instead one loop here owns every attempt:

    STOPPED -> CONNECTING -> ONLINE -> RECONNECTING -> ... -> OFFLINE (retrying at the cap)
                    \\-> UNAUTHORIZED (token refused: stop, tell the UI)

Each attempt uses a fresh `AsyncClient`, so a late packet from a dead socket cannot reach the
session of the next one. Runs on whatever asyncio loop is current (qasync in the app).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import socketio

from sportello.client.changes import ConnectionState
from sportello.client.errors import NoAnswer, NotConnected

log = logging.getLogger(__name__)

NAMESPACE = "/whatsapp"
# Ours (docs/protocol.md 3.1): the server withdrew our access and is about to disconnect.
SESSION_ENDED = "sessionEnded"


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential delays with jitter, capped; the jitter spreads a fleet of reconnects."""

    base: float = 0.5
    factor: float = 2.0
    cap: float = 30.0
    jitter: float = 0.5  # each delay is drawn from [d * (1 - jitter), d]

    def nominal(self, attempt: int) -> float:
        """The delay before retry number `attempt` (1-based), without jitter."""
        return min(self.cap, self.base * self.factor ** max(0, attempt - 1))

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        nominal = self.nominal(attempt)
        draw = (rng or random).random()
        return nominal * (1.0 - self.jitter * draw)

    def at_cap(self, attempt: int) -> bool:
        return self.nominal(attempt) >= self.cap


class SessionHandler(Protocol):
    """What the connection drives: the client core's sync/apply logic."""

    def on_authenticated(self, payload: Mapping[str, Any]) -> None:
        """Called once per connection, before any event of that connection is delivered."""

    def on_event(self, name: str, data: Any) -> None:
        """Every server event, in arrival order; must not block."""

    async def run_session(self) -> None:
        """Runs while online (sync, outbox flush); cancelled when the connection drops."""

    def on_disconnected(self) -> None:
        """The connection is gone; the next one will call on_authenticated again."""


StateCallback = Callable[[ConnectionState, str, "float | None"], None]


@dataclass(frozen=True, slots=True)
class _Outcome:
    ok: bool
    unauthorized: bool = False
    detail: str = ""
    payload: Mapping[str, Any] | None = None


class Connection:
    """Owns the socket and the reconnect loop for one server profile."""

    def __init__(
        self,
        url: str,
        token: str,
        user_id: str,
        handler: SessionHandler,
        on_state: StateCallback,
        *,
        backoff: Backoff | None = None,
        transports: list[str] | None = None,
        auth_timeout: float = 10.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.user_id = user_id
        self.handler = handler
        self.on_state = on_state
        self.backoff = backoff or Backoff()
        self.transports = transports if transports is not None else ["websocket"]
        self.auth_timeout = auth_timeout
        self.state = ConnectionState.STOPPED
        self._logged_detail = ""
        self._sio: socketio.AsyncClient | None = None
        self._online = False
        self._disconnected = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._retry_now = asyncio.Event()
        self._drop_reason = ""
        self._ended = ""  # why the server ended our session (`sessionEnded`), "" if it did not

    @property
    def online(self) -> bool:
        return self._online

    def start(self) -> None:
        """Start the connect/reconnect loop in the background."""
        if self._task is None or self._task.done():
            self._stopping.clear()
            self._task = asyncio.get_running_loop().create_task(self._run(), name="connection")

    async def stop(self) -> None:
        self._stopping.set()
        sio = self._sio
        if sio is not None:
            with contextlib.suppress(Exception):  # already half-closed: nothing left to close
                await sio.disconnect()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._set_state(ConnectionState.STOPPED, "")

    def reconnect_now(self) -> None:
        """Cut the wait before the next attempt (network came back, user clicked retry)."""
        self._retry_now.set()

    async def call(self, event: str, data: Any, timeout: float = 15.0) -> Any:
        """Emit with an ack and wait for it. Raises NotConnected, or NoAnswer (a ClientError
        and a TimeoutError) when no ack comes within `timeout` seconds."""
        sio = self._sio
        if sio is None or not self._online:
            raise NotConnected(f"cannot send {event}: not connected to the server")
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Any] = loop.create_future()

        def on_ack(*args: Any) -> None:
            if not answer.done():
                answer.set_result(args[0] if len(args) == 1 else (list(args) or None))

        await self._emit_on(sio, event, data, on_ack)
        dropped = loop.create_task(self._disconnected.wait())
        try:
            done, _ = await asyncio.wait(
                {answer, dropped}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            dropped.cancel()
        if answer in done:
            return answer.result()
        answer.cancel()
        if dropped in done:
            raise NotConnected(f"connection lost while waiting for the {event} answer")
        raise NoAnswer(f"the server did not answer {event} within {timeout:g} s")

    async def emit(self, event: str, data: Any) -> None:
        """Fire and forget (typing); silently nothing when offline."""
        with contextlib.suppress(NotConnected):  # offline, or dropped meanwhile: no matter
            await self.send(event, data)

    async def send(self, event: str, data: Any) -> None:
        """Emit without waiting for an ack (one the server never sends); NotConnected if
        offline."""
        sio = self._sio
        if sio is None or not self._online:
            raise NotConnected(f"cannot send {event}: not connected to the server")
        await self._emit_on(sio, event, data, None)

    @staticmethod
    async def _emit_on(
        sio: socketio.AsyncClient, event: str, data: Any, callback: Callable[..., None] | None
    ) -> None:
        # The socket can drop between our `online` check and the write: python-socketio then
        # raises its own errors, which are "not connected" to whoever asked.
        try:
            await sio.emit(event, data, namespace=NAMESPACE, callback=callback)
        except socketio.exceptions.SocketIOError as exc:
            raise NotConnected(f"cannot send {event}: the connection just dropped ({exc})") from exc

    # ---- the loop -----------------------------------------------------------------------

    def _set_state(
        self, state: ConnectionState, detail: str, retry_in: float | None = None
    ) -> None:
        self.state = state
        if detail and detail != self._logged_detail:
            # The console words the state itself; why it came (English) is kept here.
            log.info("connection %s: %s", state.value, detail)
        self._logged_detail = detail
        self.on_state(state, detail, retry_in)

    async def _run(self) -> None:
        attempt = 0
        self._set_state(ConnectionState.CONNECTING, "")
        while not self._stopping.is_set():
            outcome = await self._connect_once()
            if outcome.unauthorized:
                self._set_state(ConnectionState.UNAUTHORIZED, outcome.detail)
                await self._close_socket()
                return
            detail = outcome.detail
            if outcome.ok:
                attempt = 0
                detail = await self._serve(outcome.payload or {})
                if self._stopping.is_set():
                    return
                if self._ended:
                    # Access withdrawn (revoked token, deactivated operator, logout): the
                    # server would refuse a reconnect, so do not spin trying.
                    self._set_state(ConnectionState.UNAUTHORIZED, self._ended)
                    await self._close_socket()
                    return
            attempt += 1
            delay = self.backoff.delay(attempt)
            state = (
                ConnectionState.OFFLINE
                if self.backoff.at_cap(attempt)
                else ConnectionState.RECONNECTING
            )
            self._set_state(state, detail, delay)
            self._retry_now.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._retry_now.wait(), delay)

    async def _serve(self, payload: Mapping[str, Any]) -> str:
        """Online until the socket drops; returns why it dropped."""
        self._online = True
        log.info("online: %s", self.url)
        self._set_state(ConnectionState.ONLINE, "")
        session = asyncio.get_running_loop().create_task(self.handler.run_session())
        waiter = asyncio.get_running_loop().create_task(self._disconnected.wait())
        try:
            await asyncio.wait({session, waiter}, return_when=asyncio.FIRST_COMPLETED)
            if session.done() and not session.cancelled() and session.exception() is not None:
                log.error("client session failed, reconnecting", exc_info=session.exception())
                await self._close_socket()
            await self._disconnected.wait()
        finally:
            self._online = False
            waiter.cancel()
            session.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await session  # its failure was logged above; a drop cancels it on purpose
            self.handler.on_disconnected()
        return self._drop_reason or "connection lost"

    async def _close_socket(self) -> None:
        sio, self._sio = self._sio, None
        if sio is not None:
            with contextlib.suppress(Exception):  # closing a dead socket may raise anything
                await sio.disconnect()
        self._disconnected.set()

    async def _connect_once(self) -> _Outcome:
        # handle_sigint=False: left on, python-socketio and engine.io take SIGINT and the
        # process's signal wakeup fd for themselves (cancelling every task on Ctrl+C) and
        # the app's own quit on SIGTERM/SIGINT (sportello.desktop.signal_wakeup) no longer wakes.
        sio = socketio.AsyncClient(
            reconnection=False, logger=False, engineio_logger=False, handle_sigint=False
        )
        self._disconnected = asyncio.Event()
        self._drop_reason = ""
        self._ended = ""
        refused: list[str] = []
        authenticated: asyncio.Future[Mapping[str, Any]] = (
            asyncio.get_running_loop().create_future()
        )
        early: list[tuple[str, Any]] = []

        def on_connect_error(data: Any = None) -> None:
            message = data.get("message") if isinstance(data, Mapping) else data
            refused.append(str(message or "connection refused"))

        def on_disconnect(reason: Any = None) -> None:
            if sio is self._sio or self._sio is None:
                self._drop_reason = f"connection lost ({reason})" if reason else "connection lost"
                self._disconnected.set()
            if not authenticated.done():
                authenticated.set_exception(ConnectionError("disconnected before authenticating"))

        def on_any(event: str, data: Any = None, *_: Any) -> None:
            # Sync handler on purpose: it runs before the next packet is read, keeping order.
            if event == SESSION_ENDED:
                self._ended = _ended_detail(data)
                if authenticated.done():
                    # Stop serving now rather than rely on the server's close arriving.
                    self._disconnected.set()
            elif event == "authenticated":
                if not authenticated.done():
                    authenticated.set_result(data if isinstance(data, Mapping) else {})
            elif not authenticated.done():
                early.append((event, data))
            else:
                self.handler.on_event(event, data)

        sio.on("connect_error", on_connect_error, namespace=NAMESPACE)
        sio.on("disconnect", on_disconnect, namespace=NAMESPACE)
        sio.on("*", on_any, namespace=NAMESPACE)
        self._sio = sio
        try:
            await sio.connect(
                self.url,
                auth={"token": self.token},
                namespaces=[NAMESPACE],
                transports=self.transports,
                wait_timeout=self.auth_timeout,
            )
        except (socketio.exceptions.ConnectionError, OSError, ValueError) as exc:
            self._sio = None
            # A failed attempt leaves engine.io's aiohttp session open: close it now, or
            # every retry while offline leaks one ("Unclosed client session" at exit).
            with contextlib.suppress(Exception):
                await sio.disconnect()
            reason = refused[-1] if refused else str(exc)
            return _Outcome(ok=False, unauthorized=_is_unauthorized(reason), detail=reason)
        try:
            await sio.emit(
                "authenticate", {"userId": self.user_id, "token": self.token}, namespace=NAMESPACE
            )
            payload = await asyncio.wait_for(authenticated, self.auth_timeout)
        except (TimeoutError, ConnectionError, socketio.exceptions.SocketIOError) as exc:
            await self._close_socket()
            detail = str(exc) or "the server did not answer authenticate"
            return _Outcome(ok=False, detail=detail)
        if self._ended:  # ended while authenticating: same as refused
            await self._close_socket()
            return _Outcome(ok=False, unauthorized=True, detail=self._ended)
        if payload.get("success") is False:
            error = str(payload.get("error") or "authentication refused")
            await self._close_socket()
            return _Outcome(ok=False, unauthorized=True, detail=error)
        self.handler.on_authenticated(payload)
        for event, data in early:
            self.handler.on_event(event, data)
        return _Outcome(ok=True, payload=payload)


def _ended_detail(data: Any) -> str:
    """One line for the UI from a `sessionEnded` payload (its text is the server's)."""
    reason = data.get("reason") if isinstance(data, Mapping) else None
    message = data.get("message") if isinstance(data, Mapping) else None
    text = message if isinstance(message, str) and message.strip() else reason
    if not isinstance(text, str) or not text.strip():
        text = "access withdrawn"
    return "the server ended the session: " + " ".join(text.split())[:200]


def _is_unauthorized(reason: str) -> bool:
    text = reason.lower()
    return "unauthorized" in text or "401" in text or "invalid token" in text
