"""Parse WPPConnect Server webhooks into domain values.

WPPConnect Server posts `{"event": <name>, "session": <session>, ...data}` where `data` is
the WhatsApp Web object flattened in (see `callWebHook` in wppconnect-server
src/util/functions.ts). Events we act on: `onmessage` / `onselfmessage` / `unreadmessages`
(messages), `onack` (delivery of messages we sent), `onpresencechanged` (typing),
`status-find` / `onstatechange` / `qrcode` / `phoneCode` (session state). Anything else is
ignored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sportello.domain.gateway_types import WPPCONNECT_TYPE_WORDS
from sportello.domain.values import (
    DeliveryStatus,
    Direction,
    Gateway,
    InboundMessage,
    Media,
    MessageType,
    PresenceUpdate,
    StatusUpdate,
    utc_now,
)
from sportello.ingest.parsed import ConnectionState, GatewayState, ParsedWebhook, WebhookError
from sportello.ingest.payload_fields import (
    MAX_BODY,
    MAX_CHAT_ID,
    MAX_NAME,
    MAX_SHORT,
    MAX_URL,
    as_object,
    check_shape,
    clip_name,
    epoch_time,
    missing,
    opt_int,
    opt_list,
    opt_str,
    opt_text,
    req_str,
    serialized_id,
    to_float,
    wrong_type,
)

_MESSAGE_EVENTS = frozenset({"onmessage", "onselfmessage", "unreadmessages"})
_STATE_EVENTS = frozenset({"status-find", "onstatechange", "qrcode", "phonecode"})
STATUS_BROADCAST = "status@broadcast"

# WPPConnect's type words have one home (domain/gateway_types.py, also read by the client
# for the seed back end); the parser only needs to know which ones carry a file.
_MEDIA_TYPES = {
    word: mtype
    for word, mtype in WPPCONNECT_TYPE_WORDS.items()
    if mtype
    in {
        MessageType.IMAGE,
        MessageType.VIDEO,
        MessageType.AUDIO,
        MessageType.DOCUMENT,
        MessageType.STICKER,
    }
}


def media_type_of(word: object) -> MessageType | None:
    """The media type of a WPPConnect `type` word whose message carries a file, else None."""
    if not isinstance(word, str):
        return None
    return _MEDIA_TYPES.get(word.strip().lower())


# Replies to buttons/lists carry the chosen option's text in `body`.
_TEXT_TYPES = frozenset(
    word for word, mtype in WPPCONNECT_TYPE_WORDS.items() if mtype is MessageType.TEXT
)
# WhatsApp system records, not something a person wrote: never stored as messages.
# `ciphertext` is "waiting for this message"; the decrypted message follows with the same id.
_SYSTEM_TYPES = frozenset(
    {
        "notification",
        "notification_template",
        "group_notification",
        "gp2",
        "broadcast_notification",
        "e2e_notification",
        "call_log",
        "protocol",
        "ciphertext",
        "revoked",
    }
)

# AckType from wppconnect src/api/model/enum/ack-type.ts.
_ACK_NAMES = {
    -7: "MD_DOWNGRADE",
    -6: "INACTIVE",
    -5: "CONTENT_UNUPLOADABLE",
    -4: "CONTENT_TOO_BIG",
    -3: "CONTENT_GONE",
    -2: "EXPIRED",
    -1: "FAILED",
    0: "CLOCK",
    1: "SENT",
    2: "RECEIVED",
    3: "READ",
    4: "PLAYED",
}
_ACK_STATUS = {
    0: DeliveryStatus.QUEUED,
    1: DeliveryStatus.SENT,
    2: DeliveryStatus.DELIVERED,
    3: DeliveryStatus.READ,
    4: DeliveryStatus.READ,
}

# statusFind values (wppconnect src/api/model/enum/status-find.ts) and SocketState values.
# The unlinked phone is spelled `desconnectedMobile` in the code that sends it
# (wppconnect src/api/whatsapp.ts, compared in wppconnect-server createSessionUtil.ts);
# `disconnectedMobile` is the enum's spelling, kept in case a version fixes it.
_STATE_NAMES = {
    "islogged": ConnectionState.CONNECTED,
    "inchat": ConnectionState.CONNECTED,
    "qrreadsuccess": ConnectionState.CONNECTED,
    "connected": ConnectionState.CONNECTED,
    "notlogged": ConnectionState.UNPAIRED,
    "qrreadfail": ConnectionState.UNPAIRED,
    "qrreaderror": ConnectionState.UNPAIRED,
    "deletetoken": ConnectionState.UNPAIRED,
    "unpaired": ConnectionState.UNPAIRED,
    "unpaired_idle": ConnectionState.UNPAIRED,
    "qrcode": ConnectionState.UNPAIRED,
    "phonecode": ConnectionState.UNPAIRED,
    "browserclose": ConnectionState.DISCONNECTED,
    "autoclosecalled": ConnectionState.DISCONNECTED,
    "desconnectedmobile": ConnectionState.DISCONNECTED,
    "disconnectedmobile": ConnectionState.DISCONNECTED,
    "serverclose": ConnectionState.DISCONNECTED,
    "phonenotconnected": ConnectionState.DISCONNECTED,
    "timeout": ConnectionState.DISCONNECTED,
    "unlaunched": ConnectionState.DISCONNECTED,
    "deprecated_version": ConnectionState.DISCONNECTED,
    "disconnected": ConnectionState.DISCONNECTED,
    "opening": ConnectionState.CONNECTING,
    "pairing": ConnectionState.CONNECTING,
    "resuming": ConnectionState.CONNECTING,
    "syncing": ConnectionState.CONNECTING,
    "conflict": ConnectionState.CONFLICT,
    "tos_block": ConnectionState.BLOCKED,
    "smb_tos_block": ConnectionState.BLOCKED,
    "proxyblock": ConnectionState.BLOCKED,
}

_TYPING_STATES = frozenset({"composing", "recording"})
_VCARD_FN = re.compile(r"^FN[^:\r\n]*:(.*)$", re.MULTILINE)
# Keys whose values are bulky or secret and have no use once parsed.
_DROP_FROM_RAW = ("qrcode", "urlcode", "mediaData", "phoneCode")
# A QR code PNG in base64 is a few kilobytes; anything else in its place is not one.
_MAX_QR = 512 * 1024
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_PHONE_CODE = re.compile(r"[A-Za-z0-9-]{4,16}")


def parse_wppconnect(body: object, *, received_at: datetime | None = None) -> ParsedWebhook:
    """Parse one WPPConnect Server webhook body (decoded JSON). Raises WebhookError only.

    `received_at` stamps events that carry no time of their own (acks, states); default now.
    """
    check_shape(body)
    obj = as_object(body, "")
    event = req_str(obj, "event", "").strip().lower()
    account = opt_str(obj, "session", "") or None
    now = received_at or utc_now()
    if event in _MESSAGE_EVENTS:
        return _parse_message(obj, event, account, now)
    if event == "onack":
        return _parse_ack(obj, now)
    if event == "onpresencechanged":
        return _parse_presence(obj, now)
    if event in _STATE_EVENTS:
        return _parse_state(obj, event, account, now)
    return ParsedWebhook(ignored=event)


def _parse_message(
    obj: Mapping[str, Any], event: str, account: str | None, now: datetime
) -> ParsedWebhook:
    message_id = serialized_id(obj, "id", "")
    if message_id is None:
        raise missing("id")
    kind = (opt_str(obj, "type", "") or "chat").strip().lower()
    sender = serialized_id(obj, "from", "", MAX_CHAT_ID)
    recipient = serialized_id(obj, "to", "", MAX_CHAT_ID)
    chat_field = serialized_id(obj, "chatId", "", MAX_CHAT_ID)
    if STATUS_BROADCAST in (sender, recipient, chat_field):
        return ParsedWebhook(ignored=STATUS_BROADCAST)
    if kind in _SYSTEM_TYPES:
        return ParsedWebhook(ignored=f"{event}:{kind}")
    from_me = _from_me(obj, message_id)
    if sender is None:
        raise missing("from")
    # Our own message (typed on the phone, or echoed): the chat is the other side.
    chat_id = (recipient or chat_field) if from_me else sender
    if chat_id is None:
        raise missing("to")
    is_group = chat_id.endswith("@g.us") or obj.get("isGroupMsg") is True
    author = serialized_id(obj, "author", "", MAX_CHAT_ID) if is_group else None
    timestamp = epoch_time(obj.get("t"), "t") or epoch_time(obj.get("timestamp"), "timestamp")
    body, mtype, media, raw = _content(obj, kind)
    return ParsedWebhook(
        messages=(
            InboundMessage(
                gateway=Gateway.WPPCONNECT,
                gateway_message_id=message_id,
                chat_id=chat_id,
                body=body,
                timestamp=timestamp or now,
                type=mtype,
                direction=Direction.OUTGOING if from_me else Direction.INCOMING,
                # Our own echo names the business, not the contact: keep it off the contact.
                sender_name=None if from_me else _sender_name(obj),
                author_id=author,
                media=media,
                account=account,
                raw=raw,
            ),
        )
    )


def _content(
    obj: Mapping[str, Any], kind: str
) -> tuple[str, MessageType, Media | None, dict[str, Any]]:
    """Body, type, media and the raw copy to keep, by WhatsApp Web message type."""
    raw = {key: value for key, value in obj.items() if key not in _DROP_FROM_RAW}
    if kind in _TEXT_TYPES:
        return opt_str(obj, "body", "", MAX_BODY) or "", MessageType.TEXT, None, raw
    # Past this point `body` is a base64 thumbnail or file (never text): keep it out of raw.
    raw.pop("body", None)
    if kind in _MEDIA_TYPES:
        media = _media(obj, _MEDIA_TYPES[kind])
        return media.caption or "", media.type, media, raw
    if kind == "location":
        media = _location(obj)
        return media.caption or "", MessageType.LOCATION, media, raw
    if kind == "vcard":
        card = opt_str(obj, "body", "", MAX_BODY) or ""
        raw["body"] = card
        name = opt_str(obj, "vcardFormattedName", "", MAX_NAME) or _vcard_name(card)
        return name or card, MessageType.CONTACT, None, raw
    if kind == "multi_vcard":
        names = [
            _card_display_name(card, i) for i, card in enumerate(opt_list(obj, "vcardList", ""))
        ]
        return ", ".join(name for name in names if name), MessageType.CONTACT, None, raw
    return "", MessageType.UNSUPPORTED, None, raw


def _media(obj: Mapping[str, Any], mtype: MessageType) -> Media:
    caption = opt_str(obj, "caption", "", MAX_BODY) or None
    filename = clip_name(opt_str(obj, "filename", "", MAX_NAME))
    if caption is not None and caption == filename and obj.get("isCaptionByUser") is False:
        # WhatsApp fills a document's caption with its file name when the user typed none.
        caption = None
    return Media(
        type=mtype,
        url=_media_url(obj),
        caption=caption,
        mime_type=opt_str(obj, "mimetype", "", MAX_SHORT) or None,
        filename=filename,
    )


def _media_url(obj: Mapping[str, Any]) -> str | None:
    # fileUrl: set by wppconnect-server when it uploads decrypted media to S3 (autoDownload).
    # deprecatedMms3Url/clientUrl: WhatsApp's CDN copy (encrypted; needs mediaKey).
    for key in ("fileUrl", "deprecatedMms3Url", "clientUrl"):
        url = opt_str(obj, key, "", MAX_URL)
        if url and url.startswith(("https://", "http://")):
            return url
    return None


def _location(obj: Mapping[str, Any]) -> Media:
    label = opt_str(obj, "loc", "", MAX_BODY) or opt_str(obj, "comment", "", MAX_BODY) or None
    lat, lng = _coordinate(obj, "lat", 90.0), _coordinate(obj, "lng", 180.0)
    url = None
    if lat is not None and lng is not None:
        url = f"https://maps.google.com/?q={lat:.6f},{lng:.6f}"
    return Media(type=MessageType.LOCATION, url=url, caption=label)


def _coordinate(obj: Mapping[str, Any], key: str, limit: float) -> float | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise wrong_type(key, "a number", value) from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise wrong_type(key, "a number", value)
    number = to_float(value, key)
    if not math.isfinite(number) or abs(number) > limit:
        raise WebhookError("invalid_field", f"field '{key}' is not a valid coordinate", 422)
    return number


def _vcard_name(card: str) -> str | None:
    match = _VCARD_FN.search(card)
    return match.group(1).strip() or None if match else None


def _card_display_name(card: object, index: int) -> str | None:
    entry = as_object(card, f"vcardList[{index}]")
    name = opt_str(entry, "displayName", f"vcardList[{index}]", MAX_NAME)
    return name or _vcard_name(opt_str(entry, "vcard", f"vcardList[{index}]", MAX_BODY) or "")


def _sender_name(obj: Mapping[str, Any]) -> str | None:
    name = clip_name(opt_str(obj, "notifyName", "", MAX_NAME))
    sender = obj.get("sender")
    if name is None and isinstance(sender, Mapping):
        name = clip_name(opt_text(sender.get("pushname"), "sender.pushname", MAX_NAME))
    return name


def _from_me(obj: Mapping[str, Any], message_id: str) -> bool:
    """Whether we sent it: `fromMe`, else `id.fromMe`, else the `true_` id prefix."""
    flag = obj.get("fromMe")
    if flag is not None:
        if not isinstance(flag, bool):
            raise wrong_type("fromMe", "a boolean", flag)
        return flag
    id_obj = obj.get("id")
    if isinstance(id_obj, Mapping) and isinstance(id_obj.get("fromMe"), bool):
        return bool(id_obj["fromMe"])
    if message_id.startswith(("true_", "false_")):
        return message_id.startswith("true_")
    return obj.get("self") == "out"


def _parse_ack(obj: Mapping[str, Any], now: datetime) -> ParsedWebhook:
    message_id = serialized_id(obj, "id", "")
    if message_id is None:
        raise missing("id")
    ack = opt_int(obj, "ack", "")
    if ack is None:
        raise missing("ack")
    if not _from_me(obj, message_id) and _explicit_direction(obj, message_id):
        # The business phone reading a customer's message: not a delivery status of ours.
        return ParsedWebhook(ignored="onack:incoming")
    if ack < 0:
        status, error = DeliveryStatus.FAILED, f"ack {ack} {_ACK_NAMES.get(ack, 'ERROR')}"
    elif ack in _ACK_STATUS:
        status, error = _ACK_STATUS[ack], None
    else:
        return ParsedWebhook(ignored=f"onack:{ack}")
    raw = {key: value for key, value in obj.items() if key not in ("body", *_DROP_FROM_RAW)}
    update = StatusUpdate(
        gateway=Gateway.WPPCONNECT,
        gateway_message_id=message_id,
        status=status,
        timestamp=now,
        error=error,
        raw=raw,
    )
    return ParsedWebhook(statuses=(update,))


def _explicit_direction(obj: Mapping[str, Any], message_id: str) -> bool:
    """True when the payload states who sent the message (so 'not ours' can be trusted)."""
    id_obj = obj.get("id")
    return (
        isinstance(obj.get("fromMe"), bool)
        or (isinstance(id_obj, Mapping) and isinstance(id_obj.get("fromMe"), bool))
        or message_id.startswith(("true_", "false_"))
    )


def _parse_presence(obj: Mapping[str, Any], now: datetime) -> ParsedWebhook:
    chat_id = serialized_id(obj, "id", "", MAX_CHAT_ID)
    if chat_id is None:
        raise missing("id")
    state = (opt_str(obj, "state", "") or "").strip().lower()
    typing = state in _TYPING_STATES
    for index, participant in enumerate(opt_list(obj, "participants", "")):
        entry = as_object(participant, f"participants[{index}]")
        part_state = (opt_str(entry, "state", f"participants[{index}]") or "").lower()
        typing = typing or part_state in _TYPING_STATES
    timestamp = epoch_time(obj.get("t"), "t") or now
    presence = PresenceUpdate(
        gateway=Gateway.WPPCONNECT, chat_id=chat_id, typing=typing, timestamp=timestamp
    )
    return ParsedWebhook(presences=(presence,))


def _parse_state(
    obj: Mapping[str, Any], event: str, account: str | None, now: datetime
) -> ParsedWebhook:
    qr_png, phone_code = None, None
    if event == "qrcode":
        word = "qrcode"
        qr_png = _qr_png(obj.get("qrcode"))
    elif event == "phonecode":
        word = "phonecode"
        code = obj.get("phoneCode")
        phone_code = code if isinstance(code, str) and _PHONE_CODE.fullmatch(code) else None
    elif event == "status-find":
        word = req_str(obj, "status", "", MAX_SHORT)
    else:
        word = opt_str(obj, "state", "", MAX_SHORT) or req_str(obj, "status", "", MAX_SHORT)
    state = _STATE_NAMES.get(word.strip().lower(), ConnectionState.UNKNOWN)
    raw = {key: value for key, value in obj.items() if key not in _DROP_FROM_RAW}
    return ParsedWebhook(
        states=(
            GatewayState(
                gateway=Gateway.WPPCONNECT,
                account=account,
                state=state,
                timestamp=now,
                raw=raw,
                qr_png_base64=qr_png,
                phone_code=phone_code,
            ),
        )
    )


def _qr_png(value: object) -> str | None:
    """The QR image of a `qrcode` webhook (base64 PNG, no `data:` prefix), or None.

    A state webhook is never refused for its picture: a strange one is only not shown.
    """
    if not isinstance(value, str) or len(value) > _MAX_QR:
        return None
    text = value.removeprefix("data:image/png;base64,")
    return text if _BASE64.fullmatch(text) else None
