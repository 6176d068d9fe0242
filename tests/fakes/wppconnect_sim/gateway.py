"""The state machine behind the routes: sessions and their QR flow, webhooks, chats, acks.

Sessions follow wppconnect-server `src/util/createSessionUtil.ts` (`createSessionUtil`,
`exportQR`, `exportPhoneCode`, the `statusFind` callback that closes and forgets a client on
`autocloseCalled`/`desconnectedMobile`) and `wppconnect` `src/api/layers/host.layer.ts`
(`notLogged` -> QR codes -> `qrReadSuccess` -> `inChat`; `isLogged` -> `inChat`; autoClose).
Webhooks follow `src/util/functions.ts` `callWebHook`/`autoDownload`. Sending follows
`wa-js` `sendRawMessage.ts` (default options `markIsRead: true`, `waitForAck: true`).

Everything here runs on the simulator's event loop; `WppConnectSim` marshals calls from
other threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from .auth import TokenIssuer
from .config import VERSION, SimConfig
from .media import MediaFile, qr_data_url, thumbnail_body
from .model import Account, Chat, Client, JsonDict, Message, formatted_number, wid
from .webhooks import WebhookPoster

# statusFind values (wppconnect `src/api/model/enum/status-find.ts`); note the spelling of
# the unlinked one, which is what createSessionUtil.ts compares against.
STATUS_UNLINKED = "desconnectedMobile"
STATUS_AUTOCLOSE = "autocloseCalled"
_CLOSING_STATUSES = (STATUS_AUTOCLOSE, STATUS_UNLINKED)
_SEEN_EVENTS = ("onmessage", "unreadmessages")


class SendTimedOut(Exception):
    """A send that got no server ack in time (the page is offline): puppeteer gives up."""


class InvalidWid(ValueError):
    """wa-js assertWid: not a WhatsApp id (e.g. a number with spaces, as contactToArray
    keeps them)."""


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message sent through a send route."""

    session: str
    chat_id: str
    message_id: str
    type: str
    body: str  # the text, or the caption of a file
    media: MediaFile | None
    route: str


@dataclass(frozen=True, slots=True)
class SeenCall:
    """One `sendSeen` (WPP.chat.markIsRead): blue ticks for the customer."""

    session: str
    chat_id: str
    reason: str  # "readMessage" (after a 2xx webhook), "route" (send-seen), "send"


