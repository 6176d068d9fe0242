"""Helpers of the frozen-build tests: ports, environment of a frozen run."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def frozen_env(tmp: Path) -> dict[str, str]:
    """Environment of a frozen run: no checkout on the path, user dirs in a temp folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "SPORTELLO_"))}
    env.update(
        HOME=str(tmp / "home"),
        XDG_DATA_HOME=str(tmp / "data"),
        XDG_CONFIG_HOME=str(tmp / "config"),
        XDG_CACHE_HOME=str(tmp / "cache"),
        QT_QPA_PLATFORM="offscreen",
    )
    return env
