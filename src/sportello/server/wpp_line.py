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
the status polls (gateway_poller.py, which the line owns) and its own calls. A poll that
began before newer news arrived is not applied. Every change reaches administrators through
GatewayHealth (`gatewayLine`); what the line finds itself (a refused key, no answer) is also
recorded there as the gateway's state for every operator (`gatewayState`).
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
from sportello.server.gateway_poller import Observation, WppSessionPoller, poller_from_config
from sportello.server.gateways.wppconnect_session import (
    SessionCallError,
    SessionToken,
    WppSessionApi,
)
from sportello.server.line_view import (
    DETAILS,
    SESSION_WORDS,
    STATUS_FIND,
    LineState,
    LineView,
    StatusFindMeaning,
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
_KEEP = object()


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


class WppLine:
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

    @property
    def view(self) -> LineView:
        return self._view

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
            await self._set(LineState.CONNECTED, _linked(phone), phone=phone)

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

    # -- what the gateway says ----------------------------------------------------------

    async def on_webhook(self, state: GatewayState) -> None:
        """A `status-find`, `qrcode` or `phoneCode` webhook of this session."""
        if state.gateway is not Gateway.WPPCONNECT or (state.account or self.session) != (
            self.session
        ):
            return
        event = str(state.raw.get("event", "")).lower()
        if event == "qrcode" and state.qr_png_base64:
            self._mark_input()
            qr = "data:image/png;base64," + state.qr_png_base64
            await self._set(LineState.QRCODE, DETAILS[LineState.QRCODE], qr=qr, phone=None)
        elif event == "phonecode" and state.phone_code:
            self._mark_input()
            await self._set(
                LineState.PHONECODE,
                DETAILS[LineState.PHONECODE],
                phone_code=state.phone_code,
                phone=None,
            )
        elif event == "status-find":
            meaning = STATUS_FIND.get(str(state.raw.get("status", "")).lower())
            if meaning is not None:
                self._mark_input()
                await self._apply_meaning(meaning)

    async def _apply_meaning(self, meaning: StatusFindMeaning) -> None:
        current = self._view
        showing_code = current.state in (LineState.QRCODE, LineState.PHONECODE)
        if meaning.state is None or (meaning.state is LineState.STARTING and showing_code):
            if showing_code:  # keep the code on screen, say what happened to the scan
                await self._set(
                    current.state, meaning.detail, qr=current.qr, phone_code=current.phone_code
                )
            return
        if meaning.state is LineState.CLOSED:
            self._needs_qr = meaning.needs_qr
            self._wake()
        if meaning.state is LineState.CONNECTED:
            self._wake()  # ask which number it is linked to
            await self._set(LineState.CONNECTED, _linked(current.phone))
            return
        await self._set(meaning.state, meaning.detail, phone=None if meaning.unlinked else _KEEP)

    async def on_poll(self, seen: Observation) -> None:
        """What a status poll found (gateway_poller.py)."""
        if seen.asked_at < self._input_at:
            return  # a webhook or one of our calls said something newer meanwhile
        if seen.state == UNREACHABLE:
            await self._set(LineState.UNREACHABLE, seen.detail)
        elif seen.state == ConnectionState.UNAUTHORIZED:
            if not self.managed:  # managed: the line makes a new token (SessionToken)
                await self._set(
                    LineState.BAD_SECRET,
                    "WPPConnect Server refused the session token: check --wppconnect-token",
                )
        elif seen.state == ConnectionState.DISCONNECTED and seen.raw_word == "Disconnected":
            self._needs_qr = False
            await self._set(
                LineState.CLOSED,
                "WPPConnect says the session runs but its WhatsApp page does not answer",
            )
            self._wake()
        elif seen.raw_word is not None:
            state = SESSION_WORDS.get(seen.raw_word.upper().replace("_", ""))
            if state is not None:
                await self._apply_word(state, seen.qr)

    async def _apply_word(self, state: LineState, qr: str | None) -> None:
        """A state word of start-session or status-session (with its QR image, if any)."""
        current = self._view
        if state is LineState.CLOSED:
            if current.state is not LineState.CLOSED:
                # Unseen reason (its webhook never came): a QR on screen went unscanned.
                self._needs_qr = current.state in (LineState.QRCODE, LineState.PHONECODE)
                self._wake()
            await self._set(LineState.CLOSED, current.detail if current.state is state else "")
        elif state is LineState.QRCODE:
            kept = current.qr if current.state is LineState.QRCODE else None
            await self._set(LineState.QRCODE, DETAILS[state], qr=qr or kept, phone=None)
        elif state is LineState.PHONECODE:
            code = current.phone_code if current.state is LineState.PHONECODE else None
            await self._set(LineState.PHONECODE, DETAILS[state], phone_code=code, phone=None)
        elif state is LineState.CONNECTED:
            if current.state is not LineState.CONNECTED:
                self._wake()
            await self._set(LineState.CONNECTED, _linked(current.phone))
        elif current.state not in (LineState.QRCODE, LineState.PHONECODE):
            await self._set(state, DETAILS[state])

    # -- the view -------------------------------------------------------------------------

    def _mark_input(self) -> float:
        self._input_at = asyncio.get_running_loop().time()
        return self._input_at

    async def _set(
        self,
        state: LineState,
        detail: str,
        *,
        qr: str | None = None,
        phone_code: str | None = None,
        phone: object = _KEEP,
    ) -> None:
        old = self._view
        number = old.phone if phone is _KEEP else phone
        view = LineView(
            self.session,
            state,
            detail or DETAILS[state],
            utc_now(),
            qr=qr,
            phone_code=phone_code,
            phone=number if isinstance(number, str) else None,
        )
        if view.same_as(old):
            return
        if state is not LineState.CONNECTED:
            self._phone_asked = False
        self._view = view
        if old.state is not state:
            log.info(
                "whatsapp line",
                extra=fields(session=self.session, state=state.value, detail=view.detail),
            )
        await self._health.line_changed(view.to_json())


def _linked(phone: str | None) -> str:
    return f"the WhatsApp line is linked to +{phone}" if phone else DETAILS[LineState.CONNECTED]


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
