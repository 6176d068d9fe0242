"""What a gateway webhook means once parsed, and the one error a parser may raise.

Every parser in `ingest/` takes an already-decoded JSON value and returns a
`ParsedWebhook` or raises `WebhookError`: the server maps the error to a 4xx answer
(`{"error": {"code", "message"}}`) and never has to guess at other exception types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sportello.domain.values import Gateway, InboundMessage, PresenceUpdate, StatusUpdate


class WebhookError(Exception):
    """A webhook body we refuse: `code` is snake_case, `status` the HTTP status to answer."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def to_json(self) -> dict[str, dict[str, str]]:
        """The body of the error answer, as the wire contract shapes it."""
        return {"error": {"code": self.code, "message": self.message}}

    def __repr__(self) -> str:
        return f"WebhookError({self.code!r}, {self.message!r}, status={self.status})"


class ConnectionState(StrEnum):
    """Normalized connection state of a gateway session (the gateway's own word stays in raw)."""

    CONNECTED = "CONNECTED"
    CONNECTING = "CONNECTING"
    DISCONNECTED = "DISCONNECTED"
    UNPAIRED = "UNPAIRED"  # needs a QR scan / re-login on the phone
    CONFLICT = "CONFLICT"  # the account is open elsewhere (WhatsApp Web in another browser)
    BLOCKED = "BLOCKED"  # banned, terms-of-service or proxy block
    UNAUTHORIZED = "UNAUTHORIZED"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True, slots=True)
class GatewayState:
    """A gateway session changed connection state (WPPConnect `status-find`, `onstatechange`,
    `qrcode`, `phoneCode`)."""

    gateway: Gateway
    account: str | None
    state: str  # a ConnectionState value
    timestamp: datetime
    raw: Mapping[str, Any] = field(default_factory=dict)
    # Kept out of `raw` (bulky, and whoever scans it owns the line): the QR image of a
    # `qrcode` webhook as base64 PNG, the code of a `phoneCode` one.
    qr_png_base64: str | None = None
    phone_code: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedWebhook:
    """Everything one webhook body carried. Empty with `ignored` set: answer 200 `{"ignored"}`."""

    messages: tuple[InboundMessage, ...] = ()
    statuses: tuple[StatusUpdate, ...] = ()
    presences: tuple[PresenceUpdate, ...] = ()
    states: tuple[GatewayState, ...] = ()
    ignored: str | None = None
    # Items refused alone (see ingest/webhook_body.py): why, one line each; the rest is kept.
    refused: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.messages or self.statuses or self.presences or self.states)
