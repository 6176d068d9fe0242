"""Text no store can hold (lone surrogates, NUL) is repaired once, at the parser edge."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator, Mapping
from enum import Enum
from pathlib import Path
from typing import Any

import pytest

from sportello.domain.text_repair import REPLACEMENT, repair_text, repair_tree
from sportello.ingest.generic import parse_generic
from sportello.ingest.meta import parse_meta
from sportello.ingest.parsed import ParsedWebhook, WebhookError
from sportello.ingest.webhook_body import RAW_REPAIRS_KEY, parse_webhook_body
from sportello.ingest.wppconnect import parse_wppconnect

DATA = Path(__file__).resolve().parent.parent / "data" / "gateways"
PARSERS: dict[str, Callable[[object], ParsedWebhook]] = {
    "wppconnect": parse_wppconnect,
    "meta": parse_meta,
    "generic": parse_generic,
}
BROKEN = "a\ud83d b\x00c"  # what JSON spells "a\ud83d b\u0000c": valid JSON, not storable


def fixtures() -> Iterator[tuple[str, str, Any]]:
    for gateway in PARSERS:
        for path in sorted((DATA / gateway).glob("*.json")):
            if not path.name.startswith("send_"):
                yield gateway, path.stem, json.loads(path.read_text(encoding="utf-8"))


def string_leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, child in value.items():
            yield from string_leaves(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from string_leaves(child, (*path, index))


def with_leaf(body: Any, path: tuple[Any, ...], text: str) -> Any:
    copy = json.loads(json.dumps(body))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = text
    return copy


def dotted(path: tuple[Any, ...]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


def strings_of(value: Any) -> Iterator[str]:
    """Every string a parsed value carries, raw copies included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Enum):
        yield str(value.value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from strings_of(getattr(value, item.name))
    elif isinstance(value, Mapping):
        for key, child in value.items():
            yield from strings_of(key)
            yield from strings_of(child)
    elif isinstance(value, list | tuple):
        for child in value:
            yield from strings_of(child)


def storable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def test_lone_surrogates_and_nul_become_the_replacement_character() -> None:
    assert repair_text("caff\u00e8 \ud83d\ude00") == "caff\u00e8 \ud83d\ude00".replace(
        "\ud83d\ude00", "\ufffd\ufffd"
    )
    assert repair_text("ok \U0001f600") == "ok \U0001f600"
    assert repair_text("a\x00b\udc00") == f"a{REPLACEMENT}b{REPLACEMENT}"
    assert repair_text("tab\tand\x01control") == "tab\tand\x01control"


def test_a_clean_tree_is_returned_as_is_and_a_broken_one_says_what_arrived_where() -> None:
    clean = {"a": ["b", {"c": 1}]}
    assert repair_tree(clean)[0] is clean

    tree, repairs = repair_tree({"n": 1, "k\ud83d": [True, {"body": "x\x00"}]})

    assert tree == {"n": 1, f"k{REPLACEMENT}": [True, {"body": f"x{REPLACEMENT}"}]}
    assert [(r.path, r.received) for r in repairs] == [
        (f"k{REPLACEMENT} (key)", "k\\ud83d"),
        (f"k{REPLACEMENT}[1].body", "x\\u0000"),
    ]
    assert all(storable(r.path) and r.received.isascii() for r in repairs)


def test_a_tree_deeper_than_the_recursion_limit_is_repaired() -> None:
    deep: Any = "\ud83d"
    for _ in range(5_000):
        deep = [deep]
    tree, repairs = repair_tree(deep)
    for _ in range(5_000):
        tree = tree[0]
    assert tree == REPLACEMENT and len(repairs) == 1


CASES = [
    pytest.param(gateway, body, path, id=f"{gateway}/{name}/{'.'.join(map(str, path))}")
    for gateway, name, body in fixtures()
    for path in string_leaves(body)
]


@pytest.mark.parametrize(("gateway", "body", "path"), CASES)
def test_broken_text_in_any_string_field_of_any_payload_is_stored_repaired_or_refused_alone(
    gateway: str, body: Any, path: tuple[Any, ...]
) -> None:
    broken = with_leaf(body, path, BROKEN)
    try:
        parsed = parse_webhook_body(PARSERS[gateway], broken)
    except WebhookError as exc:
        assert 400 <= exc.status < 500
        return
    assert all(storable(text) for text in strings_of(parsed))
    for item in (*parsed.messages, *parsed.statuses, *parsed.states):
        repairs = item.raw[RAW_REPAIRS_KEY]
        assert {"path": dotted(path), "received": "a\\ud83d b\\u0000c"} in repairs


def test_a_broken_message_id_is_refused_not_merged_with_another() -> None:
    body = json.loads((DATA / "wppconnect" / "onmessage_text.json").read_text(encoding="utf-8"))
    body["id"] = "false_393331234567@c.us_3EB0\ud83d"

    with pytest.raises(WebhookError) as refused:
        parse_webhook_body(parse_wppconnect, body)

    assert refused.value.status == 422
    assert refused.value.code == "invalid_text"
    assert "message id" in refused.value.message
