"""A fake WhatsApp gateway on loopback that speaks both send APIs the senders use.

- WPPConnect Server: `POST /api/{session}/send-message` (Bearer token per session).
- Meta Cloud API:    `POST /{version}/{phone_number_id}/messages` (Bearer access token): a
  text message, or `{messaging_product, status: "read", message_id}` marking a customer's
  message read, answered `{"success": true}`; a message id it never delivered (made by
  `meta_message()`) is error 131009 "Parameter value is not valid" (Meta, "Mark messages
  as read", developers.facebook.com/documentation/business-messaging/whatsapp/messages/
  mark-message-as-read). Read marks are kept in `read_marks`.
- WPPConnect session status: `GET /api/{session}/status-session` and
  `GET /api/{session}/check-connection-session`, steered with `set_session_state()` and
  `bad_status_next()`; counted in `status_polls`, not recorded in `requests` (so tests
  counting sends are not disturbed by a server that polls).
- WPPConnect read-back: `POST /api/{session}/list-chats` answers no chats (the fake keeps
  no history; the strict simulator, tests/fakes/wppconnect_sim, does), so a server's
  reconcile rounds find nothing; not recorded either.

Every request is recorded (method, path, headers, query, json). `fail_next(n, status)` makes
the next n requests fail with the gateway's real error body for that status (bodies come
from tests/data/gateways); `hang_next(n)` makes them never answer (for timeouts). Builders
produce realistic webhook bodies (acks/statuses of messages it sent, incoming messages)
that server tests can post back.

Import:       `from tests.fakes.fake_gateway import FakeGateway`
Async tests:  `async with FakeGateway() as gw: ...`
Sync tests:   `with FakeGateway.start_in_thread() as gw: ...` (own loop in a thread)
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.support.loop_thread import serve_in_thread, stop_served

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "gateways"
DEFAULT_SESSION = "sportello"
DEFAULT_WPP_TOKEN = "wpp-test-token"
DEFAULT_PHONE_NUMBER_ID = "106540352242922"
DEFAULT_META_TOKEN = "meta-test-token"
BUSINESS_NUMBER = "390612345678"


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    query: dict[str, str]
    json: Any  # decoded body, None when it was not JSON


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message the fake accepted: what a real gateway would have delivered."""

    gateway: str  # "wppconnect" or "meta"
    message_id: str
    to: str  # as the gateway received it: digits, or a group id
    body: str
    account: str  # WPPConnect session or Meta phone-number-id


@dataclass(frozen=True, slots=True)
class _Failure:
    status: int | None  # None: hang
    body: Any


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


_WPP_ERRORS = {
    400: "wppconnect/send_message_400_unknown_number.json",
    401: "wppconnect/send_message_401.json",
    404: "wppconnect/send_message_404_disconnected.json",
    500: "wppconnect/send_message_500.json",
}
_META_ERRORS = {
    400: "meta/send_400_not_allowed.json",
    401: "meta/send_401_token_expired.json",
    429: "meta/send_400_rate_limit.json",
    500: "meta/send_500_unknown.json",
}


