"""Parse the generic webhook: `{id, from, body, timestamp?, senderName?, type?}`.

For any gateway without a parser of its own (PROTOCOL.md section 2). One message per POST,
always incoming.
"""

from __future__ import annotations

from datetime import datetime

from sportello.domain.gateway_types import WPPCONNECT_TYPE_WORDS
from sportello.domain.values import Gateway, InboundMessage, MessageType, utc_now
from sportello.ingest.parsed import ParsedWebhook, WebhookError
from sportello.ingest.payload_fields import (
    MAX_BODY,
    MAX_CHAT_ID,
    MAX_ID,
    MAX_NAME,
    as_object,
    check_len,
    check_shape,
    clip_name,
    iso_or_epoch_time,
    missing,
    opt_str,
    req_str,
    wrong_type,
)

MAX_ID_DIGITS = 40

# Gateway words for types that are not our own MessageType values: WPPConnect's (one home,
# domain/gateway_types.py) and a few other gateways' words.
_TYPE_ALIASES = {
    **WPPCONNECT_TYPE_WORDS,
    "voice": MessageType.AUDIO,
    "contacts": MessageType.CONTACT,
    "file": MessageType.DOCUMENT,
}


def parse_generic(body: object, *, received_at: datetime | None = None) -> ParsedWebhook:
    """Parse one generic webhook body (decoded JSON). Raises WebhookError only."""
    check_shape(body)
    obj = as_object(body, "")
    message_id = _message_id(obj.get("id"))
    sender = req_str(obj, "from", "", MAX_CHAT_ID).strip()
    text = obj.get("body")
    if text is None:
        raise missing("body")
    if not isinstance(text, str):
        raise wrong_type("body", "a string", text)
    check_len(text, "body", MAX_BODY)
    timestamp = iso_or_epoch_time(obj.get("timestamp"), "timestamp")
    name = opt_str(obj, "senderName", "", MAX_NAME)
    message = InboundMessage(
        gateway=Gateway.GENERIC,
        gateway_message_id=message_id,
        chat_id=sender,
        body=text,
        timestamp=timestamp or received_at or utc_now(),
        type=_message_type(opt_str(obj, "type", "")),
        sender_name=clip_name(name),
        raw=dict(obj),
    )
    return ParsedWebhook(messages=(message,))


def _message_id(value: object) -> str:
    # Integer ids are common in home-made gateways; the wire contract wants strings.
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) >= 10**MAX_ID_DIGITS:
            raise WebhookError(
                "field_too_long", f"field 'id' is longer than {MAX_ID_DIGITS} digits", 413
            )
        value = str(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise missing("id")
    if not isinstance(value, str):
        raise wrong_type("id", "a string", value)
    check_len(value, "id", MAX_ID)
    return value


def _message_type(word: str | None) -> MessageType:
    if word is None or not word.strip():
        return MessageType.TEXT
    key = word.strip().lower()
    if key in _TYPE_ALIASES:
        return _TYPE_ALIASES[key]
    try:
        return MessageType(key)
    except ValueError:
        return MessageType.UNSUPPORTED
