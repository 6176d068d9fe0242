"""Workaround for a PySide6 6.12.0 reference-count bug on Python < 3.12.

In PySide6 6.12.0 most void QPainter methods (setPen, drawPath, save, ...) release one
reference to `None` that they never took. On Python 3.12+ `None` is immortal and nothing
happens; on 3.11 its count falls with every paint and the process aborts with
"Fatal Python error: none_dealloc" after some tens of thousands of painted rows.
Until PySide6 is fixed or the app runs on Python 3.12+, make `None` effectively immortal
the way Python 3.12 does: give it a reference count that painting cannot exhaust.
"""

from __future__ import annotations

import ctypes
import sys

_PINNED = 1 << 60


def make_none_immortal() -> bool:
    """Pin None, True and False out of reach; True if it was needed (Python < 3.12)."""
    if sys.version_info >= (3, 12):
        return False
    # True and False suffer the same over-release ("bool_dealloc" at exit after a burst).
    for singleton in (None, True, False):
        refcount = ctypes.c_ssize_t.from_address(id(singleton))
        if refcount.value < _PINNED:
            refcount.value += _PINNED
    return True
