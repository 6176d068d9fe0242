"""The `sportello` command as an administrator uses it: real processes, a real SQLite file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"


def sportello(
    *args: str, stdin: str | None = None, env_db: str | None = None
) -> subprocess.CompletedProcess[str]:
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    if env_db:
        env["SPORTELLO_DB"] = env_db
    return subprocess.run(
        [sys.executable, "-m", "sportello", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'sportello.db'}"


def test_version_prints_the_package_version() -> None:
    result = sportello("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("sportello ")


def test_admin_creates_operator_and_token(db_url: str) -> None:
    created = sportello(
        "operator",
        "add",
        "giulia",
        "--role",
        "admin",
        "--password-stdin",
        "--db",
        db_url,
        stdin="una-password-lunga\n",
    )
    assert created.returncode == 0, created.stderr
    assert "giulia" in created.stdout
    assert "una-password-lunga" not in created.stdout + created.stderr

    token = sportello("token", "create", "giulia", "--db", db_url)
    assert token.returncode == 0, token.stderr
    lines = token.stdout.splitlines()
    assert len(lines) == 1 and len(lines[0]) >= 32

    # The token is stored hashed: its text is nowhere in the database file.
    db_file = Path(db_url.removeprefix("sqlite:///"))
    blob = b"".join(p.read_bytes() for p in db_file.parent.glob("sportello.db*"))
    assert lines[0].encode() not in blob


def test_database_from_environment_variable(db_url: str) -> None:
    result = sportello(
        "operator", "add", "marco", "--password-stdin", stdin="password-di-marco\n", env_db=db_url
    )
    assert result.returncode == 0, result.stderr
    again = sportello("token", "create", "marco", env_db=db_url)
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        (("operator", "add", "x", "--role", "boss"), None, "invalid choice: 'boss'"),
        (("operator", "add", "x", "--password-stdin"), "corta\n", "password too short"),
        # What login accepts: a longer name could be created but never sign in (issue 11).
        (("operator", "add", "n" * 65, "--password-stdin"), "una-password-lunga\n",
         "operator name longer than 64 characters"),
        (("operator", "add", " anna", "--password-stdin"), "una-password-lunga\n",
         "operator name starts or ends with a space"),
        (("token", "create", "nessuno"), None, "no operator named 'nessuno'"),
        (("frobnicate",), None, "invalid choice: 'frobnicate'"),
        (("db", "upgrade", "--db", "mysql://x/y"), None, "unsupported database"),
    ],
)
def test_bad_input_gets_one_clear_line_and_changes_nothing(
    db_url: str, args: tuple[str, ...], stdin: str | None, expected: str
) -> None:
    extra = () if "--db" in args else ("--db", db_url) if args[0] in ("operator", "token") else ()
    result = sportello(*args, *extra, stdin=stdin)
    assert result.returncode in (1, 2)
    err_lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(err_lines) == 1, result.stderr
    assert expected in err_lines[0]
    assert result.stdout == ""


def test_duplicate_operator_is_refused(db_url: str) -> None:
    first = sportello(
        "operator", "add", "anna", "--password-stdin", "--db", db_url, stdin="password-di-anna\n"
    )
    assert first.returncode == 0
    second = sportello(
        "operator", "add", "anna", "--password-stdin", "--db", db_url, stdin="altra-password\n"
    )
    assert second.returncode == 1
    assert "already exists" in second.stderr


def test_unreachable_database_is_one_line_exit_2() -> None:
    result = sportello("db", "upgrade", "--db", "postgresql+psycopg://postgres@127.0.0.1:1/nessuno")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "127.0.0.1" in result.stderr


def test_rules_check_accepts_a_good_file_and_refuses_a_bad_one(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text('mode = "extend"\n', encoding="utf-8")
    ok = sportello("rules", "check", str(good))
    assert ok.returncode == 0, ok.stderr
    assert "OK" in ok.stdout

    bad = tmp_path / "bad.toml"
    bad.write_text('mode = "extend"\nthis is not toml\n', encoding="utf-8")
    refused = sportello("rules", "check", str(bad))
    assert refused.returncode == 1
    line = refused.stderr.strip()
    assert len(line.splitlines()) == 1
    assert str(bad) in line and ":2" in line

    missing = sportello("rules", "check", str(tmp_path / "missing.toml"))
    assert missing.returncode == 1
    assert "cannot read rules file" in missing.stderr
