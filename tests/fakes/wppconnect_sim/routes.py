"""The HTTP face: wppconnect-server's routes (`src/routes/index.ts`) with its middlewares
(`middleware/auth.ts` verifyToken, `middleware/statusConnection.ts`) and the answers of
`controller/encryptController.ts`, `sessionController.ts`, `messageController.ts` and
`deviceController.ts` (status codes and bodies as there, including the odd ones: 401 for a
missing file, 401 for a get-messages error, 201 for send-seen).
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .auth import SECRET_KEY_WRONG, TOKEN_WRONG, session_name, token_from_request
from .gateway import Gateway, InvalidWid, SendTimedOut
from .media import MediaFile, parse_data_url, qr_png
from .model import Client, JsonDict
from .readback import ChatNotFound, get_messages, list_chats, unread_messages

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CallHandler = Callable[["Call"], Awaitable[web.StreamResponse]]

DISCONNECTED = {
    "response": None,
    "status": "Disconnected",
    "message": "A sessão do WhatsApp não está ativa.",
}
SEND_ERROR = "Erro ao enviar a mensagem."  # messageController.ts returnError (v2.10.4)


def js_truthy(value: Any) -> bool:
    if isinstance(value, float) and math.isnan(value):
        return False
    return value not in (None, False, 0, "")


def js_parse_int(value: Any) -> float:
    match = re.match(r"^\s*([+-]?\d+)", str(value)) if value is not None else None
    return float(int(match.group(1))) if match else math.nan


def contact_to_array(number: Any, is_group: bool, is_newsletter: bool, is_lid: bool) -> list[str]:
    """functions.ts contactToArray (a non-string, non-array `phone` raises, as `split` does)."""
    if isinstance(number, list):
        items = [str(n) for n in number]
    elif isinstance(number, str):
        items = re.split(r"\s*[,;]\s*", number)
    else:
        raise TypeError("number.split is not a function")
    out: list[str] = []
    for item in items:
        contact = item.split("@")[0]
        if not (is_group or is_newsletter):
            contact = re.sub(r"[^\w ]", "", contact, flags=re.ASCII)
        if contact == "":
            continue
        if is_group:
            out.append(f"{contact}@g.us")
        elif is_newsletter:
            out.append(f"{contact}@newsletter")
        elif is_lid or len(contact) > 14:
            out.append(f"{contact}@lid")
        else:
            out.append(f"{contact}@c.us")
    return out


@dataclass(slots=True)
class Call:
    """One request and what the middlewares learnt about it (req.session, req.client,
    req.body with `phone` converted by statusConnection, multer's req.file)."""

    request: web.Request
    session: str = ""
    client: Client | None = None
    parsed: JsonDict | None = None
    phones: list[str] = field(default_factory=list)
    file: MediaFile | None = None

    @property
    def live(self) -> Client:
        """The client statusConnection let through."""
        assert self.client is not None and self.client.live
        return self.client


class Routes:
    """Builds the aiohttp application around a Gateway."""

    def __init__(self, gateway: Gateway, closing: asyncio.Event) -> None:
        self.gw = gateway
        self.closing = closing

    # -- helpers ------------------------------------------------------------------------

    @staticmethod
    def json(call: Call, body: Any, status: int = 200) -> web.Response:
        """res.json, with src/index.ts's wrapper: a JSON-object answer to a request sent as
        exactly `application/json` gets the session added when it has none."""
        if (
            isinstance(body, dict)
            and "session" not in body
            and call.request.headers.get("Content-Type") == "application/json"
        ):
            body = {**body, "session": call.session}
        return web.json_response(body, status=status)

    @staticmethod
    async def body(call: Call) -> JsonDict:
        """express.json / urlencoded / multer: the parsed body, {} when there is none."""
        if call.parsed is not None:
            return dict(call.parsed)
        request = call.request
        parsed: JsonDict = {}
        content_type = request.content_type
        if content_type == "application/json":
            raw = await request.read()
            if raw:
                value = json.loads(raw)
                parsed = value if isinstance(value, dict) else {}
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    call.file = MediaFile(value.file.read(), value.content_type, value.filename)
                else:
                    parsed[name] = value
        call.parsed = parsed
        return dict(parsed)

    def _retrieve_failed(self, call: Call, session: str) -> web.Response:
        """deviceController.ts returnError."""
        response = {"message": "Error retrieving information", "session": session, "log": {}}
        return self.json(call, {"status": "Error", "response": response}, 400)

    # -- middlewares --------------------------------------------------------------------

    @staticmethod
    def plain(handler: CallHandler) -> Handler:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            return await handler(Call(request))

        return wrapped

    def verify_token(self, handler: CallHandler) -> Handler:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            call = Call(request)
            raw = request.match_info["session"]
            token = token_from_request(raw, request.headers.get("Authorization"))
            if isinstance(token, dict):
                return self.json(call, token, 401)
            session = session_name(raw)
            if not self.gw.tokens.verify(session, token):
                return self.json(call, TOKEN_WRONG, 401)
            call.session = session
            call.client = self.gw.clients.get(session)
            return await handler(call)

        return wrapped

    def status_connection(self, handler: CallHandler) -> CallHandler:
        async def wrapped(call: Call) -> web.StreamResponse:
            client = call.client
            if client is None or not client.live:
                return self.json(call, DISCONNECTED, 404)
            try:
                body = await self.body(call)
            except ValueError:
                return web.Response(status=400, text="SyntaxError: Unexpected token in JSON")
            try:
                phones = contact_to_array(
                    body.get("phone") or [],
                    js_truthy(body.get("isGroup")),
                    js_truthy(body.get("isNewsletter")),
                    js_truthy(body.get("isLid")),
                )
            except TypeError:
                return self.json(call, DISCONNECTED, 404)
            checked: list[str] = []
            special = js_truthy(body.get("isGroup")) or js_truthy(body.get("isNewsletter"))
            for contact in phones:
                if special or "@lid" in contact or contact in checked:
                    continue
                number = contact.split("@")[0]
                unknown = self.gw.unknown_numbers
                if not number.isdigit() or number in unknown or contact in unknown:
                    message = f"O número {number} não existe."
                    body_400 = {"response": None, "status": "Connected", "message": message}
                    return self.json(call, body_400, 400)
                checked.append(contact)
            call.phones = phones
            return await handler(call)

        return wrapped

    # -- application ----------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(client_max_size=50 * 1024 * 1024, middlewares=[self._hook])
        auth, conn = self.verify_token, self.status_connection
        r = app.router
        r.add_post("/api/{session}/{secretkey}/generate-token", self.plain(self.generate_token))
        r.add_get("/api/{secretkey}/show-all-sessions", self.plain(self.show_all_sessions))
        r.add_post("/api/{secretkey}/start-all", self.plain(self.start_all))
        r.add_get("/api/{session}/check-connection-session", auth(self.check_connection))
        r.add_get("/api/{session}/get-media-by-message/{messageId}", auth(self.media_by_message))
        r.add_get("/api/{session}/qrcode-session", auth(self.qrcode_session))
        r.add_post("/api/{session}/start-session", auth(self.start_session))
        r.add_post("/api/{session}/logout-session", auth(conn(self.logout_session)))
        r.add_post("/api/{session}/close-session", auth(self.close_session))
        r.add_post("/api/{session}/download-media", auth(conn(self.download_media)))
        r.add_get("/api/{session}/status-session", auth(self.status_session))
        r.add_post("/api/{session}/send-message", auth(conn(self.send_message)))
        for name in ("send-image", "send-file", "send-file-base64"):
            r.add_post(f"/api/{{session}}/{name}", auth(conn(self.send_file)))
        r.add_post("/api/{session}/send-voice", auth(conn(self.send_voice)))
        r.add_post("/api/{session}/send-voice-base64", auth(conn(self.send_voice_base64)))
        r.add_post("/api/{session}/send-seen", auth(conn(self.send_seen)))
        r.add_get("/api/{session}/all-chats", auth(conn(self.all_chats)))
        r.add_post("/api/{session}/list-chats", auth(conn(self.list_chats)))
        r.add_get(
            "/api/{session}/all-chats-with-messages", auth(conn(self.all_chats_with_messages))
        )
        r.add_get("/api/{session}/all-unread-messages", auth(conn(self.all_unread)))
        r.add_get("/api/{session}/get-messages/{phone}", auth(conn(self.get_messages)))
        r.add_get("/api/{session}/message-by-id/{messageId}", auth(conn(self.message_by_id)))
        r.add_get("/api/{session}/get-phone-number", auth(conn(self.phone_number)))
        return app

    @web.middleware
    async def _hook(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        hook = self.gw.config.on_request
        if hook is not None:
            payload: Any = None
            if request.content_type == "application/json" and request.can_read_body:
                try:
                    payload = json.loads(await request.read() or b"null")
                except ValueError:
                    payload = None
            hook(request.method, request.path, payload)
        return await handler(request)

    # -- token and sessions ---------------------------------------------------------------

    async def generate_token(self, call: Call) -> web.Response:
        session = call.request.match_info["session"]
        if call.request.match_info["secretkey"] != self.gw.config.secret_key:
            return self.json(call, SECRET_KEY_WRONG, 400)
        token = self.gw.tokens.issue(session)
        answer = {"status": "success", "session": session, "token": token}
        return self.json(call, {**answer, "full": f"{session}:{token}"}, 201)

    async def show_all_sessions(self, call: Call) -> web.Response:
        if call.request.match_info["secretkey"] != self.gw.config.secret_key:
            return self.json(call, {"response": False, "message": "The token is incorrect"}, 400)
        sessions = [s for s, a in self.gw.accounts.items() if a.token_config is not None]
        return self.json(call, {"response": sessions})

    async def start_all(self, call: Call) -> web.Response:
        if call.request.match_info["secretkey"] != self.gw.config.secret_key:
            return self.json(call, {"response": "error", "message": "The token is incorrect"}, 400)
        for session, account in list(self.gw.accounts.items()):
            if account.token_config is not None:
                self.gw.create_session(session, {})
        return self.json(call, {"status": "success", "message": "Starting all sessions"}, 201)

    async def _hang(self) -> web.Response:
        """What express does when no handler answers: nothing, until the server goes."""
        await self.closing.wait()
        return web.Response(status=503, text="simulator closing")

    async def start_session(self, call: Call) -> web.StreamResponse:
        session: str = call.session
        body = await self.body(call)
        wait_qr = js_truthy(body.get("waitQrCode", False))
        state = self.gw.session_state(call.client, wait_qr=wait_qr)
        if state is not None:
            self.gw.create_session(session, body)
            return self.json(call, state)
        waiter: asyncio.Future[JsonDict] = asyncio.get_running_loop().create_future()
        self.gw.create_session(session, body, waiter)
        closing: asyncio.Future[Any] = asyncio.ensure_future(self.closing.wait())
        either: set[asyncio.Future[Any]] = {waiter, closing}
        try:
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        finally:
            closing.cancel()
        if not waiter.done():  # a restored session never shows a QR: no answer
            return await self._hang()
        return self.json(call, waiter.result())

    async def status_session(self, call: Call) -> web.StreamResponse:
        body = await self.body(call)
        state = self.gw.session_state(call.client, wait_qr=js_truthy(body.get("waitQrCode", False)))
        return await self._hang() if state is None else self.json(call, state)

    async def qrcode_session(self, call: Call) -> web.Response:
        client: Client | None = call.client
        if client is not None and client.urlcode:
            return web.Response(body=qr_png(client.urlcode, scale=12), content_type="image/png")
        if client is None:
            message = (
                "Session not started. Please, use the /start-session route, "
                "for initialization your session"
            )
            return self.json(call, {"status": None, "message": message})
        return self.json(call, {"status": client.status, "message": "QRCode is not available..."})

    async def check_connection(self, call: Call) -> web.Response:
        client: Client | None = call.client
        if client is not None and client.live:
            return self.json(call, {"status": True, "message": "Connected"})
        return self.json(call, {"status": False, "message": "Disconnected"})

    async def close_session(self, call: Call) -> web.Response:
        client: Client | None = call.client
        ok = {"status": True, "message": "Session successfully closed"}
        failed = {"status": False, "message": "Error closing session", "error": {}}
        if client is None:  # clientsArray[session].status on undefined
            return self.json(call, failed, 500)
        if client.status is None:
            return self.json(call, ok)
        if not client.live:  # a placeholder has no close(): the registry is reset anyway
            self.gw.clients[client.session] = Client(client.session)
            return self.json(call, failed, 500)
        self.gw.close_session(client)
        return self.json(call, ok)

    async def logout_session(self, call: Call) -> web.Response:
        await self.gw.logout_session(call.live)
        return self.json(call, {"status": True, "message": "Session successfully closed"})

    # -- sending --------------------------------------------------------------------------

    def _send_failed(self, call: Call, error: JsonDict) -> web.Response:
        return self.json(call, {"status": "Error", "message": SEND_ERROR, "error": error}, 500)

    @staticmethod
    def _sent(call: Call, results: list[Any]) -> web.Response:
        return Routes.json(
            call, {"status": "success", "response": results, "mapper": "return"}, 201
        )

    async def send_message(self, call: Call) -> web.Response:
        client = call.live
        body = await self.body(call)
        phones: list[str] = call.phones
        if not phones:
            return self.json(call, "Error sending message", 400)
        text = body.get("message")
        if not isinstance(text, str):
            return self._send_failed(call, {})
        options = _options(body)
        account = self.gw.account(client.session)
        results = []
        try:
            for chat_id in phones:
                message = await self.gw.send(
                    client, chat_id, route="send-message", text=text, options=options
                )
                results.append(self.gw.serialize(account, message))
        except SendTimedOut:
            return self._send_failed(call, {"name": "ProtocolError"})
        except InvalidWid:
            return self._send_failed(call, {"code": "invalid_wid"})
        return self._sent(call, results)

    async def send_file(self, call: Call) -> web.Response:
        client = call.live
        body = await self.body(call)
        upload: MediaFile | None = call.file
        path, b64 = body.get("path"), body.get("base64")
        if not path and upload is None and not b64:
            return self.json(call, {"message": "Sending the file is mandatory"}, 401)
        phones: list[str] = call.phones
        if not phones:
            return self.json(call, "Error sending message", 400)
        filename = body.get("filename") or "file"
        caption = body.get("message") or body.get("caption")
        if upload is not None and not path and not b64:
            media = MediaFile(upload.data, upload.mimetype, str(filename))
        else:
            parsed = parse_data_url(path or b64)
            if parsed is None:  # a path or URL the simulator cannot read
                return self._send_failed(call, {"code": "empty_file"})
            media = MediaFile(parsed[1], parsed[0], str(filename))
        kind = _auto_detect(media.mimetype)
        options = _options(body)
        return await self._send_media(
            call,
            client,
            phones,
            call.request.path.rsplit("/", 1)[-1],
            kind,
            media,
            caption,
            options,
        )

    async def send_voice_base64(self, call: Call) -> web.Response:
        client = call.live
        body = await self.body(call)
        parsed = parse_data_url(body.get("base64Ptt"))
        phones: list[str] = call.phones
        if not phones:
            return self.json(call, "Error sending message", 400)
        if parsed is None:
            return self._send_failed(call, {"erro": True, "text": "Invalid base64!"})
        media = MediaFile(parsed[1], parsed[0], "Voice Audio")
        return await self._send_media(
            call, client, phones, "send-voice-base64", "ptt", media, "", {}
        )

    async def send_voice(self, call: Call) -> web.Response:
        body = await self.body(call)
        phones: list[str] = call.phones
        if not phones:
            return self.json(call, "Error sending message", 400)
        path = body.get("path")
        return self._send_failed(
            call,
            {"erro": True, "to": phones[0], "text": f'No such file or directory, open "{path}"'},
        )

    async def _send_media(
        self,
        call: Call,
        client: Client,
        phones: list[str],
        route: str,
        kind: str,
        media: MediaFile,
        caption: Any,
        options: JsonDict,
    ) -> web.Response:
        results = []
        try:
            for chat_id in phones:
                message = await self.gw.send(
                    client,
                    chat_id,
                    route=route,
                    type=kind,
                    media=media,
                    caption=caption if isinstance(caption, str) and caption else None,
                    options=options,
                )
                results.append({"ack": message.ack, "id": message.id, "sendMsgResult": "OK"})
        except SendTimedOut:
            return self._send_failed(call, {"name": "ProtocolError"})
        except InvalidWid:
            return self._send_failed(call, {"code": "invalid_wid"})
        return self._sent(call, results)

    async def send_seen(self, call: Call) -> web.Response:
        client = call.live
        session: str = call.session
        phones: list[str] = call.phones
        results = []
        try:
            for chat_id in phones:
                results.append(self.gw.send_seen(client, chat_id, "route"))
        except LookupError:
            return self._retrieve_failed(call, session)
        response: JsonDict = {
            "message": "Information retrieved successfully.",
            "contact": phones,
            "session": session,
            "data": results,
        }
        return self.json(call, {"status": "Success", "response": response}, 201)

    # -- reading back ---------------------------------------------------------------------

    def _account_chats(self, call: Call, **options: Any) -> list[JsonDict]:
        account = self.gw.account(call.session)
        return [self.gw.serialize_chat(account, c) for c in list_chats(account, **options)]

    async def all_chats(self, call: Call) -> web.Response:
        chats = self._account_chats(call)
        return self.json(call, {"status": "success", "response": chats, "mapper": "chat"})

    async def all_chats_with_messages(self, call: Call) -> web.Response:
        return self.json(call, {"status": "success", "response": self._account_chats(call)})

    async def list_chats(self, call: Call) -> web.Response:
        body = await self.body(call)
        count = body.get("count")
        labels = body.get("withLabels")
        chats = self._account_chats(
            call,
            anchor_id=body.get("id") if isinstance(body.get("id"), str) else None,
            count=int(count) if isinstance(count, int | float) and count > 0 else None,
            direction=body.get("direction") if isinstance(body.get("direction"), str) else None,
            only_users=js_truthy(body.get("onlyUsers")),
            only_groups=js_truthy(body.get("onlyGroups")),
            only_unread=js_truthy(body.get("onlyWithUnreadMessage")),
            with_labels=labels if isinstance(labels, list) else None,
        )
        return self.json(call, chats)

    async def all_unread(self, call: Call) -> web.Response:
        account = self.gw.account(call.session)
        messages = [self.gw.serialize(account, m) for m in unread_messages(account)]
        return self.json(call, {"status": "success", "response": messages})

    async def get_messages(self, call: Call) -> web.Response:
        account = self.gw.account(call.session)
        query = call.request.query
        try:
            messages = get_messages(
                account,
                call.request.match_info["phone"],
                count=js_parse_int(query.get("count", "20")),
                direction=query.get("direction", "before"),
                anchor_id=query.get("id") or None,
            )
        except ChatNotFound:
            error = {"code": "chat_not_found", "message": "Chat not found"}
            body = {"status": "error", "response": "Error on open list", "error": error}
            return self.json(call, body, 401)
        response = [self.gw.serialize(account, m) for m in messages]
        return self.json(call, {"status": "success", "response": response})

    async def message_by_id(self, call: Call) -> web.Response:
        session: str = call.session
        message = self.gw.find_message(session, call.request.match_info["messageId"])
        if message is None:
            return self._retrieve_failed(call, session)
        data = self.gw.serialize(self.gw.account(session), message)
        response: JsonDict = {
            "message": "Information retrieved successfully.",
            "session": session,
            "data": data,
        }
        return self.json(call, {"status": "Success", "response": response}, 201)

    async def phone_number(self, call: Call) -> web.Response:
        """deviceController.ts getPhoneNumber: `client.getWid()` (wppconnect
        src/lib/wapi/functions/get-wid.js: the linked device's wid, device part dropped)."""
        wid = self.gw.me(self.gw.account(call.live.session))
        return self.json(call, {"status": "success", "response": wid, "mapper": "device"})

    # -- media ----------------------------------------------------------------------------

    def _media_answer(self, call: Call, message_id: str, missing: int) -> web.Response:
        session: str = call.session
        message = self.gw.find_message(session, message_id)
        if message is None or (message_id in self.gw.media_gone and message.media is not None):
            error = "Decrypt file error" if missing == 400 else "The session is not active"
            return self.json(call, {"status": "error", "message": error, "error": {}}, missing)
        media = message.media
        if media is None:
            body = {"status": "error", "message": "Message does not contain media"}
            return self.json(call, body, 400)
        return self.json(call, {"base64": media.base64, "mimetype": media.mimetype})

    async def download_media(self, call: Call) -> web.Response:
        body = await self.body(call)
        message_id = body.get("messageId")
        if isinstance(message_id, dict) and message_id.get("isMedia") and message_id.get("type"):
            message_id = message_id.get("id")
        if message_id is None:  # `messageId.isMedia` on undefined
            body_400 = {"status": "error", "message": "Decrypt file error", "error": {}}
            return self.json(call, body_400, 400)
        if not isinstance(message_id, str):  # getMessageById answers false
            return self.json(call, {"status": "error", "message": "Message not found"}, 400)
        return self._media_answer(call, message_id, 400)

    async def media_by_message(self, call: Call) -> web.Response:
        client: Client | None = call.client
        if client is None or not client.live:  # no statusConnection on this route
            body = {"status": "error", "message": "The session is not active", "error": {}}
            return self.json(call, body, 500)
        return self._media_answer(call, call.request.match_info["messageId"], 500)


def _options(body: JsonDict) -> JsonDict:
    options = body.get("options")
    return options if isinstance(options, dict) else {}


def _auto_detect(mimetype: str) -> str:
    """wa-js sendFileMessage `type: 'auto-detect'`."""
    major = mimetype.split("/")[0]
    if mimetype == "image/webp":
        return "image"
    return {"image": "image", "video": "video", "audio": "audio"}.get(major, "document")