class FakeGateway:
    """Fake WPPConnect + Meta send endpoints on 127.0.0.1 with a free port."""

    def __init__(
        self,
        *,
        session: str = DEFAULT_SESSION,
        wpp_token: str = DEFAULT_WPP_TOKEN,
        phone_number_id: str = DEFAULT_PHONE_NUMBER_ID,
        meta_token: str = DEFAULT_META_TOKEN,
        meta_version: str = "v21.0",
    ) -> None:
        self.session = session
        self.wpp_token = wpp_token
        self.phone_number_id = phone_number_id
        self.meta_token = meta_token
        self.meta_version = meta_version
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._sent: list[SentMessage] = []
        self._failures: list[_Failure] = []
        self._runner: web.AppRunner | None = None
        self._release: asyncio.Event | None = None
        self._port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._session_status = "CONNECTED"  # wppconnect-server `client.status`
        self._session_connected = True  # what check-connection-session says
        self._bad_status: list[tuple[int, str]] = []
        self.status_polls = 0
        self._inbound_meta_ids: set[str] = set()  # what meta_message() delivered
        self._read_marks: list[str] = []

    # -- addresses ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeGateway is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def wpp_base_url(self) -> str:
        """What WppConnectSender takes as base_url."""
        return self.url

    @property
    def meta_base_url(self) -> str:
        """What MetaCloudSender takes as base_url (`.../v21.0`)."""
        return f"{self.url}/{self.meta_version}"

    # -- what happened -----------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def sent(self) -> list[SentMessage]:
        with self._lock:
            return list(self._sent)

    @property
    def read_marks(self) -> list[str]:
        """Cloud API message ids marked read, in order."""
        with self._lock:
            return list(self._read_marks)

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
            self._sent.clear()
            self._failures.clear()

    # -- steering ----------------------------------------------------------------------

    def fail_next(self, n: int = 1, status: int = 500, *, body: Any = None) -> None:
        """The next n requests answer `status` with the gateway's error body (or `body`)."""
        with self._lock:
            self._failures.extend(_Failure(status, body) for _ in range(n))

    def hang_next(self, n: int = 1) -> None:
        """The next n requests never answer (until the fake stops)."""
        with self._lock:
            self._failures.extend(_Failure(None, None) for _ in range(n))

    def set_session_state(self, status: str, *, connected: bool | None = None) -> None:
        """What status-session answers from now on (`CONNECTED`, `QRCODE`, `CLOSED`,
        `INITIALIZING`...); check-connection-session answers `connected` (default: whether
        status is CONNECTED: a CONNECTED status with connected=False is a session whose
        phone went offline while WPPConnect has not noticed yet)."""
        with self._lock:
            self._session_status = status
            self._session_connected = status == "CONNECTED" if connected is None else connected

    def bad_status_next(
        self, n: int = 1, status: int = 200, text: str = "<html>oops</html>"
    ) -> None:
        """The next n status-session requests answer `status` with this raw body."""
        with self._lock:
            self._bad_status.extend((status, text) for _ in range(n))

    def _take_failure(self) -> _Failure | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    # -- lifecycle (async) -------------------------------------------------------------

    async def start(self) -> FakeGateway:
        self._release = asyncio.Event()
        app = web.Application()
        app.router.add_post("/api/{session}/send-message", self._wpp_send)
        app.router.add_post("/{version}/{number_id}/messages", self._meta_send)
        app.router.add_get("/api/{session}/status-session", self._wpp_status)
        app.router.add_get("/api/{session}/check-connection-session", self._wpp_check_connection)
        app.router.add_post("/api/{session}/list-chats", self._wpp_list_chats)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        return self

    async def close(self) -> None:
        if self._release is not None:
            self._release.set()  # let hanging handlers finish so shutdown does not wait
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeGateway:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- lifecycle (threaded, for sync tests) ------------------------------------------

    @classmethod
    def start_in_thread(cls, **kwargs: Any) -> FakeGateway:
        """Start on its own event loop in a daemon thread; stop with `.stop()` or `with`."""
        gateway = cls(**kwargs)
        gateway._loop, gateway._thread = serve_in_thread(
            gateway.start, gateway.close, "fake-gateway"
        )
        return gateway

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if self._release is not None:
            loop.call_soon_threadsafe(self._release.set)
        stop_served(loop, thread)
        self._loop = self._thread = None

    def __enter__(self) -> FakeGateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- handlers ----------------------------------------------------------------------

    async def _record(self, request: web.Request) -> Any:
        raw = await request.read()
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = None
        with self._lock:
            self._requests.append(
                RecordedRequest(
                    method=request.method,
                    path=request.path,
                    headers=dict(request.headers),
                    query=dict(request.query),
                    json=payload,
                )
            )
        return payload

    async def _injected(self, errors: Mapping[int, str]) -> web.Response | None:
        failure = self._take_failure()
        if failure is None:
            return None
        if failure.status is None:
            assert self._release is not None
            await self._release.wait()
            return web.Response(status=503, text="fake gateway stopped")
        body = failure.body
        if body is None:
            name = errors.get(failure.status)
            body = _fixture(name) if name else {"error": f"HTTP {failure.status}"}
        return web.json_response(body, status=failure.status)

    async def _wpp_send(self, request: web.Request) -> web.Response:
        payload = await self._record(request)
        injected = await self._injected(_WPP_ERRORS)
        if injected is not None:
            return injected
        session = request.match_info["session"]
        if session != self.session or request.headers.get("Authorization") != (
            f"Bearer {self.wpp_token}"
        ):
            return web.json_response(_fixture(_WPP_ERRORS[401]), status=401)
        if not isinstance(payload, dict):
            return web.json_response("Error sending message", status=400)
        phone, text = payload.get("phone"), payload.get("message")
        if not isinstance(phone, str) or not phone or not isinstance(text, str):
            return web.json_response("Error sending message", status=400)
        if payload.get("isGroup"):
            chat = phone if phone.endswith("@g.us") else f"{phone.split('@')[0]}@g.us"
        elif payload.get("isLid"):
            chat = f"{phone.split('@')[0]}@lid"
        else:
            chat = f"{phone.split('@')[0]}@c.us"
        message_id = f"true_{chat}_3EB0{secrets.token_hex(8).upper()}"
        with self._lock:
            self._sent.append(SentMessage("wppconnect", message_id, phone, text, session))
        sent = {
            "id": message_id,
            "body": text,
            "type": "chat",
            "t": int(time.time()),
            "notifyName": "",
            "from": f"{BUSINESS_NUMBER}@c.us",
            "to": chat,
            "self": "out",
            "ack": 0,
            "invis": False,
            "isNewMsg": True,
            "star": False,
            "recvFresh": True,
            "broadcast": False,
            "mentionedJidList": [],
            "isForwarded": False,
            "labels": [],
            "chatId": chat,
            "fromMe": True,
            "isGroupMsg": chat.endswith("@g.us"),
            "isMedia": False,
            "isNotification": False,
            "mediaData": {},
        }
        return web.json_response(
            {"status": "success", "response": [sent], "mapper": "return"}, status=201
        )

    def _status_gate(self, request: web.Request, inject: bool = False) -> web.Response | None:
        """Token check shared by both status endpoints, and the injected bad answers (on
        status-session only, where every poll round begins: a test that queues them while
        a round is between its two requests still gets them on the endpoint it expects)."""
        with self._lock:
            self.status_polls += 1
            bad = self._bad_status.pop(0) if inject and self._bad_status else None
        if bad is not None:
            return web.Response(status=bad[0], text=bad[1], content_type="text/html")
        if (
            request.match_info["session"] != self.session
            or request.headers.get("Authorization") != f"Bearer {self.wpp_token}"
        ):
            # wppconnect-server src/middleware/auth.ts
            return web.json_response(
                {"error": "Check that the Session and Token are correct"}, status=401
            )
        return None

    async def _wpp_status(self, request: web.Request) -> web.Response:
        refused = self._status_gate(request, inject=True)
        if refused is not None:
            return refused
        with self._lock:
            status = self._session_status
        if status == "CLOSED":
            return web.json_response({"status": "CLOSED", "qrcode": None})
        qr = "data:image/png;base64,iVBORw0KGgo=" if status == "QRCODE" else None
        return web.json_response(
            {"status": status, "qrcode": qr, "urlcode": "2@fake" if qr else "", "version": "2.8.6"}
        )

    async def _wpp_check_connection(self, request: web.Request) -> web.Response:
        refused = self._status_gate(request)
        if refused is not None:
            return refused
        with self._lock:
            connected = self._session_connected
        if connected:
            return web.json_response({"status": True, "message": "Connected"})
        return web.json_response({"status": False, "message": "Disconnected"})

    async def _wpp_list_chats(self, request: web.Request) -> web.Response:
        if (
            request.match_info["session"] != self.session
            or request.headers.get("Authorization") != f"Bearer {self.wpp_token}"
        ):
            return web.json_response(
                {"error": "Check that the Session and Token are correct"}, status=401
            )
        return web.json_response([])  # deviceController.ts listChats: a bare array

    async def _meta_send(self, request: web.Request) -> web.Response:
        payload = await self._record(request)
        injected = await self._injected(_META_ERRORS)
        if injected is not None:
            return injected
        if request.headers.get("Authorization") != f"Bearer {self.meta_token}":
            return web.json_response(_fixture(_META_ERRORS[401]), status=401)
        number_id = request.match_info["number_id"]
        if number_id != self.phone_number_id:
            return _meta_error(
                400,
                100,
                f"Unsupported post request. Object with ID '{number_id}' does not exist, cannot "
                "be loaded due to missing permissions, or does not support this operation.",
                subcode=33,
            )
        if isinstance(payload, dict) and "status" in payload:
            return self._meta_mark_read(payload)
        to = payload.get("to") if isinstance(payload, dict) else None
        text = payload.get("text") if isinstance(payload, dict) else None
        body = text.get("body") if isinstance(text, dict) else None
        if (
            not isinstance(payload, dict)
            or payload.get("messaging_product") != "whatsapp"
            or not isinstance(to, str)
            or not to
            or payload.get("type", "text") != "text"
            or not isinstance(body, str)
            or not body
        ):
            return _meta_error(400, 100, "(#100) Invalid parameter")
        message_id = (
            "wamid."
            + base64.b64encode(b"\x15\x02\x00\x11\x18\x12" + secrets.token_bytes(18)).decode()
        )
        with self._lock:
            self._sent.append(SentMessage("meta", message_id, to, body, number_id))
        wa_id = to.lstrip("+")
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": wa_id}],
                "messages": [{"id": message_id}],
            }
        )

    def _meta_mark_read(self, payload: dict[str, Any]) -> web.Response:
        message_id = payload.get("message_id")
        if (
            payload.get("messaging_product") != "whatsapp"
            or payload.get("status") != "read"
            or not isinstance(message_id, str)
        ):
            return _meta_error(400, 100, "(#100) Invalid parameter")
        with self._lock:
            known = message_id in self._inbound_meta_ids
            if known:
                self._read_marks.append(message_id)
        if not known:
            return _meta_error(400, 131009, "(#131009) Parameter value is not valid")
        return web.json_response({"success": True})

    # -- webhook bodies to post back to the server ---------------------------------------

    def wpp_ack(self, message_id: str, ack: int, *, session: str | None = None) -> dict[str, Any]:
        """An `onack` webhook for a message this fake sent (ack: -1 error ... 3 read, 4 played)."""
        sent = self._find(message_id)
        remote = message_id.split("_")[1] if message_id.count("_") >= 2 else "0@c.us"
        return {
            "event": "onack",
            "session": session or (sent.account if sent else self.session),
            "id": {
                "fromMe": True,
                "remote": remote,
                "id": message_id.rsplit("_", 1)[-1],
                "_serialized": message_id,
            },
            "body": sent.body if sent else "",
            "type": "chat",
            "t": int(time.time()),
            "notifyName": "",
            "from": f"{BUSINESS_NUMBER}@c.us",
            "to": remote,
            "self": "out",
            "ack": ack,
            "invis": False,
            "isNewMsg": True,
            "star": False,
            "recvFresh": True,
            "isFromTemplate": False,
            "broadcast": False,
            "mentionedJidList": [],
            "isForwarded": False,
            "labels": [],
        }

    def meta_status(
        self,
        message_id: str,
        status: str,
        *,
        error_code: int = 131026,
        error_title: str = "Message undeliverable",
        error_details: str = "Message failed to send because the recipient is not on WhatsApp.",
    ) -> dict[str, Any]:
        """A Cloud API `statuses[]` webhook (sent/delivered/read/failed) for a sent message."""
        sent = self._find(message_id)
        item: dict[str, Any] = {
            "id": message_id,
            "status": status,
            "timestamp": str(int(time.time())),
            "recipient_id": sent.to.lstrip("+") if sent else "393331234567",
        }
        if status == "failed":
            item["errors"] = [
                {
                    "code": error_code,
                    "title": error_title,
                    "message": error_title,
                    "error_data": {"details": error_details},
                    "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
                }
            ]
        elif status in ("sent", "delivered"):
            item["conversation"] = {"id": secrets.token_hex(16), "origin": {"type": "service"}}
            item["pricing"] = {"billable": False, "pricing_model": "PMP", "category": "service"}
        value = {
            "messaging_product": "whatsapp",
            "metadata": self._meta_metadata(sent.account if sent else None),
            "statuses": [item],
        }
        return _meta_envelope(value)

    def wpp_message(
        self,
        from_number: str,
        body: str,
        *,
        message_id: str | None = None,
        notify_name: str = "Mario Rossi",
        session: str | None = None,
        timestamp: int | None = None,
    ) -> dict[str, Any]:
        """An incoming `onmessage` webhook from `from_number` (digits or JID)."""
        jid = from_number if "@" in from_number else f"{from_number.lstrip('+')}@c.us"
        message_id = message_id or f"false_{jid}_3EB0{secrets.token_hex(8).upper()}"
        t = timestamp or int(time.time())
        return {
            "event": "onmessage",
            "session": session or self.session,
            "id": message_id,
            "body": body,
            "type": "chat",
            "t": t,
            "notifyName": notify_name,
            "from": jid,
            "to": f"{BUSINESS_NUMBER}@c.us",
            "self": "in",
            "ack": 1,
            "isNewMsg": True,
            "chatId": jid,
            "fromMe": False,
            "isGroupMsg": jid.endswith("@g.us"),
            "sender": {"id": jid, "pushname": notify_name, "isMe": False, "isUser": True},
            "timestamp": t,
        }

    def meta_message(
        self,
        from_number: str,
        body: str,
        *,
        message_id: str | None = None,
        name: str = "Mario Rossi",
        timestamp: int | None = None,
    ) -> dict[str, Any]:
        """An incoming Cloud API text message webhook from `from_number` (digits, no +)."""
        wa_id = from_number.lstrip("+")
        message_id = message_id or "wamid." + base64.b64encode(secrets.token_bytes(24)).decode()
        with self._lock:
            self._inbound_meta_ids.add(message_id)
        value = {
            "messaging_product": "whatsapp",
            "metadata": self._meta_metadata(None),
            "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
            "messages": [
                {
                    "from": wa_id,
                    "id": message_id,
                    "timestamp": str(timestamp or int(time.time())),
                    "type": "text",
                    "text": {"body": body},
                }
            ],
        }
        return _meta_envelope(value)

    def _meta_metadata(self, number_id: str | None) -> dict[str, str]:
        return {
            "display_phone_number": BUSINESS_NUMBER,
            "phone_number_id": number_id or self.phone_number_id,
        }

    def _find(self, message_id: str) -> SentMessage | None:
        with self._lock:
            return next((m for m in self._sent if m.message_id == message_id), None)


def sign_meta(raw_body: bytes, app_secret: str) -> str:
    """The `X-Hub-Signature-256` header value Meta would send for `raw_body`."""
    digest = hmac.new(app_secret.encode("utf-8"), raw_body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _meta_envelope(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }


def _meta_error(
    status: int, code: int, message: str, *, subcode: int | None = None
) -> web.Response:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": secrets.token_urlsafe(16),
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return web.json_response({"error": error}, status=status)
