"""What every outbound gateway sender promises, and the HTTP plumbing they share.

A sender either returns the gateway's id for the sent message (`SendResult`) or raises
`GatewaySendError` saying whether trying again later can help (`retryable`): 5xx,
timeouts and connection failures can; a refused request (4xx) cannot, and an auth failure
(`unauthorized`) needs an administrator, not a retry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp

from sportello.domain.text_repair import repair_tree
from sportello.domain.values import Gateway

DEFAULT_TIMEOUT_S = 15.0
_SEPARATORS = re.compile(r"[\s\-./()]+")
_DIGITS = re.compile(r"\d{6,15}")


@dataclass(frozen=True, slots=True)
class SendResult:
    provider_message_id: str
    raw: Mapping[str, Any] = field(default_factory=dict)


class GatewaySendError(Exception):
    """A send that did not happen. `status` is the gateway's HTTP status, None if none came."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        status: int | None = None,
        unauthorized: bool = False,
        gateway_code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.status = status
        self.unauthorized = unauthorized
        self.gateway_code = gateway_code

    def __repr__(self) -> str:
        return (
            f"GatewaySendError({self.message!r}, retryable={self.retryable}, "
            f"status={self.status}, unauthorized={self.unauthorized})"
        )


class GatewaySender(Protocol):
    """Sends a text message through one gateway. `account` picks the session/number to use."""

    gateway: Gateway

    async def send_text(self, to: str, body: str, *, account: str | None) -> SendResult: ...


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where a message goes, as the gateways need it: digits of a number, or a group id."""

    value: str
    is_group: bool = False
    is_lid: bool = False


def parse_recipient(to: str) -> Recipient:
    """Accept E.164 (`+393331234567`), digits, `...@c.us`, `...@s.whatsapp.net`, `@lid`, `@g.us`."""
    text = (to or "").strip()
    lowered = text.lower()
    if lowered.endswith("@g.us") and len(text) > len("@g.us"):
        return Recipient(value=text, is_group=True)
    local, _, domain = text.partition("@")
    local = local.split(":", 1)[0]  # a JID may carry a device part: 39333...:12@s.whatsapp.net
    digits = _SEPARATORS.sub("", local).removeprefix("+")
    if digits.startswith("00"):
        digits = digits[2:]
    if domain.lower() == "lid" and digits.isdigit():
        return Recipient(value=digits, is_lid=True)
    if domain.lower() not in ("", "c.us", "s.whatsapp.net") or not _DIGITS.fullmatch(digits):
        raise GatewaySendError(
            f"cannot send to {to!r}: not a phone number or WhatsApp chat id", retryable=False
        )
    return Recipient(value=digits)


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    status: int
    data: object  # decoded JSON, None when the body is not JSON
    text: str


async def post_json(
    http: aiohttp.ClientSession,
    url: str,
    payload: Mapping[str, Any],
    headers: Mapping[str, str],
    timeout_s: float,
    gateway_label: str,
) -> HttpAnswer:
    """POST JSON; network trouble becomes a retryable GatewaySendError."""
    try:
        async with http.post(
            url,
            json=payload,
            headers=dict(headers),
            timeout=aiohttp.ClientTimeout(total=timeout_s),
        ) as response:
            text = await response.text(errors="replace")
            status = response.status
    except TimeoutError:
        raise GatewaySendError(
            f"{gateway_label} did not answer within {timeout_s:g} s", retryable=True
        ) from None
    except aiohttp.InvalidURL as exc:
        raise GatewaySendError(f"{gateway_label} URL is invalid: {exc}", retryable=False) from None
    except aiohttp.ClientError as exc:
        raise GatewaySendError(
            f"{gateway_label} unreachable: {type(exc).__name__}: {exc}", retryable=True
        ) from None
    try:
        # The answer's text (message id, error) is stored: repaired like any inbound text.
        data: object = repair_tree(json.loads(text))[0] if text else None
    except ValueError:
        data = None
    return HttpAnswer(status=status, data=data, text=text)


def snippet(text: str, limit: int = 200) -> str:
    """A short single-line excerpt of a gateway's non-JSON answer, for error messages."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
