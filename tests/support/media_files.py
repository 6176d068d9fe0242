"""Real media files of a chosen size, and the WPPConnect webhook that carries one (autoDownload).

A photo is a JPEG of random noise (Pillow), so it does not compress below the size asked
for; a voice note is an Ogg Opus file of white noise made by `sox` and `opusenc` at their
highest bitrate (`scripts/install.sh --test` installs both). With autoDownload on,
WPPConnect Server puts the whole file, base64, in the message's `body`
(../shared/WPPCONNECT_FACTS.md section 3).
"""

from __future__ import annotations

import base64
import io
import math
import os
import random
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from sportello.ingest.wppconnect_bodies import onmessage_body

OPUS_BITRATE_KBPS = 512  # opusenc's highest for stereo: the fewest seconds of sound per byte
VOICE_TOOLS = ("sox", "opusenc")


def require_voice_tools() -> None:
    """Skip without sox and opusenc; fail in CI, where scripts/install.sh provides them."""
    missing = [tool for tool in VOICE_TOOLS if shutil.which(tool) is None]
    if not missing:
        return
    reason = f"{', '.join(missing)} not installed (scripts/install.sh --test installs them)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def noise_jpeg(min_bytes: int, seed: int = 1) -> bytes:
    """A real JPEG photo of at least `min_bytes` (random pixels, quality 95)."""
    from PIL import Image

    side = int(math.sqrt(min_bytes / 1.1)) + 16  # noise at q95 is about 1.18 bytes a pixel
    rng = random.Random(seed)
    while True:
        image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=95)
        if out.tell() >= min_bytes:
            return out.getvalue()
        side = int(side * 1.05) + 1


def noise_voice_note(min_bytes: int) -> bytes:
    """A real Ogg Opus file of at least `min_bytes`: stereo white noise at 512 kbit/s."""
    seconds = math.ceil(min_bytes * 8 / (OPUS_BITRATE_KBPS * 1000) * 1.02) + 1
    with tempfile.TemporaryDirectory(prefix="sportello-voice-") as folder:
        out = Path(folder) / "voice.opus"
        synth = ["synth", str(seconds), "whitenoise", "vol", "0.5"]
        sound = subprocess.Popen(
            ["sox", "-q", "-n", "-r", "48000", "-c", "2", "-b", "16", "-t", "raw", "-", *synth],
            stdout=subprocess.PIPE,
        )
        assert sound.stdout is not None
        raw_input = ["--raw", "--raw-rate", "48000", "--raw-chan", "2"]
        rate = ["--bitrate", str(OPUS_BITRATE_KBPS), "--hard-cbr"]
        subprocess.run(
            ["opusenc", "--quiet", *raw_input, *rate, "-", str(out)],
            stdin=sound.stdout,
            check=True,
        )
        sound.stdout.close()
        assert sound.wait() == 0
        data = out.read_bytes()
    assert data.startswith(b"OggS") and b"OpusHead" in data[:100]
    assert len(data) >= min_bytes, (len(data), min_bytes)
    return data


def media_webhook(
    data: bytes,
    kind: str,
    mimetype: str,
    *,
    phone: str = "393331234567",
    message_id: str | None = None,
    filename: str | None = None,
    caption: str | None = None,
) -> dict[str, Any]:
    """The `onmessage` webhook of a media message as WPPConnect posts it with autoDownload on.

    Key order as WPPConnect writes it (`id, body, type, ...`): the type comes after the file.
    """
    body = onmessage_body(
        phone, base64.b64encode(data).decode("ascii"), message_id=message_id, type=kind
    )
    body.update(mimetype=mimetype, size=len(data), isMedia=True, mediaKey="bWVkaWEta2V5")
    if filename is not None:
        body["filename"] = filename
    if caption is not None:
        body["caption"] = caption
    return body
