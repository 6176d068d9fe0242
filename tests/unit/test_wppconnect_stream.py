"""The streaming splitter of WPPConnect bodies: short bodies pass untouched, a file goes to disk."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sportello.domain.media_limits import MIB
from sportello.ingest.wppconnect_stream import BodySplitter, SplitBody, SplitRefused
from tests.support.payloads import wpp_message

SMALL = 1024  # a small inline limit, so the tests divert without megabytes


def split(raw: bytes, sizes: list[int] | None = None, **limits: int) -> tuple[SplitBody, bytes]:
    """Feed `raw` in pieces of the given sizes (cycled); the split and the file's bytes."""
    sink = io.BytesIO()
    splitter = BodySplitter(
        lambda: sink,
        head_limit=limits.get("head_limit", 64 * 1024),
        inline_limit=limits.get("inline_limit", SMALL),
    )
    pos, turn = 0, 0
    sizes = sizes or [len(raw) or 1]
    while pos < len(raw):
        size = sizes[turn % len(sizes)]
        splitter.feed(raw[pos : pos + size])
        pos, turn = pos + size, turn + 1
    return splitter.finish(), sink.getvalue()


def media_body(data: bytes, kind: str = "image", **extra: Any) -> dict[str, Any]:
    body = wpp_message(body=base64.b64encode(data).decode("ascii"))
    body.update(type=kind, mimetype="image/jpeg", size=len(data), **extra)
    return body


def test_a_text_message_comes_out_byte_for_byte():
    raw = json.dumps(wpp_message(body='Buongiorno \\ " \u00e8 \U0001f600')).encode()
    result, file = split(raw, [1])
    assert result.head == raw and result.file is None and file == b""
    assert result.received == len(raw)


def test_a_long_base64_body_goes_to_the_file_decoded_and_the_rest_stays():
    data = random.Random(7).randbytes(10_000)
    body = media_body(data, caption="Il contatore")
    raw = json.dumps(body).encode()
    for sizes in ([len(raw)], [1], [3, 5, 4096], [4095]):
        result, file = split(raw, sizes)
        assert file == data
        assert result.file is not None
        assert result.file.size == len(data)
        assert result.file.sha256 == hashlib.sha256(data).hexdigest()
        assert json.loads(result.head) == {**body, "body": ""}
        assert result.type_word == "image"


def test_escaped_slashes_in_the_base64_are_read_as_slashes():
    data = bytes(range(256)) * 20
    encoded = base64.b64encode(data).decode("ascii")
    assert "/" in encoded
    raw = ('{"event": "onmessage", "body": "' + encoded.replace("/", "\\/") + '"}').encode()
    result, file = split(raw, [7])
    assert file == data
    assert json.loads(result.head) == {"event": "onmessage", "body": ""}


def test_only_the_top_level_body_is_diverted():
    data = base64.b64encode(b"x" * 5000).decode()
    raw = json.dumps({"quoted": {"body": data}, "list": [{"body": data}]}).encode()
    result, file = split(raw, [100])
    assert result.head == raw and file == b""


@pytest.mark.parametrize(
    "text",
    ["not base64 at all, a long text " * 100, "QUJD" * 400 + "=" + "QUJD" * 10, "QUJD" * 400 + "Q"],
)
def test_a_long_body_that_is_not_base64_is_refused_as_too_large(text):
    raw = json.dumps({"event": "onmessage", "body": text}).encode()
    with pytest.raises(SplitRefused) as refused:
        split(raw, [64])
    assert refused.value.status == 413


def test_the_head_has_its_own_limit():
    raw = json.dumps({"event": "onmessage", "caption": "x" * 5000}).encode()
    with pytest.raises(SplitRefused) as refused:
        split(raw, [512], head_limit=4096)
    assert (refused.value.status, refused.value.code) == (413, "body_too_large")


def test_the_file_stops_at_the_largest_limit_or_at_its_type_known_early():
    image = base64.b64encode(b"\0" * (5 * MIB + 3)).decode()
    typed_first = ('{"type": "image", "body": "' + image + '"}').encode()
    with pytest.raises(SplitRefused):
        split(typed_first, [64 * 1024])
    typed_after = ('{"body": "' + image + '", "type": "image"}').encode()
    result, _ = split(typed_after, [64 * 1024])  # the server applies the type's limit
    assert result.file is not None and result.file.size == 5 * MIB + 3


def test_a_long_body_of_a_type_that_carries_no_file_stops_at_once():
    letters = "QUJD" * 1000  # base64 letters, but the message is a text
    raw = ('{"type": "chat", "body": "' + letters + '"}').encode()
    with pytest.raises(SplitRefused) as refused:
        split(raw, [64])
    assert refused.value.status == 413


def test_a_second_body_after_a_diverted_one_is_refused():
    data = base64.b64encode(b"y" * 3000).decode()
    raw = ('{"body": "' + data + '", "body": "again"}').encode()
    with pytest.raises(SplitRefused) as refused:
        split(raw)
    assert refused.value.status == 400


def test_a_cut_off_body_leaves_a_head_that_is_not_json():
    data = base64.b64encode(b"z" * 3000).decode()
    result, _ = split(('{"event": "onmessage", "body": "' + data).encode(), [100])
    with pytest.raises(ValueError):
        json.loads(result.head)
    assert result.file is None


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    keys = st.sampled_from(["body", "type", "id", "x", 'q"', "\\"])
    return st.lists(children, max_size=4) | st.dictionaries(keys, children)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40), _containers, max_leaves=20
)


@settings(max_examples=300, deadline=None)
@given(
    body=st.dictionaries(st.sampled_from(["body", "type", "event", "x", "y\\"]), json_values),
    sizes=st.lists(st.integers(1, 50), min_size=1, max_size=5),
    ascii_only=st.booleans(),
)
def test_any_small_document_comes_out_unchanged(body, sizes, ascii_only):
    raw = json.dumps(body, ensure_ascii=ascii_only).encode()
    result, file = split(raw, sizes, inline_limit=10_000)
    assert result.head == raw and file == b""
