"""Typed readers for untrusted, already-decoded JSON, shared by the gateway parsers.

Each reader names the field it failed on by its path (`entry[0].changes[1].value.messages[0].id`)
so the 4xx the gateway gets back says what was wrong and where. Every failure is a
`WebhookError`; nothing here raises anything else on any JSON-like input.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sportello.ingest.parsed import WebhookError

# Size limits for single fields. A body's JSON is capped at 1 MiB by the server (a media
# file is not: server/media_webhook.py streams it to disk, out of the JSON); these stop
# a single absurd value from reaching the store. Identities must fit the store's columns
# (store/models.py: message id 255, chat/author id 160, account and mime 128) and are never
# cut; display names and file names above MAX_NAME are refused, and clipped to
# STORED_NAME otherwise. WhatsApp itself caps text at 65536 characters.
MAX_ID = 255
MAX_CHAT_ID = 160
MAX_SHORT = 128
MAX_NAME = 1024
STORED_NAME = 255
MAX_BODY = 65_536
MAX_URL = 8_192
MAX_DEPTH = 32
MAX_NODES = 200_000

# Epoch values above this are milliseconds (WPPConnect presence `t` is `Date.now()`).
_MS_THRESHOLD = 100_000_000_000
_MIN_TIME = datetime(2000, 1, 1, tzinfo=UTC)
_MAX_TIME = datetime(2100, 1, 1, tzinfo=UTC)


def type_name(value: object) -> str:
    """JSON's name for a Python value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def check_shape(body: object) -> None:
    """Refuse bodies nested deeper than MAX_DEPTH or with more than MAX_NODES values.

    Iterative on purpose: a recursive walk is exactly what a deeply nested body attacks.
    """
    stack: list[tuple[object, int]] = [(body, 1)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise WebhookError("too_many_values", f"body has more than {MAX_NODES} values", 413)
        if isinstance(value, Mapping):
            children: list[object] = list(value.values())
        elif isinstance(value, list | tuple):
            children = list(value)
        else:
            continue
        if children and depth >= MAX_DEPTH:
            raise WebhookError("too_deep", f"body is nested deeper than {MAX_DEPTH} levels", 400)
        stack.extend((child, depth + 1) for child in children)


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def wrong_type(path: str, expected: str, value: object) -> WebhookError:
    return WebhookError(
        "invalid_field", f"field '{path}' must be {expected}, got {type_name(value)}", 400
    )


def missing(path: str) -> WebhookError:
    return WebhookError("missing_field", f"field '{path}' is missing or empty", 400)


def as_object(value: object, path: str) -> Mapping[str, Any]:
    if isinstance(value, Mapping):
        return value
    if not path:
        raise WebhookError("invalid_body", f"body must be a JSON object, got {type_name(value)}")
    raise wrong_type(path, "an object", value)


def opt_object(obj: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any] | None:
    value = obj.get(key)
    if value is None:
        return None
    return as_object(value, join(path, key))


def opt_list(obj: Mapping[str, Any], key: str, path: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise wrong_type(join(path, key), "an array", value)
    return list(value)


def opt_str(obj: Mapping[str, Any], key: str, path: str, max_len: int = MAX_SHORT) -> str | None:
    """A string field, None when absent or null; numbers are refused, not coerced."""
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise wrong_type(join(path, key), "a string", value)
    check_len(value, join(path, key), max_len)
    return value


def req_str(obj: Mapping[str, Any], key: str, path: str, max_len: int = MAX_SHORT) -> str:
    value = opt_str(obj, key, path, max_len)
    if value is None or not value.strip():
        raise missing(join(path, key))
    return value


def opt_bool(obj: Mapping[str, Any], key: str, path: str) -> bool | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise wrong_type(join(path, key), "a boolean", value)
    return value


def opt_int(obj: Mapping[str, Any], key: str, path: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise wrong_type(join(path, key), "an integer", value)
    if isinstance(value, float) and (not math.isfinite(value) or not value.is_integer()):
        raise wrong_type(join(path, key), "an integer", value)
    if abs(value) >= 2**63:
        raise WebhookError("invalid_field", f"field '{join(path, key)}' is out of range", 422)
    return int(value)


def check_len(value: str, path: str, max_len: int) -> None:
    if len(value) > max_len:
        raise WebhookError(
            "field_too_long", f"field '{path}' is longer than {max_len} characters", 413
        )


def clip_name(value: str | None) -> str | None:
    """A display or file name trimmed to what the store keeps; None when blank."""
    if value is None or not value.strip():
        return None
    return value.strip()[:STORED_NAME]


def opt_text(value: object, path: str, max_len: int = MAX_NAME) -> str | None:
    """A free-standing optional string value (not looked up by key)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise wrong_type(path, "a string", value)
    check_len(value, path, max_len)
    return value


def serialized_id(obj: Mapping[str, Any], key: str, path: str, max_len: int = MAX_ID) -> str | None:
    """A WhatsApp Web id: a plain string or an object carrying `_serialized`."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        check_len(value, join(path, key), max_len)
        return value or None
    if isinstance(value, Mapping):
        return opt_str(value, "_serialized", join(path, key), max_len) or None
    raise wrong_type(join(path, key), "a string or an object with '_serialized'", value)


def epoch_time(value: object, path: str) -> datetime | None:
    """Epoch seconds (number or numeric string; milliseconds detected) to aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        check_len(text, path, 32)
        try:
            number = float(text)
        except ValueError:
            raise WebhookError(
                "invalid_field", f"field '{path}' must be epoch seconds, got {value!r}", 400
            ) from None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = to_float(value, path)
    else:
        raise wrong_type(path, "epoch seconds", value)
    if not math.isfinite(number):
        raise WebhookError("invalid_timestamp", f"field '{path}' is not a finite number", 422)
    if abs(number) >= _MS_THRESHOLD:
        number /= 1000.0
    if not _MIN_TIME.timestamp() <= number < _MAX_TIME.timestamp():
        raise WebhookError(
            "invalid_timestamp", f"field '{path}' is outside 2000-2100: {value!r}", 422
        )
    return datetime.fromtimestamp(number, UTC)


def to_float(value: int | float, path: str) -> float:
    """float() that turns JSON's unbounded integers into a 422 instead of OverflowError."""
    try:
        return float(value)
    except OverflowError:
        raise WebhookError("invalid_field", f"field '{path}' is out of range", 422) from None


def iso_or_epoch_time(value: object, path: str) -> datetime | None:
    """Epoch seconds/milliseconds, or an ISO 8601 string (naive means UTC)."""
    if isinstance(value, str) and not _looks_numeric(value):
        check_len(value, path, 64)
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise WebhookError(
                "invalid_field",
                f"field '{path}' must be epoch seconds or ISO 8601, got {value!r}",
                400,
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        try:
            moment = moment.astimezone(UTC)
        except (OverflowError, ValueError):
            raise WebhookError(
                "invalid_timestamp", f"field '{path}' is out of range", 422
            ) from None
        if not _MIN_TIME <= moment < _MAX_TIME:
            raise WebhookError(
                "invalid_timestamp", f"field '{path}' is outside 2000-2100: {value!r}", 422
            )
        return moment
    return epoch_time(value, path)


def _looks_numeric(text: str) -> bool:
    try:
        float(text.strip())
    except ValueError:
        return False
    return True
