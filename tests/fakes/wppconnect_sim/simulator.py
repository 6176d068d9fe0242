"""`WppConnectSim`: the simulator's lifecycle (async or on its own loop in a thread) and the
steering API tests use to play the customer, the business phone and WhatsApp itself."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from aiohttp import web

from tests.support.loop_thread import serve_in_thread, stop_served

from .config import DEFAULT_SECRET_KEY, SimConfig
from .gateway import Gateway, SeenCall, SentMessage
from .media import MEDIA_TYPES, MediaFile
from .model import JsonDict
from .routes import Routes
from .webhooks import WebhookPost, WebhookPoster

T = TypeVar("T")
DEFAULT_BUSINESS_PHONE = "393331234567"


def _jid(phone: str) -> str:
    return phone if "@" in phone else f"{phone.lstrip('+')}@c.us"


class WppConnectSim:
    """A strict WPPConnect Server (v2.10.4) on 127.0.0.1 with a free port.

    Async tests: `async with WppConnectSim(...) as sim: ...`
    Sync tests:  `with WppConnectSim.start_in_thread(...) as sim: ...`
    Steering methods (`customer_writes`, `scan_qr`...) may be called from any thread.
    """

    def __init__(
        self,
        *,
        secret_key: str = DEFAULT_SECRET_KEY,
        read_message: bool = True,
        auto_download: bool = True,
        server_webhook: str | None = None,
        qr_timeout: float = 60.0,
        qr_refresh: float = 20.0,
        on_webhook: Callable[[WebhookPost], None] | None = None,
        on_request: Callable[[str, str, Any], None] | None = None,
        **options: Any,
    ) -> None:
        """`options` are further SimConfig fields (`on_self_message`, `deliver_delay`,
        `webhook_jitter`, `all_unread_on_start`, `startup_delay`...)."""
        self.config = SimConfig(
            secret_key=secret_key,
            read_message=read_message,
            auto_download=auto_download,
            server_webhook=server_webhook,
            qr_timeout=qr_timeout,
            qr_refresh=qr_refresh,
            on_webhook=on_webhook,
            on_request=on_request,
            **options,
        )
        self._poster = WebhookPoster(jitter=self.config.webhook_jitter, on_post=on_webhook)
        self._gateway = Gateway(self.config, self._poster)
        self._runner: web.AppRunner | None = None
        self._closing: asyncio.Event | None = None
        self._port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._thread: threading.Thread | None = None

    # -- addresses and records ----------------------------------------------------------

    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError("WppConnectSim is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def webhook_posts(self) -> list[WebhookPost]:
        """Every webhook attempt that has ended, in the order they ended."""
        return list(self._poster.posts)

    @property
    def seen(self) -> list[SeenCall]:
        """Every sendSeen (blue ticks): `(session, chat_id, reason)`."""
        return list(self._gateway.seen)

    @property
    def sent(self) -> list[SentMessage]:
        return list(self._gateway.sent)

    @property
    def unknown_numbers(self) -> set[str]:
        """Numbers (digits or chat ids) checkNumberStatus says do not exist: add to it."""
        return self._gateway.unknown_numbers

    def token_for(self, session: str) -> str:
        """A valid token, as generate-token would issue it."""
        return self._gateway.tokens.issue(session)

    def headers_for(self, session: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token_for(session)}"}

    def session_status(self, session: str) -> str | None:
        """The client's `status` (None: no client, which status-session reports CLOSED)."""
        return self._call(lambda: getattr(self._gateway.clients.get(session), "status", None))

    def linked_phone(self, session: str) -> str | None:
        return self._call(lambda: self._gateway.account(session).linked_phone)

    def chat_messages(self, session: str, chat_id: str) -> list[JsonDict]:
        """Every message of a chat as read-back serializes it (thumbnail bodies), oldest first."""

        def read() -> list[JsonDict]:
            account = self._gateway.account(session)
            chat = account.chats.get(_jid(chat_id))
            return [self._gateway.serialize(account, m) for m in chat.messages] if chat else []

        return self._call(read)

    def unread_count(self, session: str, chat_id: str) -> int:
        def read() -> int:
            chat = self._gateway.account(session).chats.get(_jid(chat_id))
            return chat.unread_count if chat else 0

        return self._call(read)

    # -- steering -------------------------------------------------------------------------

    def scan_qr(self, session: str, phone_number: str = DEFAULT_BUSINESS_PHONE) -> None:
        """The office phone scans the QR (or enters the phone code): the session links."""
        self._call(lambda: self._gateway.scan(session, phone_number))

    def unlink_phone(self, session: str) -> None:
        """The phone removes the linked device: `desconnectedMobile`, CLOSED, forgotten."""
        self._call(lambda: self._gateway.unlink(session))

    def phone_offline(self, session: str, offline: bool = True) -> None:
        """The page loses (or regains) WhatsApp: check-connection still says true, sends
        wait for the server ack, customers' messages wait at WhatsApp."""
        self._call(lambda: self._gateway.set_online(session, not offline))

    def restart_gateway(self) -> None:
        """WPPConnect Server restarts: clients gone, sessions of the token store start again."""
        self._call(self._gateway.restart)

    def set_time(self, epoch_seconds: float | None) -> None:
        """Freeze the clock messages are stamped with (None: real time)."""
        self._call(lambda: self._gateway.set_time(epoch_seconds))

    def forget_media(self, message_id: str) -> None:
        """WhatsApp's CDN no longer has the file: downloads fail, autoDownload keeps the thumb."""
        self._call(lambda: self._gateway.media_gone.add(message_id))

    def customer_writes(
        self, session: str, phone: str, text: str, name: str = "Mario Rossi"
    ) -> JsonDict:
        """A customer sends a text: stored in the chat and posted as `onmessage`."""

        def write() -> JsonDict:
            account = self._linked_account(session)
            message = self._gateway.new_message(
                account, _jid(phone), from_me=False, text=text, notify_name=name, key_prefix=""
            )
            self._gateway.receive(session, message)
            return self._gateway.serialize(account, message)

        return self._call(write)

    def customer_sends_media(
        self,
        session: str,
        phone: str,
        kind: str,
        data: bytes,
        mimetype: str,
        filename: str | None = None,
        caption: str | None = None,
        *,
        name: str = "Mario Rossi",
        duration: int | None = None,
    ) -> JsonDict:
        """A customer sends an image/ptt/audio/video/document/sticker. The webhook body is
        the whole file in base64 (autoDownload); the returned stored copy has the thumbnail."""
        if kind not in MEDIA_TYPES:
            raise ValueError(f"kind must be one of {sorted(MEDIA_TYPES)}")

        def send() -> JsonDict:
            account = self._linked_account(session)
            message = self._gateway.new_message(
                account,
                _jid(phone),
                from_me=False,
                type=kind,
                notify_name=name,
                media=MediaFile(data, mimetype, filename),
                caption=caption,
                duration=duration,
                key_prefix="",
            )
            self._gateway.receive(session, message)
            return self._gateway.serialize(account, message)

        return self._call(send)

    def phone_types(self, session: str, phone: str, text: str) -> JsonDict:
        """Someone types a reply on the business phone: in the chat, fromMe, not posted
        (onselfmessage is off by default); only read-back shows it."""

        def type_it() -> JsonDict:
            account = self._linked_account(session)
            message = self._gateway.new_message(
                account, _jid(phone), from_me=True, text=text, key_prefix="3A"
            )
            self._gateway.store_typed_on_phone(session, message)
            return self._gateway.serialize(account, message)

        return self._call(type_it)

    def customer_receives(self, session: str, phone: str) -> None:
        """The customer's phone gets our messages: `onack` 2 for those not yet delivered."""
        self._set_acks(session, phone, 2)

    def customer_reads(self, session: str, phone: str) -> None:
        """The customer opens the chat: `onack` 3 (id object) for each of our messages."""
        self._set_acks(session, phone, 3)

    def _set_acks(self, session: str, phone: str, ack: int) -> None:
        def apply() -> None:
            for message in self._gateway.our_messages(session, _jid(phone)):
                if message.ack >= 1:
                    self._gateway.set_ack(session, message, ack)

        self._call(apply)

    def _linked_account(self, session: str) -> Any:
        account = self._gateway.accounts.get(session)
        if account is None or account.linked_phone is None:
            raise RuntimeError(
                f"session {session!r} has no linked phone: WhatsApp delivers nothing"
            )
        return account

    # -- waiting --------------------------------------------------------------------------

    async def link(
        self,
        session: str,
        *,
        webhook: str | None = None,
        phone_number: str = DEFAULT_BUSINESS_PHONE,
        timeout: float = 5.0,
    ) -> None:
        """Shortcut without HTTP: start the session (with `webhook`) and scan its QR."""
        body: JsonDict = {} if webhook is None else {"webhook": webhook}
        self._gateway.create_session(session, body)
        await self.wait_for(lambda: self._gateway.clients.get(session) is not None, timeout)
        linked = self._gateway.account(session).linked_phone is not None
        if not linked:
            await self.wait_for(lambda: self.session_status(session) == "QRCODE", timeout)
            self._gateway.scan(session, phone_number)
        await self.wait_for(lambda: self.session_status(session) == "CONNECTED", timeout)

    async def settle(self) -> None:
        """Wait until every webhook started so far has ended."""
        await self._poster.settle()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met within {timeout:.1f} s")
            await asyncio.sleep(0.005)

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Blocking wait (for tests driving a simulator started in a thread)."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met within {timeout:.1f} s")
            time.sleep(0.005)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run a coroutine (e.g. `sim.link(...)`) on the simulator's thread loop."""
        if self._loop is None or self._thread is None:
            raise RuntimeError("run() is for a simulator started with start_in_thread()")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def _call(self, fn: Callable[[], T]) -> T:
        loop = self._loop
        if loop is None or threading.get_ident() == self._loop_thread:
            return fn()
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                future.set_result(fn())
            except BaseException as exc:  # handed to the calling thread
                future.set_exception(exc)

        loop.call_soon_threadsafe(run)
        return future.result(timeout=10)

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> WppConnectSim:
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._closing = asyncio.Event()
        await self._poster.start()
        routes = Routes(self._gateway, self._closing)
        self._runner = web.AppRunner(routes.app(), handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        return self

    async def close(self) -> None:
        if self._closing is not None:
            self._closing.set()
        await self._gateway.close()
        await self._poster.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> WppConnectSim:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @classmethod
    def start_in_thread(cls, **kwargs: Any) -> WppConnectSim:
        """Start on its own event loop in a daemon thread; stop with `.stop()` or `with`."""
        sim = cls(**kwargs)
        sim._loop, sim._thread = serve_in_thread(sim.start, sim.close, "wppconnect-sim")
        return sim

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        stop_served(loop, thread)
        self._loop = self._thread = None

    def __enter__(self) -> WppConnectSim:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
