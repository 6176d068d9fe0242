"""What the simulator keeps, and how wppconnect serializes it.

Shapes follow `wppconnect` `src/lib/wapi/serializers/serialize-message.js` (id as
`<fromMe>_<chat>_<key>`, `from`/`to`/`chatId` as strings, `sender` contact, `timestamp`,
`content` = `body`), `serialize-chat.js` (chat `id` as a `{server, user, _serialized}` Wid,
`msgs: null`), `src/api/model/ack.ts` (ack `id` as an object) and the raw WhatsApp Web
fields seen in tests/data/gateways/wppconnect.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from .media import MediaFile

JsonDict = dict[str, Any]


def wid(jid: str) -> JsonDict:
    """A Wid as WhatsApp Web serializes it."""
    user, _, server = jid.partition("@")
    return {"server": server, "user": user, "_serialized": jid}


def formatted_number(jid: str) -> str:
    return "+" + jid.split("@")[0]


@dataclass(slots=True)
class Message:
    """One message of a chat, in either direction."""

    id: str  # serialized: `true_<chat>_<key>` / `false_<chat>_<key>`
    key: str
    chat_id: str
    from_me: bool
    author: str  # jid of who wrote it
    recipient: str  # jid it was sent to
    type: str
    t: int
    body: str  # the text, or the thumbnail of a media message
    ack: int
    notify_name: str
    caption: str | None = None
    media: MediaFile | None = None
    duration: int | None = None

    @property
    def is_media(self) -> bool:
        return self.media is not None

    def _media_fields(self) -> JsonDict:
        media = self.media
        if media is None:
            return {}
        fields: JsonDict = {
            "isMMS": True,
            "deprecatedMms3Url": f"https://mmg.whatsapp.net/v/t62.7118-24/{self.key}.enc?mms3=true",
            "directPath": f"/v/t62.7118-24/{self.key}.enc",
            "mimetype": media.mimetype,
            "filehash": media.sha256_b64,
            "encFilehash": media.sha256_b64,
            "size": len(media.data),
            "mediaKey": media.sha256_b64,
            "mediaKeyTimestamp": self.t,
            "isViewOnce": False,
            "staticUrl": "",
        }
        if self.caption is not None:
            fields["caption"] = self.caption
        if media.filename is not None:
            fields["filename"] = media.filename
        if self.duration is not None:
            fields["duration"] = str(self.duration)
        if self.type in ("image", "video", "sticker"):
            fields["width"] = 900
            fields["height"] = 1600
        return fields

    def serialize(self, sender: JsonDict) -> JsonDict:
        """The message as `_serializeMessageObj` returns it (onmessage, get-messages...)."""
        out: JsonDict = {
            "id": self.id,
            "body": self.body,
            "type": self.type,
            "t": self.t,
            "notifyName": self.notify_name,
            "from": self.author,
            "to": self.recipient,
            "self": "out" if self.from_me else "in",
            "ack": self.ack,
            "invis": False,
            "isNewMsg": True,
            "star": False,
            "kicNotified": False,
            "recvFresh": True,
            "isFromTemplate": False,
            "pollInvalidated": False,
            "broadcast": False,
            "mentionedJidList": [],
            "groupMentions": [],
            "isVcardOverMmsDocument": False,
            "isForwarded": False,
            "labels": [],
            "hasReaction": False,
            "ephemeralOutOfSync": False,
            "productHeaderImageRejected": False,
            "lastPlaybackProgress": 0,
            "isDynamicReplyButtonsMsg": False,
            "isMdHistoryMsg": False,
            "stickerSentTs": 0,
            "isAvatar": False,
            "requiresDirectConnection": False,
            "links": [],
            "chatId": self.chat_id,
            "fromMe": self.from_me,
            "sender": sender,
            "timestamp": self.t,
            "content": self.body,
            "isGroupMsg": self.chat_id.endswith("@g.us"),
            "isMedia": self.is_media,
            "isNotification": False,
            "isPSA": False,
            "mediaData": {"type": self.type, "mediaStage": "RESOLVED"} if self.media else {},
        }
        out.update(self._media_fields())
        return out

    def ack_event(self) -> JsonDict:
        """The `onack` data (`Ack` model: `id` is an object). Raw media fields come along, so
        wppconnect-server's autoDownload applies to acks of media messages too."""
        out: JsonDict = {
            "id": {
                "fromMe": self.from_me,
                "remote": self.chat_id,
                "id": self.key,
                "_serialized": self.id,
            },
            "body": self.body,
            "type": self.type,
            "t": self.t,
            "notifyName": self.notify_name,
            "from": self.author,
            "to": self.recipient,
            "self": "out" if self.from_me else "in",
            "ack": self.ack,
            "invis": False,
            "isNewMsg": True,
            "star": False,
            "recvFresh": True,
            "isFromTemplate": False,
            "broadcast": False,
            "mentionedJidList": [],
            "isVcardOverMmsDocument": False,
            "isForwarded": False,
            "labels": [],
            "isDynamicReplyButtonsMsg": False,
        }
        out.update(self._media_fields())
        return out


