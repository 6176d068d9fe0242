"""Where the checkout is, and the PYTHONPATH a child process needs to import from it."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src"


def python_path(existing: str | None = None) -> str:
    """src/ and the repo root (for `tests.support`) ahead of `existing` (default: ours)."""
    if existing is None:
        existing = os.environ.get("PYTHONPATH", "")
    paths = [str(SRC), str(REPO), *filter(None, existing.split(os.pathsep))]
    return os.pathsep.join(dict.fromkeys(paths))


def child_env(**extra: str) -> dict[str, str]:
    """This process's environment with `python_path()` and `extra`, for a child process."""
    return {**os.environ, "PYTHONPATH": python_path(), **extra}
