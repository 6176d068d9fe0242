"""Gateway webhook bodies as the gateways send them, for tests and bench scripts."""

from __future__ import annotations

import itertools
import time
from typing import Any

_ids = itertools.count(1)


def wpp_message(
    from_number: str = "393331234567",
    body: str = "Buongiorno, la caldaia non funziona",
    *,
    message_id: str | None = None,
    name: str = "Mario Rossi",
    t: int | None = None,
) -> dict[str, Any]:
    """A WPPConnect `onmessage` webhook body from a customer; a fresh id unless given."""
    jid = f"{from_number}@c.us"
    message_id = message_id or f"false_{jid}_3EB0{next(_ids):012X}"
    t = t or int(time.time())
    return {
        "event": "onmessage", "session": "sportello", "id": message_id, "body": body,
        "type": "chat", "t": t, "notifyName": name, "from": jid,
        "to": "390612345678@c.us", "self": "in", "ack": 1, "isNewMsg": True,
        "chatId": jid, "fromMe": False, "isGroupMsg": False,
        "sender": {"id": jid, "pushname": name, "isMe": False, "isUser": True},
        "timestamp": t,
    }  # fmt: skip
