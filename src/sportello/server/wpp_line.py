"""The WhatsApp line: Sportello runs its own WPPConnect session and follows its real state.

*Managed* (`--wppconnect-url`, `--wppconnect-session`, `--wppconnect-secret-key`): the line
makes the session token (generate-token; a refused key is `BAD_SECRET`), starts the session
with this server's webhook (`<--public-url>/webhooks/wppconnect?token=<webhook secret>`,
`waitQrCode: false`), starts it again when it closes, and makes a new token when one is
refused. WPPConnect keeps a session's webhook across its own restarts and a second
start-session changes nothing, so a session found running after it was started with
another webhook (store/session_webhooks.py remembers which) is closed and started again
once it is linked: closing a linked session keeps the phone linked, a session still
waiting for its QR cannot be closed cleanly. A session that closed because its QR went
unscanned (about 60 s) or because the phone unlinked needs a new QR: it is started again
when an admin asks (`start_now`) and otherwise at most every `--wppconnect-restart-
interval` seconds; one that closed for any other reason (WPPConnect restarted without it)
at once.

*Followed only* (`--wppconnect-token` without a secret key): the same states, nothing
started. Without either there is no line to follow (`NOT_CONFIGURED`).

The state comes from the `status-find`, `qrcode` and `phoneCode` webhooks (webhooks.py),
the status polls (gateway_poller.py, which the line owns) and its own calls; how the first
two change it is in line_inputs.py. A poll that began before newer news is not applied.
Every change reaches administrators through GatewayHealth (`gatewayLine`); what the line
finds itself (a refused key, no answer) is also recorded there as the gateway's state for
every operator (`gatewayState`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING
from urllib.parse import quote

import aiohttp

from sportello.domain.values import Gateway, utc_now
from sportello.ingest.parsed import ConnectionState, GatewayState
from sportello.server.gateway_health import UNREACHABLE, GatewayHealth
from sportello.server.gateway_poller import WppSessionPoller, poller_from_config
from sportello.server.gateways.wppconnect_session import (
    SessionCallError,
    SessionToken,
    WppSessionApi,
)
from sportello.server.line_inputs import LineFollower, linked_detail
from sportello.server.line_view import (
    DETAILS,
    SESSION_WORDS,
    LineState,
    LineView,
    not_configured,
)
from sportello.server.logs import fields
from sportello.store import session_webhooks

if TYPE_CHECKING:
    from sportello.server.config import ServerConfig
    from sportello.server.db_executor import DbExecutor
    from sportello.store.database import Database

log = logging.getLogger(__name__)

_MIN_START_GAP = 10.0  # seconds between two automatic starts, whatever closed the session
_IDLE_CHECK = 60.0
_BAD_SECRET_RETRY = 60.0


class LineNotStartable(Exception):
    """What `start_now` cannot do; `code` and `message` become the REST refusal (409)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def webhook_url(config: ServerConfig) -> str | None:
    """Where the session posts: our WPPConnect webhook, its secret as the URL token (the one
    way WPPConnect can send one). None without --public-url: WPPConnect's own WEBHOOK_URL."""
    if not config.public_url:
        return None
    url = f"{config.public_url.rstrip('/')}/webhooks/wppconnect"
    if config.webhook_secret:
        url += "?token=" + quote(config.webhook_secret, safe="")
    return url


class WebhookMemory:
    """The fingerprint of the webhook the session was last started with, in the database."""

    def __init__(self, db: Database, executor: DbExecutor, wpp_session: str) -> None:
        self._db = db
        self._executor = executor
        self._session = wpp_session

    async def started_with(self) -> int | None:
        def read() -> int | None:
            with self._db.read_session() as session:
                return session_webhooks.started_with(session, self._session)

        return await self._executor.read(read)

    async def remember(self, fingerprint: int) -> None:
        def write() -> None:
            with self._db.session() as session:
                session_webhooks.remember_start(session, self._session, fingerprint)
                session.commit()

        await self._executor.write(write)


