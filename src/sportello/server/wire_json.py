"""The server's one JSON codec, for HTTP bodies and Socket.IO packets alike.

In: strict JSON only. Python's `json` takes `NaN`, `Infinity` and `-Infinity`, which are not
JSON (RFC 8259) and no other peer can read back, and decodes UTF-16/32 bodies by guessing;
both are refused here. Out: always UTF-8 encodable, whatever was stored by any version.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sportello.domain.text_repair import repair_tree

log = logging.getLogger(__name__)

_warned_unencodable = False


class NotJson(ValueError):
    """A body that is not strict JSON; the message says why, in one line."""


def _refuse_constant(name: str) -> object:
    raise NotJson(f"{name} is not a JSON value")


def loads_strict(raw: bytes | str) -> Any:
    """The JSON value of a UTF-8 document; NotJson (a ValueError) when it is not JSON."""
    if isinstance(raw, bytes):
        try:
            # utf-8-sig: a leading byte order mark is tolerated, as json.loads did.
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise NotJson(f"body is not UTF-8 text (byte {exc.start})") from None
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:
        raise NotJson("JSON nested too deeply") from None
    except NotJson:
        raise
    except ValueError as exc:
        raise NotJson(f"malformed JSON: {exc}") from None


def dumps(value: Any) -> str:
    """Compact JSON, UTF-8 kept as is, that always encodes as UTF-8.

    A lone surrogate can come back from data stored before text was repaired at the edge
    (SQLite's JSON keeps it as an escape): it is sent as U+FFFD instead of failing the
    whole answer or emit for everyone.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        _warn_unencodable()
        return json.dumps(repair_tree(value)[0], ensure_ascii=False, separators=(",", ":"))
    return text


def _warn_unencodable() -> None:
    global _warned_unencodable
    if not _warned_unencodable:
        _warned_unencodable = True
        log.warning("stored text with lone surrogates sent as U+FFFD (logged once)")


class SocketJson:
    """The JSON module python-socketio uses: `dumps` above; text repaired on the way in.

    Operators' events carry text that reaches the store (replies, notes, names): the
    same repair as for webhooks, so a lone surrogate or NUL is stored as U+FFFD.
    """

    @staticmethod
    def dumps(value: object, **kwargs: object) -> str:
        return dumps(value)

    @staticmethod
    def loads(text: str | bytes, **kwargs: object) -> object:
        return repair_tree(json.loads(text))[0]
