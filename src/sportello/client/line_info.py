"""The WhatsApp line as the server reports it to administrators: `gatewayLine` events and
`GET /api/gateway/line` (docs/protocol.md), read into a frozen record.

The server follows WPPConnect's session (its QR code, the linked phone) and says one of
the states below; the console only shows what it says. A state this client does not know
yet reads as `UNKNOWN`, so a newer server never breaks an older console.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from sportello.client.wire import WireError


class LineStatus(StrEnum):
    STARTING = "STARTING"  # the session is being made, or its state is not known yet
    QRCODE = "QRCODE"  # WhatsApp waits for the office phone to scan `qr`
    PHONECODE = "PHONECODE"  # ... to type `phone_code`
    CONNECTED = "CONNECTED"  # linked to `phone`
    CLOSED = "CLOSED"  # no session (QR not scanned in time, phone unlinked): a new start
    UNREACHABLE = "UNREACHABLE"  # WPPConnect Server does not answer the server
    BAD_SECRET = "BAD_SECRET"  # WPPConnect Server refused the secret key or the token
    NOT_CONFIGURED = "NOT_CONFIGURED"  # the server has no WPPConnect Server to use
    UNKNOWN = "UNKNOWN"  # a state newer than this client


# The states where the phone must act (scan, type a code) or an admin must start again.
NEEDS_LINKING = frozenset({LineStatus.QRCODE, LineStatus.PHONECODE, LineStatus.CLOSED})

_QR_PREFIX = "data:image/"


@dataclass(frozen=True, slots=True)
class LineInfo:
    """One moment of the line. `detail` is the server's English sentence, for the log."""

    gateway: str
    session: str
    status: LineStatus
    qr: str | None = None  # a data URL (data:image/png;base64,...), only while QRCODE
    phone_code: str | None = None  # only while PHONECODE
    phone: str | None = None  # the linked number, digits
    detail: str = ""
    at: str = ""  # ISO time of the last change

    @property
    def linked(self) -> bool:
        return self.status is LineStatus.CONNECTED

    def same_view(self, other: LineInfo | None) -> bool:
        """Equal but for `at`: nothing shown would change."""
        return other is not None and (
            self.gateway,
            self.session,
            self.status,
            self.qr,
            self.phone_code,
            self.phone,
            self.detail,
        ) == (
            other.gateway,
            other.session,
            other.status,
            other.qr,
            other.phone_code,
            other.phone,
            other.detail,
        )


def _text(data: Mapping[str, object], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def parse_line(data: object) -> LineInfo | WireError:
    """The `line` object of `gatewayLine` or of the REST answer (`{"ok", "line"}` too)."""
    if isinstance(data, Mapping) and isinstance(data.get("line"), Mapping):
        data = data["line"]
    if not isinstance(data, Mapping):
        return WireError("gatewayLine", "the line is not an object")
    raw_state = _text(data, "state")
    if raw_state is None:
        return WireError("gatewayLine", "the line has no state")
    try:
        status = LineStatus(raw_state.upper())
    except ValueError:
        status = LineStatus.UNKNOWN
    qr = _text(data, "qr")
    if qr is not None and not qr.startswith(_QR_PREFIX):
        qr = "data:image/png;base64," + qr  # WPPConnect's own webhook spells it bare
    return LineInfo(
        gateway=_text(data, "gateway") or "wppconnect",
        session=_text(data, "session") or "",
        status=status,
        qr=qr if status is LineStatus.QRCODE else None,
        phone_code=_text(data, "phoneCode") if status is LineStatus.PHONECODE else None,
        phone=_text(data, "phone"),
        detail=_text(data, "detail") or "",
        at=_text(data, "at") or "",
    )
