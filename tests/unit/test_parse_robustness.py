"""Whatever JSON arrives, every parser answers ParsedWebhook or WebhookError, nothing else."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sportello.ingest.generic import parse_generic
from sportello.ingest.meta import parse_meta
from sportello.ingest.parsed import ParsedWebhook, WebhookError
from sportello.ingest.wppconnect import parse_wppconnect

DATA = Path(__file__).resolve().parent.parent / "data" / "gateways"
PARSERS: dict[str, Callable[[object], ParsedWebhook]] = {
    "wppconnect": parse_wppconnect,
    "meta": parse_meta,
    "generic": parse_generic,
}
FIXTURES = {
    gateway: [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((DATA / gateway).glob("*.json"))
        if not path.name.startswith("send_")
    ]
    for gateway in PARSERS
}

# Keys the parsers look at, so random objects hit real code paths, not only "missing".
KEYS = [
    "event",
    "session",
    "id",
    "_serialized",
    "fromMe",
    "from",
    "to",
    "chatId",
    "type",
    "body",
    "t",
    "timestamp",
    "notifyName",
    "sender",
    "pushname",
    "author",
    "isGroupMsg",
    "caption",
    "mimetype",
    "filename",
    "deprecatedMms3Url",
    "lat",
    "lng",
    "loc",
    "vcardList",
    "ack",
    "state",
    "participants",
    "status",
    "object",
    "entry",
    "changes",
    "field",
    "value",
    "metadata",
    "phone_number_id",
    "contacts",
    "profile",
    "name",
    "wa_id",
    "messages",
    "statuses",
    "errors",
    "code",
    "title",
    "error_data",
    "details",
    "text",
    "image",
    "interactive",
    "button_reply",
    "group_id",
    "message_echoes",
    "senderName",
    "url",
]
WORDS = [
    "onmessage",
    "onack",
    "onpresencechanged",
    "status-find",
    "onselfmessage",
    "chat",
    "image",
    "ptt",
    "document",
    "location",
    "vcard",
    "multi_vcard",
    "gp2",
    "composing",
    "whatsapp_business_account",
    "messages",
    "smb_message_echoes",
    "text",
    "interactive",
    "failed",
    "read",
    "393331234567@c.us",
    "status@broadcast",
    "120363@g.us",
    "1732519800",
    "true_x@c.us_AB",
    "",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([10**400, -(10**400), 2**63, -1, 0]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(WORDS),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), children, max_size=6
        ),
    ),
    max_leaves=40,
)


def assert_parses_or_refuses(parser: Callable[[object], ParsedWebhook], body: object) -> None:
    try:
        result = parser(body)
    except WebhookError as error:
        assert error.status in (400, 401, 413, 422)
        assert error.code and error.code == error.code.lower() and " " not in error.code
        assert error.message
        return
    assert isinstance(result, ParsedWebhook)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=json_values)
def test_arbitrary_json_never_escapes_as_another_exception(body: object) -> None:
    for parser in PARSERS.values():
        assert_parses_or_refuses(parser, body)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


@st.composite
def mutated_fixtures(draw: st.DrawFn) -> tuple[str, object]:
    """A real fixture with one value somewhere replaced by arbitrary JSON (or removed)."""
    gateway = draw(st.sampled_from(sorted(PARSERS)))
    body = copy.deepcopy(draw(st.sampled_from(FIXTURES[gateway])))
    paths = _paths(body)
    path = draw(st.sampled_from(paths))
    parent: Any = body
    for step in path[:-1]:
        parent = parent[step]
    if draw(st.booleans()) or not isinstance(parent, dict):
        parent[path[-1]] = draw(json_values)
    else:
        del parent[path[-1]]
    return gateway, body


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated_fixtures())
def test_real_payloads_with_one_value_corrupted_never_escape(case: tuple[str, object]) -> None:
    gateway, body = case
    assert_parses_or_refuses(PARSERS[gateway], body)


def test_every_fixture_parses_cleanly_with_every_parser_refusing_or_accepting() -> None:
    for gateway, bodies in FIXTURES.items():
        for body in bodies:
            assert isinstance(PARSERS[gateway](body), ParsedWebhook)
            for other in PARSERS.values():
                assert_parses_or_refuses(other, body)


def test_integers_beyond_str_conversion_limits_are_refused_not_crashing() -> None:
    # Python refuses str() of ints over 4300 digits; a parser must not trip on that.
    huge = 10**5000
    bodies: list[tuple[str, dict[str, Any]]] = [
        ("generic", {"id": huge, "from": "x", "body": "b"}),
        ("generic", {"id": "1", "from": "x", "body": "b", "timestamp": huge}),
        ("wppconnect", {"event": "onack", "id": "true_x@c.us_A", "ack": huge}),
        ("wppconnect", {"event": "onmessage", "id": "i", "from": "a", "t": huge}),
    ]
    for gateway, body in bodies:
        assert_parses_or_refuses(PARSERS[gateway], body)
