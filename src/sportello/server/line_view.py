"""What the WhatsApp line is right now, as administrators see it (`gatewayLine`, REST
`GET /api/gateway/line`), and how WPPConnect's own words map onto its states.

States: `STARTING` (the session is being made, or its state is not known yet), `QRCODE`
(WhatsApp waits for the office phone to scan `qr`), `PHONECODE` (... to type `phoneCode`),
`CONNECTED` (linked to `phone`), `CLOSED` (no session: an unscanned QR closed it, the phone
unlinked it, or WPPConnect lost it; a new start-session is needed), `UNREACHABLE` (no
answer from WPPConnect Server), `BAD_SECRET` (it refused the secret key or the token),
`NOT_CONFIGURED` (this server has no WPPConnect Server to use).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sportello.domain.values import iso_utc, utc_now


class LineState(StrEnum):
    STARTING = "STARTING"
    QRCODE = "QRCODE"
    PHONECODE = "PHONECODE"
    CONNECTED = "CONNECTED"
    CLOSED = "CLOSED"
    UNREACHABLE = "UNREACHABLE"
    BAD_SECRET = "BAD_SECRET"
    NOT_CONFIGURED = "NOT_CONFIGURED"


# The states in which no reply can go out through the line (server/send_gate.py): waiting
# for the office phone (`line_not_linked`), or WPPConnect not usable (`gateway_down`).
NOT_LINKED = frozenset({LineState.QRCODE, LineState.PHONECODE, LineState.CLOSED})
DOWN = frozenset({LineState.UNREACHABLE, LineState.BAD_SECRET})


def refuses_replies(state: object) -> bool:
    """Whether a line in `state` (a LineState or its word) turns replies away."""
    return state in NOT_LINKED or state in DOWN


# What an admin reads for each state unless a more precise detail is known.
DETAILS = {
    LineState.STARTING: "WPPConnect Server is starting the WhatsApp session",
    LineState.QRCODE: "scan the QR code with the office phone: WhatsApp > Linked devices > "
    "Link a device",
    LineState.PHONECODE: "type the code on the office phone: WhatsApp > Linked devices > "
    "Link a device > Link with phone number instead",
    LineState.CONNECTED: "the WhatsApp line is linked",
    LineState.CLOSED: "the WhatsApp session is closed: start it again to get a new QR code",
    LineState.UNREACHABLE: "WPPConnect Server does not answer",
    LineState.BAD_SECRET: "WPPConnect Server refused the secret key",
    LineState.NOT_CONFIGURED: "this server has no WPPConnect Server to use (--wppconnect-url)",
}


@dataclass(frozen=True, slots=True)
class LineView:
    """One moment of the line. `at` is when it last changed."""

    session: str
    state: LineState
    detail: str
    at: datetime
    qr: str | None = None  # data:image/png;base64,... (only while QRCODE)
    phone_code: str | None = None  # only while PHONECODE
    phone: str | None = None  # the linked number, digits

    def same_as(self, other: LineView) -> bool:
        """Equal but for `at`: nothing an admin would see changed."""
        return self.to_json(with_time=False) == other.to_json(with_time=False)

    def to_json(self, *, with_time: bool = True) -> dict[str, Any]:
        """The `line` object of docs/protocol.md."""
        line: dict[str, Any] = {
            "gateway": "wppconnect",
            "session": self.session,
            "state": self.state.value,
            "qr": self.qr if self.state is LineState.QRCODE else None,
            "phoneCode": self.phone_code if self.state is LineState.PHONECODE else None,
            "phone": self.phone,
            "detail": self.detail,
        }
        if with_time:
            line["at"] = iso_utc(self.at)
        return line


def not_configured(session: str, detail: str | None = None) -> LineView:
    return LineView(
        session, LineState.NOT_CONFIGURED, detail or DETAILS[LineState.NOT_CONFIGURED], utc_now()
    )


# `status` of start-session / status-session (wppconnect-server sets client.status to
# INITIALIZING, QRCODE, PHONECODE, CONNECTED or CLOSED; the others are older spellings).
SESSION_WORDS = {
    "CLOSED": LineState.CLOSED,
    "INITIALIZING": LineState.STARTING,
    "STARTING": LineState.STARTING,
    "OPENING": LineState.STARTING,
    "QRCODE": LineState.QRCODE,
    "NOTLOGGED": LineState.QRCODE,
    "PHONECODE": LineState.PHONECODE,
    "CONNECTED": LineState.CONNECTED,
    "INCHAT": LineState.CONNECTED,
    "ISLOGGED": LineState.CONNECTED,
}


@dataclass(frozen=True, slots=True)
class StatusFindMeaning:
    state: LineState | None  # None: the state stays
    detail: str
    needs_qr: bool = False  # closed for a reason only a new QR scan fixes
    unlinked: bool = False  # the phone is no longer linked


# `statusFind` words of the `status-find` webhook (wppconnect src/api/model/enum/
# status-find.ts, lowercased). `desconnectedMobile` is how the unlink is really spelled.
STATUS_FIND = {
    "notlogged": StatusFindMeaning(
        LineState.STARTING, "WhatsApp wants a new device link: the QR code is on its way"
    ),
    "qrreadsuccess": StatusFindMeaning(
        LineState.STARTING, "QR code scanned: WhatsApp is opening the chats"
    ),
    "islogged": StatusFindMeaning(
        LineState.STARTING, "the phone is still linked: WhatsApp is opening the chats"
    ),
    "inchat": StatusFindMeaning(LineState.CONNECTED, DETAILS[LineState.CONNECTED]),
    "autoclosecalled": StatusFindMeaning(
        LineState.CLOSED,
        "nobody scanned the QR code in time, so WPPConnect closed the session: start it "
        "again for a new QR code",
        needs_qr=True,
    ),
    "desconnectedmobile": StatusFindMeaning(
        LineState.CLOSED,
        "the phone removed this linked device: start the session again and scan the new QR code",
        needs_qr=True,
        unlinked=True,
    ),
    "disconnectedmobile": StatusFindMeaning(
        LineState.CLOSED,
        "the phone removed this linked device: start the session again and scan the new QR code",
        needs_qr=True,
        unlinked=True,
    ),
    "browserclose": StatusFindMeaning(
        LineState.CLOSED, "WPPConnect's browser for this session closed"
    ),
    "serverclose": StatusFindMeaning(LineState.CLOSED, "WPPConnect closed the session"),
    "qrreadfail": StatusFindMeaning(None, "the QR code scan failed: scan it again"),
    "qrreaderror": StatusFindMeaning(None, "the QR code scan failed: scan it again"),
}
