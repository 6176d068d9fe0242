"""Read a WPPConnect session's chats and messages back: what its webhooks did not bring.

WPPConnect Server posts each webhook once and never retries, so what reached WhatsApp
while we were down is only in the session's own history. The routes (wppconnect-server
`src/controller/deviceController.ts` and `sessionController.ts`, WPPCONNECT_FACTS.md 5),
all with the session's bearer token and answering `404 Disconnected` without a client:

- `POST /api/{session}/list-chats {}` -> a bare array of chats (`id` a Wid or a string,
  `t` the last activity in epoch seconds);
- `GET /api/{session}/get-messages/{chatId}?count=&direction=&id=` -> `{"status":
  "success", "response": [messages]}`, oldest first (wa-js `getMessages.ts`): without `id`
  the chat's last `count` messages, with `id` and `direction=before` the `count` messages
  before that one; an unknown chat answers `401 {"response": "Error on open list"}`;
- `POST /api/{session}/download-media {messageId}` -> `{"base64", "mimetype"}`: the file of
  a media message (read-back messages carry only a thumbnail in `body`).

Messages come back in the shape of the `onmessage` webhook's data (the same serializer).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

from sportello.domain.text_repair import needs_repair, repair_tree
from sportello.server.gateways.base import snippet

log = logging.getLogger(__name__)

JsonDict = dict[str, Any]
# Where the session's bearer token comes from: the flag today, a generated one later.
TokenSource = Callable[[], str | None]

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_PAGE_SIZE = 100
_LABEL = "WPPConnect"
_CHAT_NOT_FOUND = "Error on open list"


class ReadbackError(Exception):
    """The gateway cannot answer now (down, line not connected, token refused): the round
    stops here and a later one tries again."""


@dataclass(frozen=True, slots=True)
class ChatActivity:
    """One chat of the session: its id and last activity (epoch seconds; None: unknown)."""

    chat_id: str
    t: int | None


@dataclass(frozen=True, slots=True)
class MediaDownload:
    """The decrypted file of a media message."""

    data: bytes
    mimetype: str | None


def message_id(message: Mapping[str, Any]) -> str | None:
    """The serialized id of a read-back message (a string, or a key object)."""
    value = message.get("id")
    if isinstance(value, Mapping):
        value = value.get("_serialized")
    return value if isinstance(value, str) and value else None


def message_time(message: Mapping[str, Any]) -> int | None:
    for key in ("t", "timestamp"):
        value = message.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return int(value)
    return None


class WppReadback:
    """The read-back routes of one WPPConnect session."""

    def __init__(
        self,
        base_url: str,
        session: str,
        token: TokenSource,
        http: aiohttp.ClientSession,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session
        self._token = token
        self._http = http
        self.timeout_s = timeout_s
        self.page_size = page_size
        self.requests = 0

    @property
    def _api(self) -> str:
        return f"{self.base_url}/api/{quote(self.session, safe='')}"

    async def chats(self) -> list[ChatActivity]:
        """Every chat of the session with its last activity."""
        status, data = await self._call(
            "POST", f"{self._api}/list-chats", json_body={}, repair=True
        )
        self._check(status, data, "list-chats")
        items = data.get("response") if isinstance(data, Mapping) else data
        if not isinstance(items, list):
            raise ReadbackError(f"list-chats answered {status} without a list of chats")
        chats = []
        for item in items:
            chat = _chat(item)
            if chat is not None:
                chats.append(chat)
        return chats

    async def messages_since(self, chat_id: str, since: int) -> list[JsonDict]:
        """The chat's messages from time `since` on, oldest first (paging back from the end)."""
        page = await self._messages(chat_id, count=self.page_size)
        collected = page
        while len(page) >= self.page_size and (message_time(page[0]) or 0) >= since:
            anchor = message_id(page[0])
            if anchor is None or needs_repair(anchor):
                # No way to name it in a URL: what is older stays for its webhook to bring.
                log.warning("cannot page back past a message of chat %s", chat_id)
                break
            page = await self._messages(chat_id, count=self.page_size, before=anchor)
            if not page:
                break
            collected = page + collected
        seen: set[str] = set()
        out = []
        for message in collected:
            key = message_id(message)
            time = message_time(message)
            if key is None or key in seen or (time is not None and time < since):
                continue
            seen.add(key)
            out.append(message)
        return out

    async def media_bytes_for(self, gateway_message_id: str) -> MediaDownload | None:
        """The file of a media message; None when the gateway no longer has it."""
        status, data = await self._call(
            "POST",
            f"{self._api}/download-media",
            json_body={"messageId": gateway_message_id},
            repair=True,
        )
        if status in (400, 500) and isinstance(data, Mapping):
            # `Decrypt file error`, `Message not found`: WhatsApp's CDN lost the file.
            log.info(
                "WPPConnect has no file for %s: %s", gateway_message_id, _detail(data) or status
            )
            return None
        self._check(status, data, "download-media")
        encoded = data.get("base64") if isinstance(data, Mapping) else None
        if not isinstance(encoded, str):
            raise ReadbackError(f"download-media answered {status} without base64")
        mimetype = data.get("mimetype") if isinstance(data, Mapping) else None
        try:
            raw = base64.b64decode(encoded.split(",", 1)[-1], validate=False)
        except (binascii.Error, ValueError) as exc:
            raise ReadbackError(f"download-media answered bad base64: {exc}") from None
        return MediaDownload(raw, mimetype if isinstance(mimetype, str) else None)

    async def _messages(self, chat_id: str, *, count: int, before: str | None = None) -> list[Any]:
        query = {"count": str(count)}
        if before is not None:
            query.update(direction="before", id=before)
        url = f"{self._api}/get-messages/{quote(chat_id, safe='@.')}"
        status, data = await self._call("GET", url, query=query)
        if status == 401 and isinstance(data, Mapping) and data.get("response") == _CHAT_NOT_FOUND:
            log.info("WPPConnect cannot open chat %s: nothing to read back", chat_id)
            return []
        self._check(status, data, "get-messages")
        messages = data.get("response") if isinstance(data, Mapping) else None
        if not isinstance(messages, list):
            raise ReadbackError(f"get-messages answered {status} without a list of messages")
        return [message for message in messages if isinstance(message, dict)]

    def _check(self, status: int, data: object, what: str) -> None:
        if 200 <= status < 300:
            return
        detail = _detail(data) if isinstance(data, Mapping) else None
        if status in (401, 403):
            raise ReadbackError(f"{_LABEL} refused the token ({status}) on {what}: {detail}")
        if status == 404 and isinstance(data, Mapping) and data.get("status") == "Disconnected":
            raise ReadbackError(f"{_LABEL} session {self.session!r} is not connected")
        raise ReadbackError(f"{what} answered HTTP {status}" + (f": {detail}" if detail else ""))

    async def _call(
        self,
        method: str,
        url: str,
        *,
        json_body: JsonDict | None = None,
        query: Mapping[str, str] | None = None,
        repair: bool = False,
    ) -> tuple[int, object]:
        """(status, decoded JSON or None). Messages are not repaired here: they go through
        `ingest/webhook_body` as webhooks do, which notes and refuses what needs it."""
        token = self._token()
        if not token:
            raise ReadbackError(f"no {_LABEL} token for session {self.session!r}")
        self.requests += 1
        try:
            async with self._http.request(
                method,
                url,
                json=json_body,
                params=query,
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
            ) as response:
                raw = await response.read()
                status = response.status
        except TimeoutError:
            raise ReadbackError(f"{_LABEL} did not answer within {self.timeout_s:g} s") from None
        except aiohttp.ClientError as exc:
            raise ReadbackError(f"{_LABEL} unreachable: {type(exc).__name__}: {exc}") from None
        text = raw.decode("utf-8", errors="replace")
        try:
            data = json.loads(text) if text else None
            return status, repair_tree(data)[0] if repair else data
        except ValueError:
            if 200 <= status < 300:
                raise ReadbackError(
                    f"{url.rsplit('/', 1)[-1]} answered {status} without JSON: "
                    f"{snippet(text, 80)!r}"
                ) from None
            return status, None


def _chat(item: object) -> ChatActivity | None:
    if not isinstance(item, Mapping):
        return None
    raw_id = item.get("id")
    if isinstance(raw_id, Mapping):
        raw_id = raw_id.get("_serialized")
    if not isinstance(raw_id, str) or not raw_id:
        return None
    t = item.get("t")
    if isinstance(t, int | float) and not isinstance(t, bool):
        return ChatActivity(raw_id, int(t))
    return ChatActivity(raw_id, None)


def _detail(data: Mapping[str, Any]) -> str | None:
    for key in ("message", "error", "response"):
        value = data.get(key)
        if isinstance(value, Mapping):
            value = value.get("message")
        if isinstance(value, str) and value.strip():
            return snippet(value, 200)
    return None