@dataclass(slots=True)
class Chat:
    """A chat of the linked account: every message it ever got, oldest first."""

    id: str
    pushname: str | None = None
    messages: list[Message] = field(default_factory=list)
    positions: dict[str, int] = field(default_factory=dict)
    unread_count: int = 0
    t: int = 0

    def add(self, message: Message) -> None:
        self.positions[message.id] = len(self.messages)
        self.messages.append(message)
        self.t = max(self.t, message.t)

    def find(self, message_id: str) -> Message | None:
        index = self.positions.get(message_id)
        return None if index is None else self.messages[index]

    def serialize(self, contact: JsonDict) -> JsonDict:
        """The chat as `_serializeChatObj` returns it (list-chats, all-chats)."""
        last = self.messages[-1] if self.messages else None
        return {
            "id": wid(self.id),
            "pendingMsgs": False,
            "lastReceivedKey": (
                {
                    "fromMe": last.from_me,
                    "remote": self.id,
                    "id": last.key,
                    "_serialized": last.id,
                }
                if last
                else None
            ),
            "t": self.t,
            "unreadCount": self.unread_count,
            "archive": False,
            "isReadOnly": False,
            "muteExpiration": 0,
            "notSpam": True,
            "pin": 0,
            "kind": "group" if self.id.endswith("@g.us") else "chat",
            "isBroadcast": False,
            "isGroup": self.id.endswith("@g.us"),
            "isUser": self.id.endswith("@c.us"),
            "contact": contact,
            "groupMetadata": None,
            "presence": {"id": self.id, "chatstates": []},
            "msgs": None,
        }


@dataclass(slots=True)
class Account:
    """What outlives a wppconnect-server process for one session: the token file (with the
    start-session body as `config`), the browser profile (linked phone) and WhatsApp's
    copy of the chats."""

    session: str
    token_config: JsonDict | None = None  # None: no token file
    linked_phone: str | None = None
    chats: dict[str, Chat] = field(default_factory=dict)
    # what WhatsApp holds for the device while it is not online, delivered on reconnect
    pending_in: list[Message] = field(default_factory=list)

    def chat(self, chat_id: str) -> Chat:
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = self.chats[chat_id] = Chat(chat_id)
        return chat


@dataclass(eq=False, slots=True)
class Client:
    """One entry of wppconnect-server's `clientsArray`: the placeholder `{status, session}`
    until `create()` resolves, then the live client (`live`: it has a page, so
    `isConnected()` answers)."""

    session: str
    status: str | None = None
    config: JsonDict = field(default_factory=dict)
    qrcode: str | None = None  # data URL of the last QR
    urlcode: str | None = None
    phone_code: str | None = None
    live: bool = False
    # set while the page is connected to WhatsApp; cleared by phone_offline()
    online: asyncio.Event = field(default_factory=asyncio.Event)
    login: asyncio.Task[None] | None = None
    scanned: asyncio.Event = field(default_factory=asyncio.Event)
    scanned_phone: str | None = None
    # start-session requests with waitQrCode waiting for the first QR (or phone code)
    qr_waiters: list[asyncio.Future[JsonDict]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.online.set()

    @property
    def offline(self) -> bool:
        return not self.online.is_set()