class Gateway:
    """wppconnect-server plus the WhatsApp Web pages it drives, for any number of sessions."""

    def __init__(self, config: SimConfig, poster: WebhookPoster) -> None:
        self.config = config
        self.poster = poster
        self.tokens = TokenIssuer(config.secret_key)
        self.accounts: dict[str, Account] = {}
        self.clients: dict[str, Client] = {}  # clientsArray; absent = undefined
        self.seen: list[SeenCall] = []
        self.sent: list[SentMessage] = []
        self.unknown_numbers: set[str] = set()
        self.media_gone: set[str] = set()
        self._media: dict[str, MediaFile] = {}
        self._frozen_time: float | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- plumbing ---------------------------------------------------------------------------

    def now(self) -> int:
        return int(self._frozen_time if self._frozen_time is not None else time.time())

    def set_time(self, epoch_seconds: float | None) -> None:
        self._frozen_time = epoch_seconds

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def account(self, session: str) -> Account:
        account = self.accounts.get(session)
        if account is None:
            account = self.accounts[session] = Account(session)
        return account

    def live_client(self, session: str) -> Client | None:
        client = self.clients.get(session)
        return client if client is not None and client.live else None

    # -- webhooks ----------------------------------------------------------------------------

    def webhook(
        self, client: Client, event: str, data: JsonDict, on_ok: Callable[[], None] | None = None
    ) -> None:
        """callWebHook: target, ignore list, autoDownload, then a fire-and-forget POST."""
        url = client.config.get("webhook") or self.config.server_webhook
        if not url or not isinstance(url, str):
            return
        ignore = self.config.ignore
        if event in ignore or data.get("from") in ignore or data.get("type") in ignore:
            return
        data = dict(data)
        if self.config.auto_download and (
            data.get("mimetype") or data.get("isMedia") or data.get("isMMS")
        ):
            raw_id = data.get("id")
            message_id = raw_id.get("_serialized") if isinstance(raw_id, dict) else raw_id
            media = self._media.get(str(message_id))
            if media is not None and str(message_id) not in self.media_gone:
                data["body"] = media.base64  # the whole file; a decrypt error keeps the thumbnail
        if self.config.read_message and event in _SEEN_EVENTS and on_ok is None:
            chat_id = data.get("from") or data.get("chatId")
            on_ok = lambda: self._seen_after_webhook(client, str(chat_id))  # noqa: E731
        body = {"event": event, "session": client.session, **data}
        self.poster.post(client.session, url, event, body, on_ok)

    def _seen_after_webhook(self, client: Client, chat_id: str) -> None:
        # client.sendSeen() on the client the event came from; errors are swallowed there
        if not client.live:
            return
        with contextlib.suppress(LookupError):
            self.send_seen(client, chat_id, "readMessage")

    # -- session lifecycle ----------------------------------------------------------------

    def session_state(self, client: Client | None, *, wait_qr: bool = False) -> JsonDict | None:
        """getSessionState's answer; None when it answers nothing (waitQrCode, no client)."""
        if (client is None or client.status is None) and not wait_qr:
            return {"status": "CLOSED", "qrcode": None}
        if client is None:
            return None
        state: JsonDict = {
            "status": client.status,
            "qrcode": qr_data_url(client.urlcode) if client.urlcode else None,
        }
        if client.urlcode is not None:
            state["urlcode"] = client.urlcode
        state["version"] = VERSION
        return state

    def create_session(
        self, session: str, body: JsonDict, waiter: asyncio.Future[JsonDict] | None = None
    ) -> None:
        """createSessionUtil: nothing at all unless the client is new, placeholder or CLOSED."""
        client = self.clients.get(session)
        if client is None:
            client = self.clients[session] = Client(session)
        if client.status is not None and client.status != "CLOSED":
            return
        client.status = "INITIALIZING"
        client.config = dict(body)
        account = self.account(session)
        # the token store's decodeFunction restores the stored config into an empty one
        if account.token_config and not client.config:
            client.config = dict(account.token_config)
        account.token_config = dict(client.config)
        client.scanned = asyncio.Event()
        if waiter is not None:
            client.qr_waiters.append(waiter)
        client.login = self.spawn(self._login(client, account))

    async def _login(self, client: Client, account: Account) -> None:
        cfg = self.config
        loop = asyncio.get_running_loop()
        deadline = loop.time() + cfg.qr_timeout  # startAutoClose runs from waitForLogin
        await asyncio.sleep(cfg.startup_delay)
        if account.linked_phone is not None:
            self.status_find(client, "isLogged")
            await asyncio.sleep(cfg.link_delay)
            self.status_find(client, "inChat")
            self._connected(client, account, account.linked_phone)
            return
        self.status_find(client, "notLogged")
        phone = client.config.get("phone")
        while not client.scanned.is_set():
            remaining = deadline - loop.time()
            if remaining <= 0:
                self.status_find(client, STATUS_AUTOCLOSE)
                return
            if isinstance(phone, str) and phone:
                self._export_phone_code(client, phone)
            else:
                self._export_qr(client)
            try:
                await asyncio.wait_for(client.scanned.wait(), min(cfg.qr_refresh, remaining))
            except TimeoutError:
                continue
        self.status_find(client, "qrReadSuccess")
        await asyncio.sleep(cfg.link_delay)
        self.status_find(client, "inChat")
        self._connected(client, account, client.scanned_phone or "393331234567")

    def status_find(self, client: Client, status: str) -> None:
        """The statusFind callback of createSessionUtil."""
        if status in _CLOSING_STATUSES:
            client.status = "CLOSED"
            client.qrcode = None
            client.live = False
            self.clients.pop(client.session, None)
        self.webhook(client, "status-find", {"status": status, "session": client.session})

    def _answer_waiters(self, client: Client, answer: JsonDict) -> None:
        for waiter in client.qr_waiters:
            if not waiter.done():
                waiter.set_result(answer)
        client.qr_waiters.clear()

    def _export_qr(self, client: Client) -> None:
        urlcode = "2@" + secrets.token_urlsafe(48) + "," + secrets.token_urlsafe(32) + ",1"
        data_url = qr_data_url(urlcode)
        client.status, client.qrcode, client.urlcode = "QRCODE", data_url, urlcode
        qrcode = data_url.removeprefix("data:image/png;base64,")
        self.webhook(
            client, "qrcode", {"qrcode": qrcode, "urlcode": urlcode, "session": client.session}
        )
        self._answer_waiters(
            client,
            {"status": "qrcode", "qrcode": qrcode, "urlcode": urlcode, "session": client.session},
        )

    def _export_phone_code(self, client: Client, phone: str) -> None:
        alphabet = "ABCDEFGHJKLMNPQRSTVWXYZ0123456789"
        code = "".join(secrets.choice(alphabet) for _ in range(8))
        code = f"{code[:4]}-{code[4:]}"
        client.status, client.phone_code = "PHONECODE", code
        data = {"phoneCode": code, "phone": phone, "session": client.session}
        self.webhook(client, "phoneCode", data)
        self._answer_waiters(client, {"status": "phoneCode", **data})

    def _connected(self, client: Client, account: Account, phone: str) -> None:
        """create() resolved: the live client replaces whatever the registry holds."""
        account.linked_phone = phone
        client.live = True
        client.status = "CONNECTED"
        client.qrcode = None  # urlcode stays: status-session keeps showing a qrcode
        self.clients[client.session] = client
        if self.config.all_unread_on_start:
            for chat in list(account.chats.values()):
                if chat.unread_count > 0:
                    for message in chat.messages:
                        self.webhook(client, "unreadmessages", self.serialize(account, message))
        if client.online.is_set():
            self._deliver_pending(client, account)

    def scan(self, session: str, phone_number: str) -> None:
        client = self.clients.get(session)
        if client is None or client.status not in ("QRCODE", "PHONECODE"):
            state = None if client is None else client.status
            raise RuntimeError(f"session {session!r} shows no QR code to scan (status {state})")
        client.scanned_phone = phone_number
        client.scanned.set()

    def unlink(self, session: str) -> None:
        account = self.account(session)
        account.linked_phone = None
        client = self.live_client(session)
        if client is not None:
            self.status_find(client, STATUS_UNLINKED)

    def close_session(self, client: Client) -> None:
        """close-session on a live client (the route handles the other cases)."""
        self.clients[client.session] = Client(client.session)  # `{status: null}`
        client.live = False
        self.webhook(
            client,
            "closesession",
            {"message": f"Session: {client.session} disconnected", "connected": False},
        )

    async def logout_session(self, client: Client) -> None:
        """logout-session: WhatsApp forgets the device, the session is deleted, and after
        500 ms the token file goes and `logoutsession` is posted."""
        account = self.account(client.session)
        account.linked_phone = None
        self.clients.pop(client.session, None)
        client.live = False
        await asyncio.sleep(0.5)
        account.token_config = None
        self.webhook(
            client,
            "logoutsession",
            {"message": f"Session: {client.session} logged out", "connected": False},
        )
        # the page's isRegistered() watcher notices the logout one second later
        self.spawn(self._report_unlinked_later(client))

    async def _report_unlinked_later(self, client: Client) -> None:
        await asyncio.sleep(1.0)
        self.status_find(client, STATUS_UNLINKED)

    def restart(self) -> None:
        """wppconnect-server restarts: every client is gone; with startAllSession each
        session of the token store starts again with its stored config."""
        for client in self.clients.values():
            client.live = False
            if client.login is not None:
                client.login.cancel()
        self.clients.clear()
        if self.config.start_all_session:
            for session, account in self.accounts.items():
                if account.token_config is not None:
                    self.create_session(session, {})

    def set_online(self, session: str, online: bool) -> None:
        client = self.live_client(session)
        if client is None:
            raise RuntimeError(f"session {session!r} is not connected")
        if online:
            client.online.set()
            self._deliver_pending(client, self.account(session))
        else:
            client.online.clear()

    # -- chats and messages -------------------------------------------------------------

    def me(self, account: Account) -> str:
        return f"{account.linked_phone or '0'}@c.us"

    def contact(self, account: Account, jid: str) -> JsonDict:
        is_me = jid == self.me(account)
        chat = account.chats.get(jid)
        pushname = self.config.business_name if is_me else (chat.pushname if chat else None)
        return {
            "id": jid,
            "name": None,
            "shortName": None,
            "pushname": pushname,
            "type": "in",
            "isBusiness": is_me,
            "isEnterprise": False,
            "isMe": is_me,
            "isMyContact": False,
            "isPSA": False,
            "isUser": jid.endswith("@c.us"),
            "isWAContact": True,
            "labels": [],
            "formattedName": formatted_number(jid),
            "profilePicThumbObj": {
                "eurl": None,
                "id": jid,
                "img": None,
                "imgFull": None,
                "tag": None,
            },
            "msgs": None,
        }

    def serialize(self, account: Account, message: Message) -> JsonDict:
        return message.serialize(self.contact(account, message.author))

    def serialize_chat(self, account: Account, chat: Chat) -> JsonDict:
        return chat.serialize(self.contact(account, chat.id))

    def new_message(
        self,
        account: Account,
        chat_id: str,
        *,
        from_me: bool,
        type: str = "chat",
        text: str = "",
        notify_name: str = "",
        media: MediaFile | None = None,
        caption: str | None = None,
        duration: int | None = None,
        key_prefix: str = "3EB0",
    ) -> Message:
        key = key_prefix + secrets.token_hex(9 if key_prefix else 10).upper()
        me = self.me(account)
        message = Message(
            id=f"{'true' if from_me else 'false'}_{chat_id}_{key}",
            key=key,
            chat_id=chat_id,
            from_me=from_me,
            author=me if from_me else chat_id,
            recipient=chat_id if from_me else me,
            type=type,
            t=self.now(),
            body=text if media is None else thumbnail_body(type),
            ack=1 if not from_me else 0,
            notify_name=notify_name,
            caption=caption,
            media=media,
            duration=duration,
        )
        if media is not None:
            self._media[message.id] = media
        return message

    def receive(self, session: str, message: Message) -> None:
        """A customer's message reaches WhatsApp: delivered now, or when the device is back."""
        account = self.account(session)
        client = self.live_client(session)
        if client is None or client.offline:
            account.pending_in.append(message)
            return
        self._store_incoming(client, account, message)

    def _deliver_pending(self, client: Client, account: Account) -> None:
        pending, account.pending_in = account.pending_in, []
        for message in pending:
            self._store_incoming(client, account, message)

    def _store_incoming(self, client: Client, account: Account, message: Message) -> None:
        chat = account.chat(message.chat_id)
        chat.pushname = message.notify_name or chat.pushname
        chat.add(message)
        chat.unread_count += 1
        self.webhook(client, "onmessage", self.serialize(account, message))

    def store_typed_on_phone(self, session: str, message: Message) -> None:
        """A message typed on the business phone: synced to the device, posted only as
        onselfmessage (off by default); its acks reach the device like any other."""
        account = self.account(session)
        chat = account.chat(message.chat_id)
        message.ack = 1
        chat.add(message)
        chat.unread_count = 0  # the phone has the chat open
        client = self.live_client(session)
        if client is None:
            return
        if self.config.on_self_message:
            self.webhook(client, "onselfmessage", self.serialize(account, message))
        self._schedule_delivery(message, session)

    def send_seen(self, client: Client, chat_id: str, reason: str) -> JsonDict:
        """WPP.chat.markIsRead: the chat's unread count goes to 0 and the customer's
        messages turn read (onack 3 for each that was unread)."""
        account = self.account(client.session)
        chat = account.chats.get(chat_id)
        if chat is None:
            raise LookupError(f"chat {chat_id} not found")
        unread = chat.unread_count
        chat.unread_count = 0
        self.seen.append(SeenCall(client.session, chat_id, reason))
        for message in chat.messages:
            if not message.from_me and message.ack < 3:
                self.set_ack(client.session, message, 3)
        return {"wid": wid(chat_id), "unreadCount": unread}

    def set_ack(self, session: str, message: Message, ack: int) -> None:
        if message.ack >= ack:
            return
        message.ack = ack
        client = self.live_client(session)
        if client is not None and self.config.listen_acks:
            self.webhook(client, "onack", message.ack_event())

    def _schedule_delivery(self, message: Message, session: str) -> None:
        delay = self.config.deliver_delay
        if delay is not None:
            self.spawn(self._deliver_later(message, session, delay))

    async def _deliver_later(self, message: Message, session: str, delay: float) -> None:
        await asyncio.sleep(delay)
        self.set_ack(session, message, 2)

    async def send(
        self,
        client: Client,
        chat_id: str,
        *,
        route: str,
        type: str = "chat",
        text: str = "",
        media: MediaFile | None = None,
        caption: str | None = None,
        options: JsonDict | None = None,
    ) -> Message:
        """sendRawMessage: markIsRead first (unless options say no), add the message to the
        chat (createChat), then wait for the server ack (waitForAck)."""
        options = options or {}
        user = chat_id.split("@")[0]
        if not user.replace("-", "").isdigit():
            raise InvalidWid(chat_id)
        account = self.account(client.session)
        chat = account.chat(chat_id)
        if options.get("markIsRead", True) is not False:
            self.send_seen(client, chat_id, "send")
        message = self.new_message(
            account, chat_id, from_me=True, type=type, text=text, media=media, caption=caption
        )
        chat.add(message)
        self.sent.append(
            SentMessage(
                client.session, chat_id, message.id, type, caption or text or "", media, route
            )
        )
        if self.config.on_self_message:
            self.webhook(client, "onselfmessage", self.serialize(account, message))
        acked = self.spawn(self._server_ack(client, message))
        try:
            await asyncio.wait_for(asyncio.shield(acked), self.config.offline_send_timeout)
        except TimeoutError as exc:
            # the message stays queued in the page and goes out when it is back online
            raise SendTimedOut(message.id) from exc
        return message

    async def _server_ack(self, client: Client, message: Message) -> None:
        await client.online.wait()
        await asyncio.sleep(self.config.ack_delay)
        self.set_ack(client.session, message, 1)
        self._schedule_delivery(message, client.session)

    def our_messages(self, session: str, chat_id: str) -> list[Message]:
        chat = self.account(session).chats.get(chat_id)
        return [m for m in chat.messages if m.from_me] if chat else []

    def media_of(self, message_id: str) -> MediaFile | None:
        return self._media.get(message_id)

    def find_message(self, session: str, message_id: str) -> Message | None:
        remote = message_id.split("_")[1] if message_id.count("_") >= 2 else ""
        chat = self.account(session).chats.get(remote)
        return chat.find(message_id) if chat else None
