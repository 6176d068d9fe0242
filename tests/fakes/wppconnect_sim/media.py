"""Media of the simulator: the QR image as a real PNG, the thumbnail that read-back messages
carry in `body`, and the `data:` URLs the send routes require.

WhatsApp Web keeps only a small JPEG thumbnail in a media message's `body`; the file itself
sits encrypted on WhatsApp's CDN and wppconnect-server decrypts it on demand (`autoDownload`
for webhooks, `download-media` for read-back). The simulator keeps the plain bytes beside the
message and hands them out in the same places.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
import zlib
from dataclasses import dataclass

# An 8x8 grey JPEG (made once with Qt): what a thumbnail-sized `body` looks like.
THUMBNAIL_JPEG_B64 = (
    "/9j/4AAQSkZJRgABAQEAZABkAAD/2wBDABsSFBcUERsXFhceHBsgKEIrKCUlKFE6PTBCYFVlZF9VXVtqeJmBanGQc1tdhbWGk"
    "J6jq62rZ4C8ybqmx5moq6T/2wBDARweHigjKE4rK06kbl1upKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpK"
    "SkpKSkpKSkpKSkpKT/wAARCAAIAAgDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgED"
    "AwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRk"
    "dISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT"
    "1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBA"
    "cFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElK"
    "U1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1d"
    "bX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwAooooA/9k="
)

# Message types whose `body` is a thumbnail in WhatsApp Web (audio has none).
THUMBNAIL_TYPES = frozenset({"image", "video", "sticker", "document"})
MEDIA_TYPES = frozenset({"image", "ptt", "audio", "video", "document", "sticker"})

_DATA_URL = re.compile(r"^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class MediaFile:
    """The plain file behind a media message."""

    data: bytes
    mimetype: str
    filename: str | None = None

    @property
    def base64(self) -> str:
        return base64.b64encode(self.data).decode("ascii")

    @property
    def sha256_b64(self) -> str:
        return base64.b64encode(hashlib.sha256(self.data).digest()).decode("ascii")


def parse_data_url(value: object) -> tuple[str, bytes] | None:
    """`(mimetype, bytes)` of a `data:<mime>;base64,...` URL, None for anything else
    (wppconnect treats anything else as a path or URL to fetch)."""
    if not isinstance(value, str):
        return None
    match = _DATA_URL.match(value)
    if match is None:
        return None
    try:
        return match.group(1), base64.b64decode(match.group(2), validate=False)
    except (binascii.Error, ValueError):
        return None


def thumbnail_body(message_type: str) -> str:
    """What WhatsApp Web keeps in `body` of a stored media message."""
    return THUMBNAIL_JPEG_B64 if message_type in THUMBNAIL_TYPES else ""


# -- PNG ---------------------------------------------------------------------------------


def png_gray(width: int, height: int, rows: list[bytes]) -> bytes:
    """A real 8-bit greyscale PNG (no Pillow needed)."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    raw = b"".join(b"\x00" + row for row in rows)  # filter type 0 on every row
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


_QR_MODULES = 29  # a version-3 QR code's size
_QUIET = 4


def qr_png(urlcode: str, *, scale: int = 6) -> bytes:
    """A QR-looking PNG derived from `urlcode` (finder squares, modules from its hash).

    Not a scannable QR code: nothing scans the simulator's codes, and a real encoder would
    be a dependency; screenshots of the Connect panel still show what a person would see.
    """
    n = _QR_MODULES
    bits: list[bool] = []
    seed = urlcode.encode("utf-8")
    while len(bits) < n * n:
        seed = hashlib.sha256(seed).digest()
        bits.extend(bool(byte >> shift & 1) for byte in seed for shift in range(8))
    dark = [[bits[r * n + c] for c in range(n)] for r in range(n)]
    for top, left in ((0, 0), (0, n - 7), (n - 7, 0)):
        for r in range(-1, 8):
            for c in range(-1, 8):
                rr, cc = top + r, left + c
                if 0 <= rr < n and 0 <= cc < n:
                    ring = max(abs(r - 3), abs(c - 3))
                    dark[rr][cc] = ring in (0, 1, 3) if 0 <= r < 7 and 0 <= c < 7 else False
    size = (n + 2 * _QUIET) * scale
    rows: list[bytes] = []
    for y in range(size):
        r = y // scale - _QUIET
        row = bytearray(b"\xff" * size)
        if 0 <= r < n:
            for c in range(n):
                if dark[r][c]:
                    x = (c + _QUIET) * scale
                    row[x : x + scale] = b"\x00" * scale
        rows.append(bytes(row))
    return png_gray(size, size, rows)


def qr_data_url(urlcode: str, *, scale: int = 6) -> str:
    return "data:image/png;base64," + base64.b64encode(qr_png(urlcode, scale=scale)).decode()
