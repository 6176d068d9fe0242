"""Render Sportello's icons: the SVG sources in resources/icons/ -> PNGs at every tray size.

    .venv/bin/python scripts/make_icons.py

The SVGs are the sources of truth (this script writes them too, so their geometry lives in
one reviewed place); the PNGs are what platforms without SVG support (Windows .ico,
installers, some tray hosts) use. Rendering goes through QtSvg, headless.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256)

# A speech bubble (the customer's message) holding a wrench (the support desk), on a
# 256 grid. Few, fat shapes so that the 16 px rendering still reads as both.
_BUBBLE = (
    "M44 20 H212 A36 36 0 0 1 248 56 V164 A36 36 0 0 1 212 200 H118 L58 246 L70 200 H44"
    " A36 36 0 0 1 8 164 V56 A36 36 0 0 1 44 20 Z"
)
_WRENCH = """
  <g transform="rotate(45 128 110)">
    <rect x="113" y="96" width="30" height="94" rx="15" fill="#ffffff"/>
    <circle cx="128" cy="72" r="40" fill="#ffffff"/>
    <rect x="112" y="22" width="32" height="50" rx="5" fill="{fill}"/>
  </g>"""


def icon_svg(fill: str, edge: str) -> str:
    size = 'width="256" height="256" viewBox="0 0 256 256"'
    return f"""<svg xmlns="http://www.w3.org/2000/svg" {size}>
  <path d="{_BUBBLE}" fill="{fill}" stroke="{edge}" stroke-width="8" stroke-linejoin="round"/>
{_WRENCH.format(fill=fill)}
</svg>
"""


VARIANTS = {
    "sportello": icon_svg("#2f6db5", "#1d4f8a"),
    # The alert variant keeps the shape and turns red: the tray's own badge (the unread
    # count, bottom right) must stay readable, so no second badge competes with it.
    "sportello-alert": icon_svg("#c62828", "#8e1b1b"),
}


def render(svg: Path, size: int) -> QImage:
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: {svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv)
    ICONS.mkdir(parents=True, exist_ok=True)
    for name, text in VARIANTS.items():
        svg = ICONS / f"{name}.svg"
        svg.write_text(text, encoding="utf-8")
        for size in SIZES:
            out = ICONS / f"{name}-{size}.png"
            if not render(svg, size).save(str(out)):
                raise SystemExit(f"make_icons: could not write {out}")
        print(f"make_icons: {svg.name} -> {len(SIZES)} PNGs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
