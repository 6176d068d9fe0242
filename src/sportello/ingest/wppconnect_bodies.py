"""WPPConnect Server webhook bodies for an incoming customer message, as the gateway posts them.

One builder for `sportello demo`, the packaged smoke test, the test suite and the bench
scripts (tests/support/payloads.py wraps it), so they all speak the same shape.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

BUSINESS = "390612345678@c.us"
SESSION = "sportello"


def onmessage_body(
    phone: str,
    body: str,
    *,
    name: str = "Mario Rossi",
    message_id: str | None = None,
    t: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An `onmessage` body from `phone` (digits, no +); a fresh WhatsApp-like id unless given."""
    jid = f"{phone}@c.us"
    t = t or int(time.time())
    return {
        "event": "onmessage",
        "session": SESSION,
        "id": message_id or f"false_{jid}_3EB0{secrets.token_hex(8).upper()}",
        "body": body,
        "type": "chat",
        "t": t,
        "notifyName": name,
        "from": jid,
        "to": BUSINESS,
        "self": "in",
        "ack": 1,
        "isNewMsg": True,
        "chatId": jid,
        "fromMe": False,
        "isGroupMsg": False,
        "timestamp": t,
        "sender": {"id": jid, "pushname": name, "isMe": False, "isUser": True},
        **extra,
    }
