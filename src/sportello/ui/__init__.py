"""The desktop console's widgets, models and delegates. Knows `sportello.client`, not the server."""

from sportello.ui.pyside_workarounds import make_none_immortal

# Before any widget paints: see pyside_workarounds (PySide6 6.12.0 on Python 3.11).
make_none_immortal()
