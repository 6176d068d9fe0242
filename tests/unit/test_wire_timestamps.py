"""Wire timestamps no datetime can hold read as "now": the parsers never raise on them.

A hostile or broken `newMessage` with such a timestamp used to escape `Session._apply`
(ValueError, OverflowError or OSError from datetime), taking the rest of the batch with it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sportello.client.records import Message
from sportello.client.wire import normalize_timestamp, parse_message


@pytest.mark.parametrize(
    "value",
    [
        -62135596801.0,
        10**20,
        1e300,
        float("nan"),
        float("inf"),
        "99999999999999999999999",
        "0001-01-01T00:00:00+23:59",
        "9999-12-31T23:59:59+-",
    ],
)
def test_a_time_out_of_range_reads_as_now(value: object) -> None:
    moment = datetime.fromisoformat(normalize_timestamp(value).replace("Z", "+00:00"))
    assert abs(moment - datetime.now(UTC)) < timedelta(minutes=1)


def test_a_message_with_such_a_time_is_parsed() -> None:
    parsed = parse_message({"id": "m1", "conversationId": "c1", "body": "ciao", "timestamp": 1e300})
    assert isinstance(parsed, Message)


def test_good_times_are_kept() -> None:
    assert normalize_timestamp(1_700_000_000) == "2023-11-14T22:13:20.000Z"
    assert normalize_timestamp(1_700_000_000_000) == "2023-11-14T22:13:20.000Z"
    assert normalize_timestamp("2024-05-06T10:00:00+02:00") == "2024-05-06T08:00:00.000Z"
    assert normalize_timestamp("0001-01-01T00:00:00-23:59") == "0001-01-01T23:59:00.000Z"
