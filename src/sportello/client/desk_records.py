"""What a console knows about the desk beyond messages: gateways, windows, waiting tickets.

Frozen records built from the additions of docs/protocol.md section 4 (`gatewayState`,
`serviceWindow`, `deskState.waitingTickets`, `deskState.canSend`, `ticketOpened`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sportello.domain.service_window import ServiceWindow, service_window


@dataclass(frozen=True, slots=True)
class GatewayInfo:
    key: str  # "wppconnect:sportello"
    gateway: str
    account: str | None
    state: str  # CONNECTED, DISCONNECTED, UNPAIRED, CONFLICT, BLOCKED, UNAUTHORIZED, ...
    down: bool
    action: str = ""  # what to do, in English (the UI translates by `state`)
    detail: str = ""
    at: str = ""


@dataclass(frozen=True, slots=True)
class WindowInfo:
    """The 24-hour customer-service window of one conversation."""

    gateway: str
    last_inbound_at: datetime | None

    def at(self, now: datetime) -> ServiceWindow:
        return service_window(self.gateway, self.last_inbound_at, now)


@dataclass(frozen=True, slots=True)
class WaitingTicket:
    """An open ticket nobody has opened yet: escalating alerts ring for it."""

    ticket_id: str
    number: str
    conversation_id: str
    priority: str
    title: str
    since: datetime


@dataclass(frozen=True, slots=True)
class Sendability:
    """Whether replies can go out at all right now (`deskState.canSend`), and why not.

    `code` is the server's (`no_gateway`, `line_not_linked`, `gateway_down`...), for the
    console to word; `message` is its English detail, for the log. A server that does not
    say (an older one, the seed back end) is taken as able to send.
    """

    ok: bool = True
    code: str | None = None
    message: str = ""
