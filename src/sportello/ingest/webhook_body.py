"""The one way into the gateway parsers: untrusted text is made storable before parsing.

Every string of the decoded body (keys too, nested or not, in fields a parser reads today or
will read tomorrow) is repaired once here (`domain/text_repair`: lone surrogates and NUL
become U+FFFD), so no parser and no store ever meets text that SQLite or PostgreSQL would
refuse. What arrived is kept, escaped, in the raw copy of each parsed item under
`RAW_REPAIRS_KEY`. An identity (message id, chat id, author, account) that needed
repair is not guessed at: two different broken ids would become one, and a new message
would be taken for a duplicate. That item is refused alone, with a 422.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, TypeVar

from sportello.domain.text_repair import REPLACEMENT, repair_tree
from sportello.domain.values import InboundMessage, PresenceUpdate, StatusUpdate
from sportello.ingest.parsed import GatewayState, ParsedWebhook, WebhookError
from sportello.ingest.payload_fields import check_shape

Parser = Callable[[object], ParsedWebhook]

RAW_REPAIRS_KEY = "_sportelloTextRepairs"

_Item = TypeVar("_Item", InboundMessage, StatusUpdate, PresenceUpdate, GatewayState)


def parse_webhook_body(parse: Parser, body: object) -> ParsedWebhook:
    """Repair the text of `body`, parse it, refuse alone the items with a broken identity.

    Raises WebhookError (as the parsers do), also when every item of the body is refused.
    """
    check_shape(body)  # before the repair walk: it bounds depth and size
    clean, repairs = repair_tree(body)
    parsed = parse(clean)
    if not repairs:
        return parsed
    note = [repair.to_json() for repair in repairs]
    refused: list[str] = []
    result = ParsedWebhook(
        messages=_kept(parsed.messages, note, refused),
        statuses=_kept(parsed.statuses, note, refused),
        presences=_kept(parsed.presences, note, refused),
        states=_kept(parsed.states, note, refused),
        ignored=parsed.ignored,
        refused=(*parsed.refused, *refused),
    )
    if refused and result.is_empty:
        raise WebhookError("invalid_text", "; ".join(refused)[:500], 422)
    return result


def _kept(
    items: tuple[_Item, ...], note: list[dict[str, str]], refused: list[str]
) -> tuple[_Item, ...]:
    kept: list[_Item] = []
    for item in items:
        broken = [name for name, value in _identities(item) if value and REPLACEMENT in value]
        if broken:
            refused.append(
                f"{_kind(item)} refused: its {' and '.join(broken)} held text that is not "
                "valid Unicode (a lone UTF-16 surrogate or a NUL)"
            )
            continue
        if isinstance(item, InboundMessage | StatusUpdate | GatewayState):
            item = replace(item, raw=_noted(item.raw, note))
        kept.append(item)
    return tuple(kept)


def _noted(raw: Mapping[str, Any], note: list[dict[str, str]]) -> dict[str, Any]:
    return {**raw, RAW_REPAIRS_KEY: note}


def _identities(item: object) -> list[tuple[str, str | None]]:
    if isinstance(item, InboundMessage):
        return [
            ("message id", item.gateway_message_id),
            ("chat id", item.chat_id),
            ("author id", item.author_id),
            ("account", item.account),
        ]
    if isinstance(item, StatusUpdate):
        return [("message id", item.gateway_message_id)]
    if isinstance(item, PresenceUpdate):
        return [("chat id", item.chat_id)]
    if isinstance(item, GatewayState):
        return [("account", item.account)]
    raise TypeError(f"unknown parsed item {item!r}")


def _kind(item: object) -> str:
    if isinstance(item, InboundMessage):
        return f"message {item.gateway_message_id!r}"
    if isinstance(item, StatusUpdate):
        return f"status of {item.gateway_message_id!r}"
    if isinstance(item, PresenceUpdate):
        return f"presence of {item.chat_id!r}"
    return "gateway state"
