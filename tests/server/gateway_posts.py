"""Real gateway payloads (tests/data/gateways) as the webhook requests each gateway makes."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.fakes.fake_gateway import sign_meta
from tests.server.server_harness import META_APP_SECRET, WEBHOOK_SECRET

DATA = Path(__file__).resolve().parents[1] / "data" / "gateways"
GATEWAYS = ("wppconnect", "meta", "generic")
_serial = itertools.count(1)


def samples(gateway: str) -> dict[str, Any]:
    """Every inbound sample of a gateway by file stem (answers to our sends left out)."""
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((DATA / gateway).glob("*.json"))
        if not path.name.startswith("send_")
    }


def fresh_ids(body: Any) -> Any:
    """A copy of `body` whose message ids are new, so it is stored rather than a duplicate."""
    suffix = f"_{next(_serial):08d}"

    def walk(value: Any, key: str | None) -> Any:
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, key) for v in value]
        if key in ("id", "_serialized") and isinstance(value, str) and not value.isdigit():
            return value + suffix
        return value

    return walk(body, None)


def webhook_request(gateway: str, body: Any) -> tuple[str, bytes, dict[str, str]]:
    """(path, raw body, headers) of the POST that `gateway` makes with `body`.

    JSON is written with ASCII escapes, as gateways do: a lone surrogate travels as the
    valid JSON escape `\\ud83d`.
    """
    raw = json.dumps(body, ensure_ascii=True).encode("ascii")
    headers = {"Content-Type": "application/json"}
    if gateway == "meta":
        headers["X-Hub-Signature-256"] = sign_meta(raw, META_APP_SECRET)
    else:
        headers["X-Webhook-Token"] = WEBHOOK_SECRET
    return f"/webhooks/{gateway}", raw, headers


def string_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every string value (not key) of a JSON tree."""
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, child in value.items():
            yield from string_paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from string_paths(child, (*path, index))


def replaced(body: Any, changes: dict[tuple[Any, ...], str]) -> Any:
    """A copy of `body` with the strings at these paths replaced."""
    copy = json.loads(json.dumps(body))
    for path, text in changes.items():
        target = copy
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = text
    return copy
