"""Tests of the frozen (PyInstaller) build itself, not of the source tree.

They need a built bundle: SPORTELLO_FROZEN_BUNDLE=<dist/sportello> (and, for the installer
test, SPORTELLO_INSTALLER=<setup.exe>). Without them they skip with the reason, except when
SPORTELLO_REQUIRE_FROZEN=1 (set by .ci/frozen), where a missing bundle fails.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.packaging.frozen_harness import REPO  # noqa: F401  (re-exported for fixtures)


def _missing(what: str) -> None:
    if os.environ.get("SPORTELLO_REQUIRE_FROZEN") == "1":
        pytest.fail(f"{what} (SPORTELLO_REQUIRE_FROZEN=1)")
    pytest.skip(f"{what}: build one with packaging/build.py (see docs/packaging.md)")


@pytest.fixture(scope="session")
def bundle() -> Path:
    """The PyInstaller one-folder output under test."""
    raw = os.environ.get("SPORTELLO_FROZEN_BUNDLE", "")
    if not raw:
        _missing("no frozen bundle given in SPORTELLO_FROZEN_BUNDLE")
    path = Path(raw).resolve()
    if not path.is_dir():
        _missing(f"SPORTELLO_FROZEN_BUNDLE={raw} is not a folder")
    return path


@pytest.fixture(scope="session")
def frozen_exe(bundle: Path) -> Path:
    """The bundle's `sportello` executable (the console one on Windows)."""
    name = "sportello-cli.exe" if sys.platform == "win32" else "sportello"
    exe = bundle / name
    assert exe.is_file(), f"no executable {name} in {bundle}"
    return exe


@pytest.fixture(scope="session")
def installer() -> Path:
    raw = os.environ.get("SPORTELLO_INSTALLER", "")
    if not raw:
        _missing("no installer given in SPORTELLO_INSTALLER")
    return Path(raw).resolve()
