"""Gateway webhook bodies as the gateways send them, for tests and bench scripts.

The WPPConnect `onmessage` shape itself lives in src (sportello.ingest.wppconnect_bodies),
because `sportello demo` and the packaged smoke test build it too and cannot import tests/.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from sportello.ingest.wppconnect_bodies import onmessage_body
from tests.support.paths import REPO

_ids = itertools.count(1)
RECORDED_TEXT = REPO / "tests" / "data" / "gateways" / "wppconnect" / "onmessage_text.json"


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
    return onmessage_body(from_number, body, name=name, message_id=message_id, t=t)


def numbered_wpp_message(n: int, body: str, phone: str = "393331234567") -> dict[str, Any]:
    """The recorded WPPConnect text message (tests/data) as message number `n` from `phone`:
    id and timestamp follow `n`, so posting the same `n` twice is a duplicate."""
    payload: dict[str, Any] = json.loads(RECORDED_TEXT.read_text(encoding="utf-8"))
    chat = f"{phone}@c.us"
    payload.update(
        id=f"false_{chat}_TEST{n:06d}",
        body=body,
        content=body,
        t=1732519800 + n,
        timestamp=1732519800 + n,
        **{"from": chat, "chatId": chat},
    )
    payload["sender"]["id"] = chat
    return payload
