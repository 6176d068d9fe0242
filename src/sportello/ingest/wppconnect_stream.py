"""WPPConnect webhook bodies read as a stream, so a media file never sits in memory.

With `webhook.autoDownload` on, WPPConnect Server replaces the top-level `body` of a media
message's webhook with the whole file in base64 (`autoDownload` in wppconnect-server
src/util/functions.ts; ../shared/WPPCONNECT_FACTS.md section 3): about 134 MB of JSON for
a 100 MB document. `BodySplitter` is fed the request body chunk by chunk. It keeps every
byte of the document in memory except that one string once it grows past `inline_limit`:
from then on its base64 is decoded into a file as it arrives (size and sha256 counted on
the way), and the document keeps `"body": ""` in its place. A `body` that stays short is
kept as it came, so small bodies reach the parser (`ingest/webhook_body.py`) exactly as
before.

It scans, it does not validate: the head it returns is parsed strictly afterwards, and a
malformed body stays malformed. Only the top-level object's `body` is diverted; any other
long value stays in the head, which is capped at `head_limit` bytes.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from sportello.domain.media_limits import media_limit
from sportello.ingest.wppconnect import media_type_of

_STRUCTURAL = re.compile(rb'["{}\[\],:]')
_STRING_STOP = re.compile(rb'["\\]')
_CAPTURE = 32  # longest key or `type` word worth remembering ("body", "type", "document")

_OUTSIDE, _STRING, _BODY = 0, 1, 2
_OTHER, _KEY, _TYPE = 0, 1, 2


class SplitRefused(Exception):
    """The body cannot be accepted; `code` and `message` are the 4xx to answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _too_large(message: str) -> SplitRefused:
    return SplitRefused(413, "body_too_large", message)


def _not_a_file() -> SplitRefused:
    # Only a media file may make a webhook bigger than the head limit: a long `body` that
    # is not base64 is a text over that limit, refused as such.
    return _too_large("a webhook 'body' this long must be a media file in base64")


@dataclass(frozen=True, slots=True)
class DecodedFile:
    """What was written to the file: the decoded size and its sha256 (hex)."""

    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class SplitBody:
    """The document without its diverted `body` (or whole), and what went to the file."""

    head: bytes
    received: int  # bytes of the request body
    file: DecodedFile | None  # None: `body` (if any) is in `head` as it came
    type_word: str | None  # the top-level `type` as written, when it was a short string


class Base64File:
    """Decodes base64 text, given in pieces of any length, into `handle` as it comes."""

    def __init__(self, handle: IO[bytes], limit: Callable[[], int]) -> None:
        self._handle = handle
        self._limit = limit
        self._carry = b""
        self._padded = False
        self._digest = hashlib.sha256()
        self.size = 0

    def write(self, text: bytes) -> None:
        data = self._carry + text if self._carry else text
        usable = len(data) - len(data) % 4
        self._carry = data[usable:]
        if not usable:
            return
        if self._padded:  # text after the closing '=' padding
            raise _not_a_file()
        try:
            decoded = binascii.a2b_base64(data[:usable], strict_mode=True)
        except binascii.Error:
            raise _not_a_file() from None
        self._padded = data[usable - 1] == ord("=")
        self.size += len(decoded)
        limit = self._limit()
        if self.size > limit:
            raise _too_large(f"media file larger than {limit} bytes")
        self._digest.update(decoded)
        self._handle.write(decoded)

    def finish(self) -> DecodedFile:
        if self._carry:
            raise _not_a_file()
        self._handle.flush()
        return DecodedFile(self.size, self._digest.hexdigest())


