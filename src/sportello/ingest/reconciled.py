"""Messages that reached us by reconciliation with the gateway, not by their own webhook.

They arrived while the desk was offline (the server down, restarting or asleep, or the line
away): WPPConnect never posts a webhook again, so the server read them back from the
gateway's history (server/reconcile.py). The mark is kept in the message's raw copy, so a
stored message says it forever without a column of its own, and the wire message carries
it as `offline: true` (docs/protocol.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sportello.domain.values import InboundMessage

RECONCILED_KEY = "_sportelloReconciled"


def mark_reconciled(message: InboundMessage) -> InboundMessage:
    """The message, marked as read back from the gateway's history."""
    return replace(message, raw={**message.raw, RECONCILED_KEY: True})


def arrived_offline(raw: Mapping[str, Any] | None) -> bool:
    """Whether a message with this raw copy came by reconciliation."""
    return isinstance(raw, Mapping) and raw.get(RECONCILED_KEY) is True
