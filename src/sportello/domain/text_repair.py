"""Text that every store and every wire can hold: no lone UTF-16 surrogate, no NUL.

JSON may spell a lone surrogate (`"\\ud83d"`, what WhatsApp Web sends when a name or text is
cut inside an emoji); Python decodes it into a `str` that cannot be encoded as UTF-8, so
the database driver and every JSON answer raise on it. PostgreSQL also refuses NUL in
text and in JSONB, while SQLite keeps it. Both are replaced by U+FFFD, so the same text is
stored on both engines and can always be written back out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

REPLACEMENT = "\ufffd"

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def needs_repair(text: str) -> bool:
    """Whether `text` holds a lone surrogate or a NUL."""
    if text.isascii():
        # O(1) in CPython, and surrogates are never ASCII: only NUL is left to look for.
        return "\x00" in text
    return _UNSTORABLE.search(text) is not None


def repair_text(text: str) -> str:
    """`text` with every lone surrogate and NUL replaced by U+FFFD."""
    if not needs_repair(text):
        return text
    return _UNSTORABLE.sub(REPLACEMENT, text)


@dataclass(frozen=True, slots=True)
class Repair:
    """One string of a JSON tree that was repaired: where, and what arrived, as JSON escapes."""

    path: str
    received: str

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "received": self.received}


def escaped(text: str) -> str:
    """`text` as the body of an ASCII JSON string literal: storable anywhere, lossless."""
    return json.dumps(text)[1:-1]


def tree_needs_repair(value: object) -> bool:
    """Whether any string (key or value) of a decoded JSON tree needs repair."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if needs_repair(item):
                return True
        elif isinstance(item, Mapping):
            for key, child in item.items():
                if isinstance(key, str) and needs_repair(key):
                    return True
                stack.append(child)
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


def repair_tree(value: object) -> tuple[object, list[Repair]]:
    """A decoded JSON tree with every string repaired, and what was repaired where.

    The tree is returned as is (the same object) when nothing needs repair, which is the
    common case; otherwise it is copied (iteratively: depth is whatever the input says).
    """
    if not tree_needs_repair(value):
        return value, []
    repairs: list[Repair] = []
    root: list[object] = [None]
    # (value, the new container it goes into, its key there, its path for the report)
    stack: list[tuple[object, dict[str, object] | list[object], str | int, str]] = [
        (value, root, 0, "")
    ]
    while stack:
        item, parent, slot, path = stack.pop()
        new: object
        if isinstance(item, str):
            new = _repaired(item, path, repairs)
        elif isinstance(item, Mapping):
            copy: dict[str, object] = {}
            children = []
            for key, child in item.items():
                new_key = key
                if isinstance(key, str) and needs_repair(key):
                    new_key = repair_text(key)
                    repairs.append(Repair(_join(path, new_key) + " (key)", escaped(key)))
                copy[new_key] = None
                children.append((child, copy, new_key, _join(path, new_key)))
            stack.extend(reversed(children))
            new = copy
        elif isinstance(item, list | tuple):
            items: list[object] = [None] * len(item)
            stack.extend(
                (child, items, index, f"{path}[{index}]") for index, child in enumerate(item)
            )
            new = items
        else:
            new = item
        parent[slot] = new  # type: ignore[index]
    repairs.sort(key=lambda repair: repair.path)
    return root[0], repairs


def _repaired(text: str, path: str, repairs: list[Repair]) -> str:
    if not needs_repair(text):
        return text
    repairs.append(Repair(path or "(body)", escaped(text)))
    return _UNSTORABLE.sub(REPLACEMENT, text)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