class BodySplitter:
    """Feed it the body's chunks in order, then `finish()`; raises SplitRefused (413)."""

    def __init__(
        self,
        open_file: Callable[[], IO[bytes]],
        *,
        head_limit: int,
        inline_limit: int,
    ) -> None:
        self._open_file = open_file
        self._head_limit = head_limit
        self._inline_limit = inline_limit
        self._head = bytearray()
        self._head_size = 0  # without an inline body, which has its own limit
        self._received = 0
        self._mode = _OUTSIDE
        self._depth = 0
        self._top_object = False
        self._expect_key = False
        self._escape = False
        self._role = _OTHER
        self._capture = bytearray()
        self._last_key: bytes | None = None
        self._type_word: str | None = None
        self._inline: bytearray | None = None
        self._file: Base64File | None = None
        self._body_count = 0

    def feed(self, chunk: bytes) -> None:
        self._received += len(chunk)
        pos, end = 0, len(chunk)
        while pos < end:
            if self._mode == _OUTSIDE:
                pos = self._outside(chunk, pos)
            elif self._mode == _STRING:
                pos = self._string(chunk, pos)
            else:
                pos = self._body(chunk, pos)

    def finish(self) -> SplitBody:
        decoded = None
        if self._file is not None and self._mode == _OUTSIDE:
            decoded = self._file.finish()
        # A body cut off inside the file leaves the head without its closing quote: the
        # strict parse of the head says so (400), nothing of the file is used.
        return SplitBody(bytes(self._head), self._received, decoded, self._type_word)

    @property
    def type_word(self) -> str | None:
        return self._type_word

    # -- the three modes; each returns where it stopped in `chunk` -----------------------

    def _outside(self, chunk: bytes, pos: int) -> int:
        found = _STRUCTURAL.search(chunk, pos)
        if found is None:
            self._keep(chunk[pos:])
            return len(chunk)
        at = found.start()
        self._keep(chunk[pos : at + 1])
        char = chunk[at]
        if char == ord('"'):
            self._open_string()
        elif char in b"{[":
            self._depth += 1
            if self._depth == 1:
                self._top_object = char == ord("{")
                self._expect_key = self._top_object
        elif char in b"}]":
            self._depth -= 1
        elif char == ord(",") and self._depth == 1 and self._top_object:
            self._expect_key = True
        return at + 1

    def _open_string(self) -> None:
        self._role = _OTHER
        self._capture.clear()
        self._mode = _STRING
        if self._depth != 1 or not self._top_object:
            return
        if self._expect_key:
            self._expect_key = False
            self._role = _KEY
        elif self._last_key == b"body":
            self._body_count += 1
            if self._body_count > 1 and self._file is not None:
                raise SplitRefused(400, "invalid_json", "the key 'body' appears twice")
            self._mode = _BODY
            self._inline = bytearray()
        elif self._last_key == b"type":
            self._role = _TYPE

    def _string(self, chunk: bytes, pos: int) -> int:
        if self._escape:
            self._escape = False
            self._keep(chunk[pos : pos + 1], capture=True)
            return pos + 1
        found = _STRING_STOP.search(chunk, pos)
        if found is None:
            self._keep(chunk[pos:], capture=True)
            return len(chunk)
        at = found.start()
        if chunk[at] == ord("\\"):
            self._keep(chunk[pos : at + 1], capture=True)
            self._escape = True
            return at + 1
        self._keep(chunk[pos:at], capture=True)
        self._keep(b'"')
        self._close_string()
        return at + 1

    def _close_string(self) -> None:
        self._mode = _OUTSIDE
        captured = bytes(self._capture) if len(self._capture) <= _CAPTURE else None
        if self._role == _KEY:
            self._last_key = captured
        elif self._role == _TYPE and captured is not None:
            self._type_word = captured.decode("utf-8", "replace")

    def _body(self, chunk: bytes, pos: int) -> int:
        if self._escape:
            self._escape = False
            escaped = chunk[pos : pos + 1]
            if self._file is None:
                self._body_text(b"\\" + escaped)
            elif escaped == b"/":  # JSON may write '/' as '\/'
                self._file.write(escaped)
            else:
                raise _not_a_file()
            return pos + 1
        found = _STRING_STOP.search(chunk, pos)
        stop = len(chunk) if found is None else found.start()
        if stop > pos:
            self._body_text(chunk[pos:stop])
        if found is None:
            return stop
        if chunk[stop] == ord("\\"):
            self._escape = True
            return stop + 1
        if self._inline is not None:
            self._head.extend(self._inline)  # short: kept as it came
            self._inline = None
        self._keep(b'"')
        self._mode = _OUTSIDE
        return stop + 1

    def _body_text(self, text: bytes) -> None:
        if self._file is not None:
            self._file.write(text)
            return
        assert self._inline is not None
        if len(self._inline) + len(text) <= self._inline_limit:
            self._inline.extend(text)
            return
        # Too long to be anything but a file: decode from here on, starting with what
        # was held back.
        held = bytes(self._inline) + text
        self._inline = None
        if b"\\" in held:
            held = held.replace(b"\\/", b"/")
            if b"\\" in held:
                raise _not_a_file()
        self._file = Base64File(self._open_file(), self._file_limit)
        self._file.write(held)

    def _file_limit(self) -> int:
        # The type usually comes after the body (WPPConnect writes `id, body, type`): until
        # it is known the largest limit applies; the server checks the type's once parsed.
        if self._type_word is None:
            return media_limit(None)
        mtype = media_type_of(self._type_word)
        if mtype is None:  # a text (or anything but a file) this long
            raise _not_a_file()
        return media_limit(mtype)

    def _keep(self, data: bytes, *, capture: bool = False) -> None:
        if capture and len(self._capture) <= _CAPTURE:
            self._capture.extend(data[: _CAPTURE + 1])
        self._head_size += len(data)
        if self._head_size > self._head_limit:
            raise _too_large(f"request body exceeds {self._head_limit // (1024 * 1024)} MiB")
        self._head.extend(data)
