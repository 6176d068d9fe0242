"""What a chat read back from WPPConnect holds that the store lacks: the messages to
ingest (parsed as the `onmessage` webhook bodies they would have been, and marked as
arrived offline) and the acks that move replies of ours forward (as the `onack` webhook
would have brought them). Pure: the reconcile round (server/reconcile.py) does the I/O.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sportello.domain.values import DeliveryStatus, Direction, InboundMessage, StatusUpdate
from sportello.ingest.parsed import WebhookError
from sportello.ingest.reconciled import mark_reconciled
from sportello.ingest.service import status_advances
from sportello.ingest.webhook_body import parse_webhook_body
from sportello.ingest.wppconnect import parse_wppconnect
from sportello.server.gateways.wppconnect_readback import message_id, message_time
from sportello.server.logs import fields
from sportello.store.gateway_history import KnownMessage

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Missing:
    """What one chat's read-back found missing from the store."""

    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    refused: int = 0  # messages the parser refused, as it would their webhooks
    deferred: int = 0  # left to their webhooks, likely in flight
    oldest_deferred: int | None = None  # epoch seconds


def missing_from(
    messages: list[dict[str, Any]],
    known: Mapping[str, KnownMessage],
    *,
    session: str,
    since: int,
    live_after: int | None,
) -> Missing:
    """Sort a chat's read-back `messages` (oldest first) against what is `known`.

    Unknown messages older than `since` (epoch s) are history before the round's window,
    read only for the acks of older replies; those newer than `live_after` are left to
    their webhooks.
    """
    found = Missing()
    for message in messages:
        stored = known.get(message_id(message) or "")
        at = message_time(message)
        if stored is not None:
            if stored.direction is Direction.OUTGOING:
                found.statuses.extend(acks_of(message, stored.status, session))
            continue
        if at is not None and at < since:
            continue
        if live_after is not None and at is not None and at > live_after:
            found.deferred += 1
            found.oldest_deferred = min(at, found.oldest_deferred or at)
            continue
        try:
            parsed = parse_webhook_body(
                parse_wppconnect, {"event": "onmessage", "session": session, **message}
            )
        except WebhookError as exc:
            found.refused += 1
            log.warning(
                "read-back message refused",
                extra=fields(session=session, id=message_id(message), error=exc.message),
            )
            continue
        found.refused += len(parsed.refused)
        for inbound in parsed.messages:
            found.messages.append(mark_reconciled(inbound))
            if inbound.direction is Direction.OUTGOING:
                # Stored as `sent`, as every message of ours: its ack may say more.
                found.statuses.extend(acks_of(message, DeliveryStatus.SENT, session))
    return found


def acks_of(
    message: Mapping[str, Any], current: DeliveryStatus, session: str
) -> list[StatusUpdate]:
    """The message's `ack` as the onack webhook would have brought it, if it advances."""
    if "ack" not in message:
        return []
    try:
        parsed = parse_webhook_body(
            parse_wppconnect, {**message, "event": "onack", "session": session}
        )
    except WebhookError:
        return []
    return [update for update in parsed.statuses if status_advances(current, update.status)]
