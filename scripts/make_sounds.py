"""Synthesize Sportello's alert sounds into resources/sounds/ (16-bit mono WAV, 44.1 kHz).

    .venv/bin/python scripts/make_sounds.py

`message.wav`: a soft two-note chime for a new message. `urgent.wav`: three bright rising
notes played twice, unmistakable across a room, for URGENT tickets. The names match the
`sound` field of the server's `notification` block ("message", "urgent").
Pure standard library: the output is the same byte for byte on every machine.
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

SOUNDS = Path(__file__).resolve().parents[1] / "resources" / "sounds"
RATE = 44_100


Note = tuple[float, float, float, float, float]  # frequency, start, length, decay, level


def bell(freq: float, start: float, length: float, decay: float, level: float) -> list[Note]:
    return [(freq, start, length, decay, level)]


def render(notes: list[Note], total: float) -> bytes:
    """Sum of decaying bell-like partials; a 5 ms attack so nothing clicks."""
    frames = int(total * RATE)
    samples = [0.0] * frames
    for freq, start, length, decay, level in notes:
        first = int(start * RATE)
        count = min(int(length * RATE), frames - first)
        for i in range(count):
            t = i / RATE
            envelope = min(1.0, t / 0.005) * math.exp(-t * decay)
            value = (
                math.sin(2 * math.pi * freq * t)
                + 0.35 * math.sin(2 * math.pi * 2 * freq * t)
                + 0.12 * math.sin(2 * math.pi * 3.01 * freq * t)
            )
            samples[first + i] += level * envelope * value / 1.47
    fade = int(0.02 * RATE)  # end at silence
    for i in range(fade):
        samples[frames - 1 - i] *= i / fade
    peak = max(1e-9, max(abs(s) for s in samples))
    scale = 0.8 * 32767 / peak
    return b"".join(struct.pack("<h", round(s * scale)) for s in samples)


def write(name: str, pcm: bytes) -> Path:
    path = SOUNDS / name
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm)
    return path


def main() -> int:
    SOUNDS.mkdir(parents=True, exist_ok=True)
    message = bell(988.0, 0.0, 0.45, 9.0, 0.7) + bell(1318.5, 0.11, 0.40, 8.0, 0.6)
    urgent: list[Note] = []
    for repeat in (0.0, 0.42):
        for step, freq in enumerate((1046.5, 1318.5, 1568.0)):
            urgent += bell(freq, repeat + step * 0.09, 0.25, 14.0, 0.9)
    for name, pcm in (("message.wav", render(message, 0.55)), ("urgent.wav", render(urgent, 0.95))):
        path = write(name, pcm)
        print(f"make_sounds: {path.name} {len(pcm) // 2 / RATE:.2f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
