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
        (
            ("operator", "add", "n" * 65, "--password-stdin"),
            "una-password-lunga\n",
            "operator name longer than 64 characters",
        ),
        (
            ("operator", "add", " anna", "--password-stdin"),
            "una-password-lunga\n",
            "operator name starts or ends with a space",
        ),
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


# ---- the README's administration commands, exactly as written ------------------------------

REPO = SRC.parent


def _readme_sh_blocks(heading: str) -> list[list[str]]:
    """The ```sh blocks of one README section, as command lines without their comments."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split(heading + "\n", 1)[1].split("\n## ", 1)[0]
    blocks = [part.split("```", 1)[0] for part in section.split("```sh\n")[1:]]
    # Comments are aligned after two spaces; none of the commands has "  #" inside.
    return [
        [line.split("  #", 1)[0].rstrip() for line in block.splitlines() if line.strip()]
        for block in blocks
    ]


@pytest.mark.slow
def test_readme_administration_commands_work_as_written(tmp_path: Path) -> None:
    """After the README's install, its commands run as they are printed (from the checkout,
    on the default SQLite database of a fresh user)."""
    import os
    import socket

    if not (REPO / ".venv" / "bin" / "sportello").exists():
        pytest.skip("no .venv/bin/sportello in the checkout: run bash scripts/install.sh")
    setup, run, _db_examples = _readme_sh_blocks("## Administration")
    assert setup[0] == "bash scripts/install.sh"  # the install itself is what CI runs first
    server_line, demo_line = run
    with socket.socket() as probe:  # the README's default port may be taken on this machine
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    wait_healthy = (
        "import sys, time, urllib.request\n"
        "for _ in range(300):\n"
        "    try:\n"
        f"        urllib.request.urlopen('http://127.0.0.1:{port}/health', timeout=2)\n"
        "        sys.exit(0)\n"
        "    except OSError:\n"
        "        time.sleep(0.2)\n"
        "sys.exit(1)\n"
    )
    script = "\n".join(
        [
            *setup[1:],
            f"{server_line} &",
            "server=$!",
            f'"$PYTHON" -c "{wait_healthy}"',
            demo_line,
            'kill -TERM "$server"',
            'wait "$server"',
        ]
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")}
    env.update(
        PYTHONPATH=str(SRC),
        XDG_DATA_HOME=str(tmp_path / "data"),
        SPORTELLO_PORT=str(port),
        PYTHON=sys.executable,
    )
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "database is up to date: sqlite:///" in done.stdout
    assert "operator 'giulia' created" in done.stdout
    assert "default_rules.toml: OK" in done.stdout
    assert "operator 'giulia' deactivated" in done.stdout
    assert "sent: a delivery ack from the gateway" in done.stdout  # the demo's last webhook
    assert (tmp_path / "data" / "Sportello" / "sportello.db").is_file()


def test_readme_and_docs_link_only_inside_the_repository() -> None:
    import re

    for doc in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        assert "../" not in text, f"{doc.name} points outside the repository"
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+://|#|mailto:", target):
                continue
            path = (doc.parent / target.split("#", 1)[0]).resolve()
            assert path.is_relative_to(REPO) and path.exists(), f"{doc.name}: {target}"


def test_db_upgrade_of_a_relative_sqlite_path_names_the_file_it_made(tmp_path: Path) -> None:
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC)
    done = subprocess.run(
        [sys.executable, "-m", "sportello", "db", "upgrade", "--db", "sqlite:///relative.db"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    absolute = (tmp_path / "relative.db").as_posix()
    assert done.stdout.strip() == f"database is up to date: sqlite:///{absolute}"


def test_a_sqlite_path_that_cannot_be_made_is_one_line_exit_2(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    target = tmp_path / "a-file" / "sportello.db"
    result = sportello("db", "upgrade", "--db", f"sqlite:///{target}")
    assert result.returncode == 2
    expected = f"sportello: error: cannot open {target}: Not a directory"
    assert result.stderr.splitlines() == [expected]
