"""Arguments that are not UTF-8 text get one line and exit 2, never a traceback.

Python keeps such bytes of argv and stdin as lone surrogates, which no database stores.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"


def sportello_bytes(*args: str | bytes, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "sportello", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        env=env,
    )


@pytest.mark.parametrize(
    ("args", "stdin", "why"),
    [
        (["operator", "add", b"gi\xffulia"], b"una-password-lunga\n", "argument name"),
        (
            ["operator", "add", "giulia", "--display-name", b"Giu\xff"],
            b"una-password-lunga\n",
            "argument --display-name",
        ),
        (["operator", "add", "giulia"], b"una-password-\xfflunga\n", "password"),
        (["token", "create", b"gi\xffulia"], b"", "argument name"),
        (["operator", "deactivate", b"gi\xffulia"], b"", "argument name"),
    ],
)
def test_text_that_is_not_utf8_is_refused_in_one_line(
    tmp_path: Path, args: list[str | bytes], stdin: bytes, why: str
) -> None:
    db = f"sqlite:///{tmp_path / 'sportello.db'}"
    extra = ["--password-stdin"] if args[:2] == ["operator", "add"] else []

    result = sportello_bytes(*args, *extra, "--db", db, stdin=stdin)

    lines = [line for line in result.stderr.decode(errors="replace").splitlines() if line]
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and why in lines[0] and "not UTF-8 text" in lines[0], lines
