"""WPPConnect's words for a message's type (`chat`, `ptt`, `vcard`...) -> our MessageType.

The seed back end passes these words on unchanged in `newMessage`, `messageUpdate` and
`unreadMessages` (../shared/SEED_BACKEND.md); WPPConnect webhooks carry them too.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from sportello.domain.values import MessageType

WPPCONNECT_TYPE_WORDS: Mapping[str, MessageType] = MappingProxyType(
    {
        "chat": MessageType.TEXT,
        # Replies to buttons and lists carry the chosen option's text in `body`.
        "list_response": MessageType.TEXT,
        "buttons_response": MessageType.TEXT,
        "template_button_reply": MessageType.TEXT,
        "image": MessageType.IMAGE,
        "video": MessageType.VIDEO,
        "audio": MessageType.AUDIO,
        "ptt": MessageType.AUDIO,  # push-to-talk voice note
        "document": MessageType.DOCUMENT,
        "sticker": MessageType.STICKER,
        "location": MessageType.LOCATION,
        "vcard": MessageType.CONTACT,
        "multi_vcard": MessageType.CONTACT,
    }
)


def message_type_for(word: str) -> MessageType | None:
    """Our type for one of our own type values or a WPPConnect word; None when unknown."""
    text = word.strip().lower()
    try:
        return MessageType(text)
    except ValueError:
        return WPPCONNECT_TYPE_WORDS.get(text)