class WppLine(LineFollower):
    """One WPPConnect session's line; `view` is what it is now."""

    def __init__(
        self,
        config: ServerConfig,
        token: SessionToken,
        health: GatewayHealth,
        memory: WebhookMemory,
    ) -> None:
        assert config.wppconnect_url, "no line without a WPPConnect Server"
        self.session = config.wppconnect_session or "default"
        self.managed = bool(config.wppconnect_secret_key)
        self._config = config
        self._token = token
        self._health = health
        self._memory = memory
        self._webhook = webhook_url(config) if self.managed else None
        self._fingerprint = (
            session_webhooks.webhook_fingerprint(self._webhook) if self._webhook else None
        )
        if self.managed:
            first = "connecting to WPPConnect Server"
            self._view = LineView(self.session, LineState.STARTING, first, utc_now())
            token.when_refused(self._token_refused)
        elif token.value is None:
            self._view = not_configured(
                self.session,
                "no way into WPPConnect Server: set --wppconnect-secret-key (or "
                "--wppconnect-token)",
            )
        else:
            first = "waiting for WPPConnect Server's first answer"
            self._view = LineView(self.session, LineState.STARTING, first, utc_now())
        self.poller: WppSessionPoller | None = (
            poller_from_config(config, health, token, observer=self.on_poll)
            if token.value is not None or self.managed
            else None
        )
        self.api: WppSessionApi | None = None  # made in start(): it needs the loop
        self._http: aiohttp.ClientSession | None = None
        self._lock = asyncio.Lock()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._want_start = self.managed
        self._start_phone: str | None = None
        self._last_start: float | None = None  # loop time our last start made a session
        self._needs_qr = False  # closed for a reason only a new QR scan fixes
        self._rebind = False  # running with another webhook: start again once linked
        self._rebound = False  # did so already (once per run)
        self._input_at = 0.0  # loop time of the newest webhook or call result
        self._retry_at = 0.0
        self._failures = 0
        self._phone_asked = False

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        assert self._config.wppconnect_url
        self._http = aiohttp.ClientSession()
        self.api = WppSessionApi(
            self._config.wppconnect_url,
            self.session,
            self._token,
            self._http,
            secret_key=self._config.wppconnect_secret_key,
        )
        if self.managed and not self._config.public_url:
            log.warning(
                "no --public-url: the WhatsApp session posts to WPPConnect Server's own "
                "WEBHOOK_URL, if it has one",
                extra=fields(session=self.session),
            )
        self._task = asyncio.get_running_loop().create_task(self._run(), name="whatsapp-line")
        if self.poller is not None:
            self.poller.start()

    async def stop(self) -> None:
        if self.poller is not None:
            await self.poller.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    def _wake(self) -> None:
        self._wakeup.set()

    def _token_refused(self) -> None:
        log.info("whatsapp line: the session token was refused, making a new one")
        self._wake()

    async def _run(self) -> None:
        while True:
            self._wakeup.clear()
            try:
                delay = await self._tick()
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug here must not leave the line unattended for good
                log.exception("whatsapp line step failed", extra=fields(session=self.session))
                delay = _IDLE_CHECK
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), max(0.05, delay))

    # -- what an admin asks -------------------------------------------------------------

    async def start_now(self, phone: str | None = None) -> LineView:
        """Start the session now (a new QR code, or `phone`'s link code); the line after it."""
        if not self.managed:
            raise LineNotStartable(
                "line_not_managed",
                "this server only follows the WhatsApp session: start it with "
                "--wppconnect-secret-key so it can start the session itself",
            )
        if self._view.state is LineState.CONNECTED:
            raise LineNotStartable(
                "line_connected",
                "the WhatsApp line is already linked: unlink the device on the phone to "
                "link another one",
            )
        self._want_start, self._start_phone = True, phone
        self._retry_at, self._failures = 0.0, 0
        await self._tick()
        return self._view

    # -- the calls, one at a time ----------------------------------------------------------

    async def _tick(self) -> float:
        async with self._lock:
            loop = asyncio.get_running_loop()
            now = loop.time()
            if self.managed:
                if now < self._retry_at:
                    return self._retry_at - now
                if self._token.value is None and not await self._make_token():
                    return self._backoff()
                if self._start_due(now):
                    if not await self._start_session():
                        return self._backoff()
                elif self._rebind and self._view.state is LineState.CONNECTED:
                    await self._restart_with_our_webhook()
            if self._view.state is LineState.CONNECTED and self._view.phone is None:
                await self._ask_phone()
            return self._next_check(loop.time())

    def _start_due(self, now: float) -> bool:
        if self._want_start:
            return True
        if self._view.state is not LineState.CLOSED:
            return False
        since = None if self._last_start is None else now - self._last_start
        if self._needs_qr:
            interval = self._config.wppconnect_restart_interval
            return interval > 0 and (since is None or since >= interval)
        return since is None or since >= _MIN_START_GAP

    def _next_check(self, now: float) -> float:
        if self.managed and self._view.state is LineState.CLOSED and self._last_start is not None:
            if not self._needs_qr:
                return max(0.0, self._last_start + _MIN_START_GAP - now)
            interval = self._config.wppconnect_restart_interval
            if interval > 0:
                return max(0.0, self._last_start + interval - now)
        return _IDLE_CHECK

    def _backoff(self) -> float:
        self._failures += 1
        delay = _BAD_SECRET_RETRY if self._view.state is LineState.BAD_SECRET else 0.0
        delay = delay or min(30.0, 2.0 ** min(self._failures, 5))
        self._retry_at = asyncio.get_running_loop().time() + delay
        return delay

    def _api(self) -> WppSessionApi:
        assert self.api is not None, "start() first"
        return self.api

    async def _make_token(self) -> bool:
        try:
            value = await self._api().generate_token()
        except SessionCallError as exc:
            await self._found(exc)
            return False
        self._token.value = value
        self._failures = 0
        if self._view.state in (LineState.BAD_SECRET, LineState.UNREACHABLE):
            await self._set(LineState.STARTING, "WPPConnect Server answers again")
        return True

    async def _start_session(self) -> bool:
        before = self._mark_input()
        try:
            answer = await self._api().start_session(self._webhook, self._start_phone)
        except SessionCallError as exc:
            if exc.kind != "unauthorized":  # a refused token: the next round makes one
                await self._found(exc)
            return False
        self._want_start, self._start_phone, self._failures = False, None, 0
        word = answer.status.upper().replace("_", "")
        if word == "CLOSED":  # there was none: it is made now, with this body
            self._last_start = asyncio.get_running_loop().time()
            self._needs_qr = self._rebind = False
            if self._fingerprint is not None:
                await self._memory.remember(self._fingerprint)
            if self._input_at == before:
                await self._set(LineState.STARTING, DETAILS[LineState.STARTING])
            if self.poller is not None:
                self.poller.wake()
            return True
        state = SESSION_WORDS.get(word, LineState.STARTING)
        if (
            self._fingerprint is not None
            and not self._rebound
            and await self._memory.started_with() != self._fingerprint
        ):
            if state is LineState.CONNECTED:
                await self._restart_with_our_webhook()
                return True
            self._rebind = True
        if self._input_at == before:
            await self._apply_word(state, answer.qr_data_url)
        return True

    async def _restart_with_our_webhook(self) -> None:
        """A linked session that posts elsewhere: close it (the phone stays linked), start ours.

        Once per run: should the session still not be ours (another node with another
        --public-url restarting it too), the two must not take turns forever."""
        self._rebound, self._rebind = True, False
        try:
            await self._api().close_session()
        except SessionCallError as exc:
            log.warning(
                "whatsapp line: cannot close the session to give it our webhook",
                extra=fields(session=self.session, reason=exc.detail),
            )
            return  # a CLOSED session gets ours when it starts again
        log.info(
            "whatsapp line: the session posted to another webhook: started again with ours",
            extra=fields(session=self.session),
        )
        self._want_start = True
        await self._start_session()

    async def _ask_phone(self) -> None:
        if self._phone_asked:
            return
        self._phone_asked = True
        try:
            phone = await self._api().phone_number()
        except SessionCallError as exc:
            log.info(
                "whatsapp line: the linked number is not known",
                extra=fields(session=self.session, reason=exc.detail),
            )
            return
        if phone and self._view.state is LineState.CONNECTED:
            await self._set(LineState.CONNECTED, linked_detail(phone), phone=phone)

    async def _found(self, exc: SessionCallError) -> None:
        """A call of ours failed: the line says why, and so does the gateway's health."""
        self._mark_input()
        if exc.kind == "bad_secret":
            state, health_state = LineState.BAD_SECRET, ConnectionState.UNAUTHORIZED.value
        else:
            state, health_state = LineState.UNREACHABLE, UNREACHABLE
        await self._set(state, exc.detail)
        await self._health.record(
            GatewayState(
                Gateway.WPPCONNECT,
                self.session,
                health_state,
                utc_now(),
                raw={"status": state.value, "source": "whatsapp-line"},
            ),
            detail=exc.detail,
        )


def line_from_config(
    config: ServerConfig,
    health: GatewayHealth,
    token: SessionToken,
    db: Database,
    executor: DbExecutor,
) -> WppLine | None:
    """The line of `--wppconnect-url`'s session, or None when there is no WPPConnect Server."""
    if not config.wppconnect_url:
        return None
    session = config.wppconnect_session or "default"
    return WppLine(config, token, health, WebhookMemory(db, executor, session))
