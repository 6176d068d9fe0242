"""Parse WhatsApp Cloud API (Meta) webhooks into domain values.

One POST can batch many entries, each with many changes; a `messages` change carries
`messages[]` (from customers), `statuses[]` (of messages we sent) and `contacts[]` (profile
names by `wa_id`). `smb_message_echoes` changes (WhatsApp Business app coexistence) carry
messages typed on the business phone: stored as outgoing. Other fields are ignored.
Reference: developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/
reference/messages
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sportello.domain.values import (
    DeliveryStatus,
    Direction,
    Gateway,
    InboundMessage,
    Media,
    MessageType,
    StatusUpdate,
    utc_now,
)
from sportello.ingest.parsed import ParsedWebhook, WebhookError
from sportello.ingest.payload_fields import (
    MAX_BODY,
    MAX_CHAT_ID,
    MAX_ID,
    MAX_NAME,
    MAX_SHORT,
    MAX_URL,
    as_object,
    check_shape,
    clip_name,
    epoch_time,
    join,
    missing,
    opt_int,
    opt_list,
    opt_object,
    opt_str,
    req_str,
    to_float,
    wrong_type,
)

WHATSAPP_OBJECT = "whatsapp_business_account"
_SIGNATURE_PREFIX = "sha256="

_MEDIA_TYPES = {
    "image": MessageType.IMAGE,
    "video": MessageType.VIDEO,
    "audio": MessageType.AUDIO,
    "document": MessageType.DOCUMENT,
    "sticker": MessageType.STICKER,
}
# Message types whose content is an object under the key named like the type.
_OBJECT_PARTS = frozenset(
    {*_MEDIA_TYPES, "text", "location", "interactive", "button", "reaction", "order", "system"}
)
_STATUSES = {
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "played": DeliveryStatus.READ,  # voice message played
    "failed": DeliveryStatus.FAILED,
}


def verify_meta_signature(raw_body: bytes, header: str | None, app_secret: str) -> bool:
    """Check `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(raw body, app secret)>`."""
    if not header or not app_secret:
        return False
    text = header.strip()
    if not text.lower().startswith(_SIGNATURE_PREFIX):
        return False
    try:
        given = text[len(_SIGNATURE_PREFIX) :].strip().lower().encode("ascii")
    except UnicodeEncodeError:
        return False
    expected = hmac.new(app_secret.encode("utf-8"), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode("ascii"), given)


def parse_meta(body: object, *, received_at: datetime | None = None) -> ParsedWebhook:
    """Parse one Cloud API webhook body (decoded JSON). Raises WebhookError only."""
    check_shape(body)
    obj = as_object(body, "")
    kind = req_str(obj, "object", "")
    if kind != WHATSAPP_OBJECT:
        return ParsedWebhook(ignored=kind)
    if obj.get("entry") is None:
        raise missing("entry")
    now = received_at or utc_now()
    messages: list[InboundMessage] = []
    statuses: list[StatusUpdate] = []
    ignored: list[str] = []
    for i, entry_value in enumerate(opt_list(obj, "entry", "")):
        entry_path = f"entry[{i}]"
        entry = as_object(entry_value, entry_path)
        for j, change_value in enumerate(opt_list(entry, "changes", entry_path)):
            path = f"{entry_path}.changes[{j}]"
            change = as_object(change_value, path)
            field = opt_str(change, "field", path) or ""
            value = opt_object(change, "value", path)
            if value is None:
                raise missing(join(path, "value"))
            value_path = join(path, "value")
            if field == "messages":
                _parse_messages_value(value, value_path, now, messages, statuses)
            elif field == "smb_message_echoes":
                _parse_echoes_value(value, value_path, now, messages)
            else:
                ignored.append(field or "unknown")
    result = ParsedWebhook(messages=tuple(messages), statuses=tuple(statuses))
    if result.is_empty:
        return ParsedWebhook(ignored=ignored[0] if ignored else "messages")
    return result


def _account(value: Mapping[str, Any], path: str) -> str | None:
    metadata = opt_object(value, "metadata", path)
    if metadata is None:
        return None
    return opt_str(metadata, "phone_number_id", join(path, "metadata"), MAX_SHORT) or None


def _parse_messages_value(
    value: Mapping[str, Any],
    path: str,
    now: datetime,
    messages: list[InboundMessage],
    statuses: list[StatusUpdate],
) -> None:
    account = _account(value, path)
    names = _contact_names(value, path)
    for k, item in enumerate(opt_list(value, "messages", path)):
        item_path = f"{path}.messages[{k}]"
        message = as_object(item, item_path)
        sender = req_str(message, "from", item_path, MAX_CHAT_ID)
        group = opt_str(message, "group_id", item_path, MAX_CHAT_ID) or None
        messages.append(
            _message(
                message,
                item_path,
                now,
                account=account,
                chat_id=group or sender,
                author_id=sender if group else None,
                sender_name=names.get(sender),
                direction=Direction.INCOMING,
            )
        )
    for k, item in enumerate(opt_list(value, "statuses", path)):
        update = _status(as_object(item, f"{path}.statuses[{k}]"), f"{path}.statuses[{k}]", now)
        if update is not None:
            statuses.append(update)


def _parse_echoes_value(
    value: Mapping[str, Any], path: str, now: datetime, messages: list[InboundMessage]
) -> None:
    account = _account(value, path)
    for k, item in enumerate(opt_list(value, "message_echoes", path)):
        item_path = f"{path}.message_echoes[{k}]"
        message = as_object(item, item_path)
        recipient = req_str(message, "to", item_path, MAX_CHAT_ID)
        messages.append(
            _message(
                message,
                item_path,
                now,
                account=account,
                chat_id=recipient,
                author_id=None,
                sender_name=None,
                direction=Direction.OUTGOING,
            )
        )


def _contact_names(value: Mapping[str, Any], path: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for k, item in enumerate(opt_list(value, "contacts", path)):
        item_path = f"{path}.contacts[{k}]"
        contact = as_object(item, item_path)
        wa_id = opt_str(contact, "wa_id", item_path, MAX_CHAT_ID)
        profile = opt_object(contact, "profile", item_path)
        name = opt_str(profile, "name", join(item_path, "profile"), MAX_NAME) if profile else None
        clipped = clip_name(name)
        if wa_id and clipped:
            names[wa_id] = clipped
    return names


def _message(
    message: Mapping[str, Any],
    path: str,
    now: datetime,
    *,
    account: str | None,
    chat_id: str,
    author_id: str | None,
    sender_name: str | None,
    direction: Direction,
) -> InboundMessage:
    message_id = req_str(message, "id", path, MAX_ID)
    timestamp = epoch_time(message.get("timestamp"), join(path, "timestamp")) or now
    kind = (opt_str(message, "type", path) or "text").strip().lower()
    body, mtype, media = _content(message, kind, path)
    return InboundMessage(
        gateway=Gateway.META,
        gateway_message_id=message_id,
        chat_id=chat_id,
        body=body,
        timestamp=timestamp,
        type=mtype,
        direction=direction,
        sender_name=sender_name,
        author_id=author_id,
        media=media,
        account=account,
        raw=dict(message),
    )


def _content(
    message: Mapping[str, Any], kind: str, path: str
) -> tuple[str, MessageType, Media | None]:
    """Body, type and media of one Cloud API message, by its `type`."""
    part = opt_object(message, kind, path) if kind in _OBJECT_PARTS else None
    part_path = join(path, kind)
    if kind == "text":
        return _text(part, "body", part_path), MessageType.TEXT, None
    if kind in _MEDIA_TYPES:
        media = _media(part or {}, _MEDIA_TYPES[kind], part_path)
        return media.caption or "", media.type, media
    if kind == "location":
        media = _location(part or {}, part_path)
        return media.caption or "", MessageType.LOCATION, media
    if kind == "contacts":
        return _contacts_body(message, path), MessageType.CONTACT, None
    if kind == "interactive" and part is not None:
        for reply in ("button_reply", "list_reply"):
            chosen = opt_object(part, reply, part_path)
            if chosen is not None:
                return _text(chosen, "title", join(part_path, reply)), MessageType.TEXT, None
        return "", MessageType.UNSUPPORTED, None
    if kind == "button":
        return _text(part, "text", part_path), MessageType.TEXT, None
    # Reactions, orders, system notices, unsupported: stored as such, with their text if any.
    text_key = {"reaction": "emoji", "order": "text", "system": "body"}.get(kind)
    body = _text(part, text_key, part_path) if text_key else ""
    return body, MessageType.UNSUPPORTED, None


def _text(part: Mapping[str, Any] | None, key: str, path: str) -> str:
    if part is None:
        return ""
    return opt_str(part, key, path, MAX_BODY) or ""


def _media(part: Mapping[str, Any], mtype: MessageType, path: str) -> Media:
    url = opt_str(part, "url", path, MAX_URL)
    return Media(
        type=mtype,
        # Cloud API media URLs need the access token to download; the media id stays in raw.
        url=url if url and url.startswith(("https://", "http://")) else None,
        caption=opt_str(part, "caption", path, MAX_BODY) or None,
        mime_type=opt_str(part, "mime_type", path, MAX_SHORT) or None,
        filename=clip_name(opt_str(part, "filename", path, MAX_NAME)),
    )


def _location(part: Mapping[str, Any], path: str) -> Media:
    labels = [
        opt_str(part, "name", path, MAX_BODY) or "",
        opt_str(part, "address", path, MAX_BODY) or "",
    ]
    label = " - ".join(text for text in labels if text.strip()) or None
    lat = _coordinate(part, "latitude", path, 90.0)
    lng = _coordinate(part, "longitude", path, 180.0)
    url = None
    if lat is not None and lng is not None:
        url = f"https://maps.google.com/?q={lat:.6f},{lng:.6f}"
    return Media(type=MessageType.LOCATION, url=url, caption=label)


def _coordinate(part: Mapping[str, Any], key: str, path: str, limit: float) -> float | None:
    value = part.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise wrong_type(join(path, key), "a number", value)
    number = to_float(value, join(path, key))
    if not math.isfinite(number) or abs(number) > limit:
        raise WebhookError("invalid_field", f"field '{join(path, key)}' is not a coordinate", 422)
    return number


def _contacts_body(message: Mapping[str, Any], path: str) -> str:
    names: list[str] = []
    for k, item in enumerate(opt_list(message, "contacts", path)):
        item_path = f"{path}.contacts[{k}]"
        card = as_object(item, item_path)
        name = opt_object(card, "name", item_path)
        formatted = (
            opt_str(name, "formatted_name", join(item_path, "name"), MAX_NAME) if name else None
        )
        phones = [
            opt_str(as_object(phone, f"{item_path}.phones[{p}]"), "phone", item_path, MAX_CHAT_ID)
            for p, phone in enumerate(opt_list(card, "phones", item_path))
        ]
        parts = [formatted or "", *(phone for phone in phones if phone)]
        text = " ".join(part for part in parts if part)
        if text:
            names.append(text)
    return ", ".join(names)


def _status(item: Mapping[str, Any], path: str, now: datetime) -> StatusUpdate | None:
    message_id = req_str(item, "id", path, MAX_ID)
    word = req_str(item, "status", path).strip().lower()
    status = _STATUSES.get(word)
    if status is None:
        return None  # e.g. "deleted", "warning": nothing to show on the message
    timestamp = epoch_time(item.get("timestamp"), join(path, "timestamp")) or now
    error = _status_error(item, path) if status is DeliveryStatus.FAILED else None
    return StatusUpdate(
        gateway=Gateway.META,
        gateway_message_id=message_id,
        status=status,
        timestamp=timestamp,
        error=error,
        raw=dict(item),
    )


def _status_error(item: Mapping[str, Any], path: str) -> str:
    """`<code> <title>: <details>` from the first error, the form operators see."""
    errors = opt_list(item, "errors", path)
    if not errors:
        return "failed"
    error_path = join(path, "errors") + "[0]"
    error = as_object(errors[0], error_path)
    code = error.get("code")
    if code is not None and not isinstance(code, str):
        code = opt_int(error, "code", error_path)
    title = opt_str(error, "title", error_path, MAX_BODY) or ""
    data = opt_object(error, "error_data", error_path)
    details = opt_str(data, "details", join(error_path, "error_data"), MAX_BODY) if data else None
    details = details or opt_str(error, "message", error_path, MAX_BODY)
    head = " ".join(str(part) for part in (code, title) if part not in (None, ""))
    text = f"{head}: {details}" if details and details != title else head
    return text or "failed"
