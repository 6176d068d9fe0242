"""Send text messages through the WhatsApp Cloud API (Meta Graph API).

`POST {base_url}/{phone-number-id}/messages` with `Authorization: Bearer <access token>`
and `{messaging_product: "whatsapp", to, type: "text", text: {body}}`; success returns
`messages[0].id`, errors `{error: {message, type, code, error_subcode, error_data}}`.

Marking a customer's message read (blue ticks) is the same route with `{messaging_product:
"whatsapp", status: "read", message_id: <wamid>}`, answered `{"success": true}`; it marks
the earlier messages of the chat read too; an unknown id is error 131009 (Meta, "Mark
messages as read": developers.facebook.com/documentation/business-messaging/whatsapp/
messages/mark-message-as-read).
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

DEFAULT_GRAPH_URL = "https://graph.facebook.com/v21.0"
_LABEL = "Meta Cloud API"
# Graph/Cloud API error codes that mean "later": temporary outages and rate limits.
# (131048 spam rate limit and 131047 re-engagement window are not helped by a retry.)
_RETRYABLE_CODES = frozenset({1, 2, 4, 17, 32, 613, 80007, 130429, 131000, 131016, 131056, 133004})
_AUTH_CODES = frozenset({190, 102, 10, 200})


class MetaCloudSender:
    """Sender for one Cloud API phone number; `account` (a phone-number-id) overrides it."""

    gateway = Gateway.META

    def __init__(
        self,
        phone_number_id: str,
        access_token: str,
        http: aiohttp.ClientSession,
        *,
        base_url: str = DEFAULT_GRAPH_URL,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.phone_number_id = phone_number_id
        self._token = access_token
        self._http = http
        self.timeout_s = timeout_s

    async def send_text(self, to: str, body: str, *, account: str | None = None) -> SendResult:
        """Send `body` to `to` (E.164 or JID); raise GatewaySendError on failure."""
        recipient = parse_recipient(to)
        if recipient.is_group or recipient.is_lid:
            raise GatewaySendError(
                f"{_LABEL} cannot send to the WhatsApp Web id {to!r}", retryable=False
            )
        number_id = account or self.phone_number_id
        payload: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": recipient.value,
            "type": "text",
            "text": {"preview_url": False, "body": body},
        }
        answer = await post_json(
            self._http,
            f"{self.base_url}/{quote(number_id, safe='')}/messages",
            payload,
            {"Authorization": f"Bearer {self._token}", "Accept": "application/json"},
            self.timeout_s,
            _LABEL,
        )
        if 200 <= answer.status < 300:
            return _result(answer)
        raise _error(answer)

    async def mark_read(self, message_id: str, *, account: str | None = None) -> None:
        """Blue ticks for the customer's message `message_id` and the ones before it."""
        number_id = account or self.phone_number_id
        answer = await post_json(
            self._http,
            f"{self.base_url}/{quote(number_id, safe='')}/messages",
            {"messaging_product": "whatsapp", "status": "read", "message_id": message_id},
            {"Authorization": f"Bearer {self._token}", "Accept": "application/json"},
            self.timeout_s,
            _LABEL,
        )
        data = answer.data
        if 200 <= answer.status < 300 and isinstance(data, Mapping) and data.get("success"):
            return
        raise _error(answer)


def _result(answer: HttpAnswer) -> SendResult:
    data = answer.data
    message_id = None
    if isinstance(data, Mapping):
        messages = data.get("messages")
        if isinstance(messages, list) and messages and isinstance(messages[0], Mapping):
            candidate = messages[0].get("id")
            message_id = candidate if isinstance(candidate, str) and candidate else None
    if message_id is None or not isinstance(data, Mapping):
        raise GatewaySendError(
            f"{_LABEL} answered {answer.status} without a message id: {snippet(answer.text)!r}",
            retryable=False,  # it may have been sent: retrying risks a duplicate
            status=answer.status,
        )
    return SendResult(provider_message_id=message_id, raw=data)


def _error(answer: HttpAnswer) -> GatewaySendError:
    status = answer.status
    data = answer.data if isinstance(answer.data, Mapping) else {}
    error = data.get("error") if isinstance(data.get("error"), Mapping) else None
    if error is None:
        detail = snippet(answer.text) or "no details"
        code = None
    else:
        detail, code = _describe(error)
    # Expired token (190), session (102) or missing permission (10, 200): an admin must act.
    if status in (401, 403) or code in _AUTH_CODES:
        return GatewaySendError(
            f"{_LABEL} rejected the access token ({status}): {detail}",
            retryable=False,
            status=status,
            unauthorized=True,
            gateway_code=None if code is None else str(code),
        )
    retryable = status >= 500 or status == 429 or code in _RETRYABLE_CODES
    return GatewaySendError(
        f"{_LABEL} refused the message ({status}): {detail}",
        retryable=retryable,
        status=status,
        gateway_code=None if code is None else str(code),
    )


def _describe(error: Mapping[str, Any]) -> tuple[str, int | None]:
    """`<message> (code N[/subcode]): <details>` and the numeric code."""
    message = error.get("message")
    text = message.strip() if isinstance(message, str) and message.strip() else "error"
    code = error.get("code")
    code = code if isinstance(code, int) and not isinstance(code, bool) else None
    subcode = error.get("error_subcode")
    if code is not None:
        suffix = f"/{subcode}" if isinstance(subcode, int) and not isinstance(subcode, bool) else ""
        text = f"{text} (code {code}{suffix})"
    data = error.get("error_data")
    details = data.get("details") if isinstance(data, Mapping) else None
    if isinstance(details, str) and details.strip() and details.strip() not in text:
        text = f"{text}: {details.strip()}"
    return snippet(text, 500), code
