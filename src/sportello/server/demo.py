"""`sportello demo`: a realistic morning at the desk, posted as WPPConnect webhooks.

Italian customers write in: a boiler in lockout, an urgent leak, a quote request, a
follow-up on an open ticket, a photo of the fault, a thank-you that opens no ticket; the
customers type before writing (presence events) and a delivery ack arrives. Run it
against a server started with the same --webhook-secret and watch the desktop client.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from sportello.ingest.wppconnect_bodies import BUSINESS, SESSION, onmessage_body
from sportello.server.config import DEFAULT_HOST, DEFAULT_PORT


class DemoError(Exception):
    """The demo cannot go on; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class Customer:
    number: str
    name: str

    @property
    def jid(self) -> str:
        return f"{self.number}@c.us"


MARIO = Customer("393331234567", "Mario Rossi")
LUCIA = Customer("393479876543", "Lucia Bianchi")
GIOVANNI = Customer("393385551234", "Giovanni Esposito")
ANNA = Customer("393201112233", "Anna Ferrari")


def _message(who: Customer, body: str, **extra: Any) -> dict[str, Any]:
    return onmessage_body(who.number, body, name=who.name, **extra)


def _photo(who: Customer, caption: str) -> dict[str, Any]:
    return _message(
        who,
        "",
        type="image",
        isMedia=True,
        caption=caption,
        mimetype="image/jpeg",
        deprecatedMms3Url="https://mmg.whatsapp.net/v/t62.7118-24/demo-photo.enc",
        size=159051,
        width=900,
        height=1600,
    )


def _typing(who: Customer, typing: bool) -> dict[str, Any]:
    return {
        "event": "onpresencechanged",
        "session": SESSION,
        "id": who.jid,
        "isOnline": True,
        "isGroup": False,
        "isUser": True,
        "state": "composing" if typing else "available",
        "t": int(time.time()),
        "isContact": True,
    }


def _ack(message_id: str, level: int) -> dict[str, Any]:
    return {
        "event": "onack",
        "session": SESSION,
        "id": {
            "fromMe": True,
            "remote": MARIO.jid,
            "id": message_id.rsplit("_", 1)[-1],
            "_serialized": message_id,
        },
        "body": "",
        "type": "chat",
        "t": int(time.time()),
        "from": BUSINESS,
        "to": MARIO.jid,
        "ack": level,
    }


def script() -> list[tuple[float, str, dict[str, Any]]]:
    """(pause before, what it is, webhook body) in order."""
    return [
        (0.0, "Mario is typing", _typing(MARIO, True)),
        (
            2.0,
            "Mario: boiler in lockout",
            _message(
                MARIO, "Buongiorno, la caldaia è in blocco da stamattina e non c'è acqua calda"
            ),
        ),
        (0.5, "Mario stopped typing", _typing(MARIO, False)),
        (
            3.0,
            "Lucia: URGENT leak",
            _message(
                LUCIA, "URGENTE!! Perdita d'acqua sotto il lavello, sta allagando la cucina 😱"
            ),
        ),
        (
            3.0,
            "Giovanni: a quote, no hurry",
            _message(
                GIOVANNI,
                "Salve, vorrei un preventivo per la manutenzione del condizionatore, con comodo",
            ),
        ),
        (2.0, "Lucia: photo of the fault", _photo(LUCIA, "Ecco la foto, l'acqua esce da qui")),
        (2.5, "Mario is typing again", _typing(MARIO, True)),
        (
            2.0,
            "Mario: follow-up on his ticket",
            _message(MARIO, "Ho provato a riavviarla come dice il manuale ma non si accende"),
        ),
        (
            3.0,
            "Anna: a thank-you (no ticket)",
            _message(ANNA, "Grazie mille per ieri, il tecnico è stato gentilissimo!"),
        ),
        (
            2.0,
            "Giovanni: important follow-up",
            _message(
                GIOVANNI, "Anzi, se possibile al più presto: con questo caldo in ufficio non si sta"
            ),
        ),
        (
            1.5,
            "a delivery ack from the gateway",
            _ack(f"true_{MARIO.jid}_3EB0{secrets.token_hex(8).upper()}", 3),
        ),
    ]


def _reason(text: str) -> str:
    """The server's own words: the message of its JSON error shape, else the body's start."""
    try:
        error = json.loads(text)["error"]
        return f"{error['message']} ({error['code']})"
    except (ValueError, KeyError, TypeError):
        return " ".join(text.split())[:200] or "empty answer"


def default_server_url(environ: Mapping[str, str]) -> str:
    """The server this environment configures (SPORTELLO_HOST/PORT, as `sportello server`)."""
    host = environ.get("SPORTELLO_HOST", "").strip() or DEFAULT_HOST
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    port = environ.get("SPORTELLO_PORT", "").strip() or str(DEFAULT_PORT)
    return f"http://{host}:{port}"


async def run_demo(url: str, token: str | None, webhook_secret: str, speed: float) -> None:
    """Post the script to `url`/webhooks/wppconnect; `speed` > 1 compresses the pauses."""
    if speed <= 0:
        raise DemoError("speed must be a positive number")
    endpoint = url.rstrip("/") + "/webhooks/wppconnect"
    headers = {"Content-Type": "application/json", "X-Webhook-Token": webhook_secret}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    timeout = aiohttp.ClientTimeout(total=15)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        for pause, label, body in script():
            await asyncio.sleep(pause / speed)
            try:
                async with http.post(endpoint, data=json.dumps(body), headers=headers) as answer:
                    text = await answer.text()
                    status = answer.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise DemoError(f"cannot reach {endpoint}: {exc or type(exc).__name__}") from None
            if status != 200:
                raise DemoError(f"{endpoint} answered {status} to '{label}': {_reason(text)}")
            print(f"sent: {label}", flush=True)
