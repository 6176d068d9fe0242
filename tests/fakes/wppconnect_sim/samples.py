"""Real media files for tests: a JPEG photo (Qt's encoder: Pillow is not a dependency), a
PNG, and an Ogg/Opus voice note built here (RFC 7845 framing, CELT 20 ms packets), so tests
need neither Pillow nor opusenc/ffmpeg.
"""

from __future__ import annotations

import random
import struct
import zlib

from .media import png_gray


def jpeg_photo(width: int = 320, height: int = 240, *, quality: int = 90, seed: int = 0) -> bytes:
    """A real JPEG of noisy pixels (noise keeps its size close to width*height*quality)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QImage, QImageWriter

    rng = random.Random(seed)
    pixels = rng.randbytes(width * height * 3)
    image = QImage(pixels, width, height, width * 3, QImage.Format.Format_RGB888)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(b"jpeg"))
    writer.setQuality(quality)
    if not writer.write(image):
        raise RuntimeError(f"Qt could not encode a JPEG: {writer.errorString()}")
    return bytes(data.data())


def png_picture(width: int = 64, height: int = 48, *, seed: int = 0) -> bytes:
    rng = random.Random(seed)
    return png_gray(width, height, [rng.randbytes(width) for _ in range(height)])


# -- Ogg/Opus ----------------------------------------------------------------------------

_SAMPLES_PER_PACKET = 960  # 20 ms at 48 kHz
_PRE_SKIP = 312
_SILENCE = b"\xf8\xff\xfe"  # TOC 0xF8 (CELT fullband 20 ms, mono, one frame) + silence


_BIT_REVERSED = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))


def _ogg_crc(data: bytes) -> int:
    """Ogg's CRC-32 (polynomial 0x04C11DB7, MSB first, no init or final xor), computed with
    zlib's reflected CRC over bit-reversed bytes: pure Python would take seconds for 12 MB."""
    reflected = zlib.crc32(data.translate(_BIT_REVERSED), 0xFFFFFFFF) ^ 0xFFFFFFFF
    return int(f"{reflected:032b}"[::-1], 2)


def _page(packets: list[bytes], *, granule: int, serial: int, sequence: int, flags: int) -> bytes:
    lacing = bytearray()
    for packet in packets:
        lacing.extend(b"\xff" * (len(packet) // 255))
        lacing.append(len(packet) % 255)
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, granule, serial, sequence, 0, len(lacing))
    page = bytearray(header + bytes(lacing) + b"".join(packets))
    struct.pack_into("<I", page, 22, _ogg_crc(bytes(page)))
    return bytes(page)


def ogg_opus_voice(seconds: float = 2.0, *, packet_bytes: int = 3, seed: int = 0) -> bytes:
    """A real Ogg/Opus file (`audio/ogg; codecs=opus`, what WhatsApp voice notes are).

    `packet_bytes` 3 gives silence (~150 B/s); up to 1276 gives CELT packets of pseudo-random
    payload (noise when decoded, ~64 kB/s at the maximum): pick it to reach a target size.
    """
    if not 3 <= packet_bytes <= 1276:
        raise ValueError("packet_bytes must be within 3..1276")
    rng = random.Random(seed)
    serial = rng.getrandbits(32)
    head = struct.pack("<8sBBHIhB", b"OpusHead", 1, 1, _PRE_SKIP, 48000, 0, 0)
    vendor = b"sportello-tests"
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
    pages = [
        _page([head], granule=0, serial=serial, sequence=0, flags=0x02),
        _page([tags], granule=0, serial=serial, sequence=1, flags=0x00),
    ]
    count = max(1, round(seconds * 1000 / 20))
    per_page = max(1, min(50, 255 // (packet_bytes // 255 + 1)))
    granule = _PRE_SKIP
    sequence = 2
    for start in range(0, count, per_page):
        batch = []
        for _ in range(min(per_page, count - start)):
            if packet_bytes == 3:
                batch.append(_SILENCE)
            else:
                batch.append(b"\xf8" + rng.randbytes(packet_bytes - 1))
        granule += _SAMPLES_PER_PACKET * len(batch)
        last = start + per_page >= count
        pages.append(
            _page(batch, granule=granule, serial=serial, sequence=sequence, flags=4 if last else 0)
        )
        sequence += 1
    return b"".join(pages)
