"""WhatsApp's customer-service window: when a business may still answer freely.

The Cloud API accepts a free-form reply only within 24 hours of the customer's last
message; after that only an approved template may open the conversation again (templates
are not part of Sportello yet). WPPConnect drives WhatsApp Web, where WhatsApp enforces no
such window, so its conversations are never restricted. Pure functions: the server uses
them to refuse a send, the client to show the time left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sportello.domain.values import Gateway

WINDOW = timedelta(hours=24)
WARN_BEFORE = timedelta(hours=1)
RESTRICTED_GATEWAYS = frozenset({Gateway.META})


class WindowState(StrEnum):
    NONE = "none"  # the gateway has no window (WPPConnect, generic): always free to answer
    OPEN = "open"  # more than WARN_BEFORE left
    CLOSING = "closing"  # open, in its last hour
    CLOSED = "closed"  # no customer message in the last 24 hours (or never)


@dataclass(frozen=True, slots=True)
class ServiceWindow:
    """The window of one conversation at one instant."""

    state: WindowState
    closes_at: datetime | None  # None: no window, or never opened (no customer message yet)
    seconds_left: float | None  # None when there is no window

    @property
    def allows_free_reply(self) -> bool:
        return self.state is not WindowState.CLOSED


def is_restricted(gateway: Gateway | str) -> bool:
    """Whether the gateway enforces the 24-hour window."""
    try:
        return Gateway(gateway) in RESTRICTED_GATEWAYS
    except ValueError:
        return False


def service_window(
    gateway: Gateway | str, last_inbound_at: datetime | None, now: datetime
) -> ServiceWindow:
    """The window of a conversation on `gateway` whose customer last wrote at `last_inbound_at`."""
    if not is_restricted(gateway):
        return ServiceWindow(WindowState.NONE, None, None)
    if last_inbound_at is None:
        return ServiceWindow(WindowState.CLOSED, None, 0.0)
    closes_at = last_inbound_at + WINDOW
    left = (closes_at - now).total_seconds()
    if left <= 0:
        return ServiceWindow(WindowState.CLOSED, closes_at, 0.0)
    state = WindowState.CLOSING if left <= WARN_BEFORE.total_seconds() else WindowState.OPEN
    return ServiceWindow(state, closes_at, left)


def format_left(seconds: float) -> str:
    """`23 h 05 min`, `42 min`, `< 1 min`: compact, language-neutral units."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "< 1 min"
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"
