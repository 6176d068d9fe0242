"""How big a media file WhatsApp lets a customer send, by message type.

The sizes of the WhatsApp Business Platform's media limits (images 5 MB, audio and video
16 MB, documents 100 MB; stickers are far smaller and are held to the image limit),
counted here in MiB, so a file WhatsApp let through is never refused for rounding. A
webhook whose file is bigger answers 413 (`server/media_webhook.py`); the limits are here
once, so changing one is one line.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from sportello.domain.values import MessageType

MIB = 1024 * 1024

MEDIA_LIMITS: Mapping[MessageType, int] = MappingProxyType(
    {
        MessageType.IMAGE: 5 * MIB,
        MessageType.STICKER: 5 * MIB,
        MessageType.AUDIO: 16 * MIB,
        MessageType.VIDEO: 16 * MIB,
        MessageType.DOCUMENT: 100 * MIB,
    }
)

LARGEST_MEDIA = max(MEDIA_LIMITS.values())


def media_limit(mtype: MessageType | None) -> int:
    """The largest file of this type; the largest of any type when the type is not known yet."""
    if mtype is None:
        return LARGEST_MEDIA
    return MEDIA_LIMITS.get(mtype, LARGEST_MEDIA)


def base64_length(size: int) -> int:
    """Characters of the padded base64 text of `size` bytes."""
    return (size + 2) // 3 * 4
