"""Ask WPPConnect Server how its session is, every `--gateway-poll-interval` seconds.

Webhooks say when a session changes state, but a WPPConnect Server that crashed, or lost
its connection to us, sends nothing: only asking notices. Each round asks
`GET /api/{session}/status-session` (answers `{"status": "CONNECTED" | "QRCODE" |
"CLOSED" | "INITIALIZING" | ..., "qrcode", "urlcode", "version"}`) and, when that says
CONNECTED, confirms with `GET /api/{session}/check-connection-session` (`{"status": true,
"message": "Connected"}` or `{"status": false, "message": "Disconnected"}`), both with the
session's bearer token (wppconnect-server src/controller/sessionController.ts).

The result goes to GatewayHealth, which pushes `gatewayState` only when the state changes,
and to the WhatsApp line (wpp_line.py), which also takes the QR image status-session shows.
A gateway that does not answer at all is `UNREACHABLE` (with the error as detail); a 401
is `UNAUTHORIZED` (and the line makes a new token when it can); an answer we cannot read
changes nothing and logs one line saying why. The token is the line's `SessionToken`: a
round without one (the line has not made it yet) asks nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

import aiohttp

from sportello.domain.text_repair import repair_tree
from sportello.domain.values import Gateway, utc_now
from sportello.ingest.parsed import ConnectionState, GatewayState
from sportello.server.gateway_health import UNREACHABLE, GatewayHealth
from sportello.server.gateways.base import snippet
from sportello.server.gateways.wppconnect_session import SessionToken
from sportello.server.logs import fields

if TYPE_CHECKING:
    from sportello.server.config import ServerConfig

log = logging.getLogger(__name__)

# `client.status` of wppconnect-server (set from wppconnect's statusFind callback).
_SESSION_STATUS = {
    "CONNECTED": ConnectionState.CONNECTED,
    "INCHAT": ConnectionState.CONNECTED,
    "ISLOGGED": ConnectionState.CONNECTED,
    "QRREADSUCCESS": ConnectionState.CONNECTED,
    "INITIALIZING": ConnectionState.CONNECTING,
    "STARTING": ConnectionState.CONNECTING,
    "OPENING": ConnectionState.CONNECTING,
    "QRCODE": ConnectionState.UNPAIRED,
    "NOTLOGGED": ConnectionState.UNPAIRED,
    "UNPAIRED": ConnectionState.UNPAIRED,
    "UNPAIREDIDLE": ConnectionState.UNPAIRED,
    "CLOSED": ConnectionState.DISCONNECTED,
    "DISCONNECTED": ConnectionState.DISCONNECTED,
    "BROWSERCLOSE": ConnectionState.DISCONNECTED,
    "DESCONNECTEDMOBILE": ConnectionState.DISCONNECTED,
    "DISCONNECTEDMOBILE": ConnectionState.DISCONNECTED,
    "SERVERCLOSE": ConnectionState.DISCONNECTED,
    "AUTOCLOSECALLED": ConnectionState.DISCONNECTED,
    "CONFLICT": ConnectionState.CONFLICT,
}


class BadAnswer(Exception):
    """The gateway answered something we cannot read: log it, change nothing."""


@dataclass(frozen=True, slots=True)
class Observation:
    state: str  # a ConnectionState value or UNREACHABLE
    raw_word: str | None
    detail: str = ""
    qr: str | None = None  # status-session's `qrcode`, a data:image/png URL
    asked_at: float = 0.0  # event-loop time the round began (newer news may have come since)


Observer = Callable[[Observation], Awaitable[None]]


class WppSessionPoller:
    """Polls one WPPConnect session and records what it finds."""

    def __init__(
        self,
        base_url: str,
        session: str,
        token: SessionToken,
        health: GatewayHealth,
        *,
        interval: float,
        http: aiohttp.ClientSession | None = None,
        observer: Observer | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session
        self._token = token
        self._health = health
        self._observer = observer
        self.interval = interval
        # Answers take at most a couple of seconds; a short poll interval must not pile up.
        self.timeout_s = min(10.0, max(2.0, interval))
        self._http = http
        self._own_http = http is None
        self._task: asyncio.Task[None] | None = None
        self._wakeup = asyncio.Event()
        self._last_problem: str | None = None
        self.rounds = 0

    def start(self) -> None:
        if self._http is None:
            self._http = aiohttp.ClientSession()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="gateway-poller")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._own_http and self._http is not None:
            await self._http.close()
            self._http = None

    def wake(self) -> None:
        """Poll now rather than at the end of the interval (the line just started a session)."""
        self._wakeup.set()

    async def _run(self) -> None:
        while True:
            try:
                await self.poll_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug here must not end health checks for good
                log.exception("gateway status poll failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self.interval)
            self._wakeup.clear()

    async def poll_once(self) -> None:
        """One round: ask, then record the state (GatewayHealth pushes it if it changed)."""
        self.rounds += 1
        if self._token.value is None:
            return  # the line has no token yet: it says why itself
        asked_at = asyncio.get_running_loop().time()
        try:
            seen = await self._observe()
        except BadAnswer as exc:
            self._problem(str(exc))
            return
        self._last_problem = None
        if self._observer is not None:
            await self._observer(
                Observation(seen.state, seen.raw_word, seen.detail, seen.qr, asked_at)
            )
        known = self._health.current(Gateway.WPPCONNECT, self.session)
        if known is not None and known.state == seen.state:
            return  # keep the moment it changed: consoles show "down since 11:46"
        state = GatewayState(
            Gateway.WPPCONNECT,
            self.session,
            seen.state,
            utc_now(),
            raw={"status": seen.raw_word, "source": "status-session"} if seen.raw_word else {},
        )
        await self._health.record(state, detail=seen.detail)

    def _problem(self, message: str) -> None:
        # Said once per distinct problem: a poll every few seconds must not flood the log.
        if message != self._last_problem:
            log.warning(
                "gateway status not understood, state unchanged",
                extra=fields(gateway=f"wppconnect:{self.session}", reason=message),
            )
        self._last_problem = message

    async def _observe(self) -> Observation:
        try:
            used = self._token.value
            status, body = await self._get("status-session")
            if status in (401, 403):
                self._token.refused(used)
                return Observation(
                    ConnectionState.UNAUTHORIZED, None, f"WPPConnect refused the token ({status})"
                )
            word = _status_word(status, body, "status-session")
            state = _SESSION_STATUS.get(word.upper().replace("_", ""), ConnectionState.UNKNOWN)
            if state is ConnectionState.UNKNOWN:
                raise BadAnswer(f"status-session: unknown status {word!r}")
            if state is not ConnectionState.CONNECTED:
                return Observation(state, word, qr=_qr(body))
            status, body = await self._get("check-connection-session")
            if _connected(status, body):
                return Observation(ConnectionState.CONNECTED, word)
            return Observation(
                ConnectionState.DISCONNECTED,
                "Disconnected",
                "check-connection-session: Disconnected",
            )
        except TimeoutError:
            why = f"WPPConnect did not answer within {self.timeout_s:g} s"
            return Observation(UNREACHABLE, None, why)
        except aiohttp.ClientError as exc:
            why = f"WPPConnect unreachable: {type(exc).__name__}: {exc}"
            return Observation(UNREACHABLE, None, why[:300])

    async def _get(self, what: str) -> tuple[int, object]:
        assert self._http is not None, "start() first"
        url = f"{self.base_url}/api/{quote(self.session, safe='')}/{what}"
        async with self._http.get(
            url,
            headers=self._token.bearer(),
            timeout=aiohttp.ClientTimeout(total=self.timeout_s),
        ) as response:
            text = await response.text(errors="replace")
            status = response.status
        try:
            return status, repair_tree(json.loads(text))[0] if text else None
        except ValueError:
            why = f"{what} answered {status} without JSON: {snippet(text, 80)!r}"
            raise BadAnswer(why) from None


def _status_word(status: int, body: object, what: str) -> str:
    if status != 200:
        detail = body.get("message") if isinstance(body, Mapping) else None
        raise BadAnswer(f"{what} answered HTTP {status}" + (f": {detail}" if detail else ""))
    word = body.get("status") if isinstance(body, Mapping) else None
    if not isinstance(word, str) or not word.strip():
        raise BadAnswer(f"{what} answered without a status: {_short(body)}")
    return word.strip()[:64]


def _qr(body: object) -> str | None:
    qr = body.get("qrcode") if isinstance(body, Mapping) else None
    return qr if isinstance(qr, str) and qr.startswith("data:image/png;base64,") else None


def _connected(status: int, body: object) -> bool:
    if status != 200 or not isinstance(body, Mapping) or not isinstance(body.get("status"), bool):
        raise BadAnswer(f"check-connection-session answered HTTP {status}: {_short(body)}")
    return bool(body["status"])


def _short(body: object) -> str:
    return snippet(json.dumps(body, ensure_ascii=False, default=str), 80)


def poller_from_config(
    config: ServerConfig,
    health: GatewayHealth,
    token: SessionToken,
    observer: Observer | None = None,
) -> WppSessionPoller | None:
    """The poller `--gateway-poll-interval` asks for, or None (off, or no WPPConnect)."""
    if not config.wppconnect_url or config.gateway_poll_interval <= 0:
        return None
    return WppSessionPoller(
        config.wppconnect_url,
        config.wppconnect_session or "default",
        token,
        health,
        interval=config.gateway_poll_interval,
        observer=observer,
    )
