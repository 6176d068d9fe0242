"""Where the shipped icons and sounds are: a PyInstaller bundle, the package, or the checkout.

Same search order as the translations (`ui/i18n.py`), so one layout serves every way the
app is started. Missing files are a clear None, never a crash: the caller degrades.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def _candidates(kind: str) -> list[Path]:
    here = Path(__file__).resolve()
    found: list[Path] = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        found.append(Path(bundle) / "resources" / kind)
    found += [
        here.parents[1] / "resources" / kind,  # installed package data
        here.parents[3] / "resources" / kind,  # checkout: <repo>/resources/<kind>
    ]
    return found


@cache
def resource_dir(kind: str) -> Path | None:
    """The first existing `resources/<kind>` folder ("icons", "sounds"), or None."""
    return next((c for c in _candidates(kind) if c.is_dir()), None)


def resource_file(kind: str, name: str) -> Path | None:
    folder = resource_dir(kind)
    if folder is None:
        return None
    path = folder / name
    return path if path.is_file() else None


def icon_files(alert: bool = False) -> list[Path]:
    """Every PNG size of the app icon (or its red alert variant), smallest first."""
    stem = "sportello-alert" if alert else "sportello"
    files = [resource_file("icons", f"{stem}-{size}.png") for size in ICON_SIZES]
    return [f for f in files if f is not None]


def notification_icon(critical: bool) -> Path | None:
    """The 128 px icon of a notification (the red one for an URGENT matter)."""
    files = icon_files(alert=critical)
    return next((f for f in files if f.stem.endswith("-128")), files[-1] if files else None)


def sound_file(cue: str) -> Path | None:
    """`resources/sounds/<cue>.wav`: "message" or "urgent"."""
    return resource_file("sounds", f"{cue}.wav")
