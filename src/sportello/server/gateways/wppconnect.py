"""Send text messages through WPPConnect Server's REST API.

`POST {base_url}/api/{session}/send-message` with `Authorization: Bearer <token>` and
`{phone, message, isGroup, options: {markIsRead: false}}`; success is `201 {status:
"success", response: [<message>]}` (wppconnect-server src/controller/messageController.ts).

`markIsRead: false`: wa-js `sendRawMessage` marks the whole chat read before every send
unless told not to (`defaultSendMessageOptions.ts`), which would show the customer blue
ticks for messages no operator opened. Reads are passed on by read_receipts.py instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import aiohttp

from sportello.domain.values import Gateway
from sportello.server.gateways.base import (
    DEFAULT_TIMEOUT_S,
    GatewaySendError,
    HttpAnswer,
    SendResult,
    parse_recipient,
    post_json,
    snippet,
)
from sportello.server.gateways.wppconnect_session import SessionToken

_LABEL = "WPPConnect"


class WppConnectSender:
    """Sender for one WPPConnect Server; `account` (a session name) overrides `session`."""

    gateway = Gateway.WPPCONNECT

    def __init__(
        self,
        base_url: str,
        session: str,
        token: str | SessionToken,
        http: aiohttp.ClientSession,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session
        # The line's token when it makes them (it may change), else the one given.
        self._token = token if isinstance(token, SessionToken) else SessionToken(token)
        self._http = http
        self.timeout_s = timeout_s

    async def send_text(self, to: str, body: str, *, account: str | None = None) -> SendResult:
        """Send `body` to `to` (E.164, JID or group id); raise GatewaySendError on failure."""
        recipient = parse_recipient(to)
        # The session that received the customer's message answers it: the customer sees
        # the same number. Its token must be this one (WPPConnect tokens are per session).
        session = account or self.session
        payload: dict[str, Any] = {
            "phone": recipient.value,
            "message": body,
            "isGroup": recipient.is_group,
        }
        if recipient.is_lid:
            payload["isLid"] = True
        payload["options"] = {"markIsRead": False}
        used = self._token.value
        if used is None:
            raise GatewaySendError(
                f"{_LABEL}: no session token yet (the WhatsApp line is starting)", retryable=True
            )
        answer = await post_json(
            self._http,
            f"{self.base_url}/api/{quote(session, safe='')}/send-message",
            payload,
            self._token.bearer(),
            self.timeout_s,
            _LABEL,
        )
        if 200 <= answer.status < 300:
            return _result(answer)
        if answer.status in (401, 403):
            self._token.refused(used)  # the line makes a new one when it can
        raise _error(answer)


def _result(answer: HttpAnswer) -> SendResult:
    data = answer.data
    if not isinstance(data, Mapping):
        raise GatewaySendError(
            f"{_LABEL} answered {answer.status} without JSON: {snippet(answer.text)!r}",
            retryable=False,  # it may have been sent: retrying risks a duplicate
            status=answer.status,
        )
    sent = data.get("response")
    if isinstance(sent, list):
        sent = sent[0] if sent else None
    message_id = _message_id(sent)
    if message_id is None:
        raise GatewaySendError(
            f"{_LABEL} answered {answer.status} without a message id",
            retryable=False,
            status=answer.status,
        )
    assert isinstance(sent, Mapping)  # _message_id found an id in it
    if sent.get("ack") == -1 or sent.get("isSendFailure") is True:
        # Seen in the wild: 201 with ack -1 when WhatsApp refused the message.
        raise GatewaySendError(
            f"{_LABEL} reported a send failure for {message_id} (ack -1)",
            retryable=False,
            status=answer.status,
        )
    return SendResult(provider_message_id=message_id, raw=data)


def _message_id(sent: object) -> str | None:
    if not isinstance(sent, Mapping):
        return None
    value = sent.get("id")
    if isinstance(value, Mapping):
        value = value.get("_serialized")
    return value if isinstance(value, str) and value else None


def _error(answer: HttpAnswer) -> GatewaySendError:
    status = answer.status
    data = answer.data if isinstance(answer.data, Mapping) else {}
    detail = _detail(data) or snippet(answer.text) or "no details"
    message = f"{_LABEL} refused the message ({status}): {detail}"
    if status in (401, 403):
        return GatewaySendError(
            f"{_LABEL} rejected the token ({status}): {detail}",
            retryable=False,
            status=status,
            unauthorized=True,
        )
    # 404 "Disconnected": the session is down (phone offline, QR to scan); it comes back.
    disconnected = status == 404 and data.get("status") == "Disconnected"
    retryable = status >= 500 or status in (408, 429) or disconnected
    return GatewaySendError(message, retryable=retryable, status=status)


def _detail(data: Mapping[str, Any]) -> str | None:
    for key in ("message", "error"):
        value = data.get(key)
        if isinstance(value, Mapping):
            value = value.get("message")
        if isinstance(value, str) and value.strip():
            return snippet(value)
    return None
