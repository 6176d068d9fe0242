"""How the desktop app runs a `sportello` subcommand as a child process: its argv and env.

Kept apart from the supervisor (local_server.py) because it is not only the server's: the
local operator is created by `sportello operator add` (local_operator.py) and the smoke
test runs children the same way, from a checkout and from a frozen build alike.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def sportello_command(*args: str) -> list[str]:
    """argv running the `sportello` command: the frozen app itself, or `python -m sportello`."""
    if getattr(sys, "frozen", False):
        return [sys.executable, *args]
    return [sys.executable, "-m", "sportello", *args]


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment of child commands: ours, plus `src/` on the path when run from a checkout."""
    env = dict(os.environ)
    if not getattr(sys, "frozen", False):
        package_root = str(Path(__file__).resolve().parents[2])  # src/, above sportello/
        paths = [package_root, *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env.update(extra or {})
    return env
