"""The `sportello` command: the desktop app by default, and its administrative subcommands.

Heavy imports (Qt, aiohttp, SQLAlchemy) happen inside each subcommand so that
`sportello --version` and `sportello rules check` answer instantly.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from sportello import __version__
from sportello.domain.text_repair import needs_repair

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A user-facing failure: printed as one line, exit code attached."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


class OneLineParser(argparse.ArgumentParser):
    """argparse prints usage plus the error; operators and scripts want one line that says why."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _db_url(explicit: str | None) -> str:
    if explicit:
        return explicit
    env = os.environ.get("SPORTELLO_DB")
    if env:
        return env
    from sportello.store.database import default_sqlite_url

    return default_sqlite_url()


def _open_db(url: str) -> object:
    """Open and migrate the database, or fail with one line naming the database."""
    from sportello.store.database import Database, DatabaseUnavailable

    try:
        db = Database(url)
        db.upgrade()
    except DatabaseUnavailable as exc:
        raise CliError(str(exc), EXIT_USAGE) from exc
    return db


def _cmd_db_upgrade(args: argparse.Namespace) -> int:
    db = _open_db(_db_url(args.db))
    from sportello.store.database import redact_url

    # The URL as resolved: a relative SQLite path shows the file it really is.
    print(f"database is up to date: {redact_url(db.url)}")  # type: ignore[attr-defined]
    return EXIT_OK


def _text(value: str) -> str:
    """An argument stored as text: bytes that are not UTF-8 (kept by Python as lone
    surrogates) would make the database raise, so they are refused in one line."""
    if needs_repair(value):
        raise argparse.ArgumentTypeError(f"{value!a} is not UTF-8 text")
    return value


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            raise CliError("passwords do not match")
    else:
        raise CliError("no password given: pipe it with --password-stdin", EXIT_USAGE)
    from sportello.store.operators import password_problem

    problem = password_problem(password)
    if problem is not None:
        raise CliError(problem, EXIT_USAGE)
    return password


def _cmd_operator_add(args: argparse.Namespace) -> int:
    from sportello.domain.values import Role
    from sportello.store.operators import (
        OperatorExists,
        create_operator,
        display_name_problem,
        name_problem,
    )

    problem = name_problem(args.name) or display_name_problem(args.display_name or "")
    if problem is not None:
        raise CliError(problem, EXIT_USAGE)
    password = _read_password(args)
    db = _open_db(_db_url(args.db))
    try:
        with db.session() as session:  # type: ignore[attr-defined]
            operator = create_operator(
                session, args.name, Role(args.role), password, display_name=args.display_name
            )
            session.commit()
            operator_id = operator.id
    except OperatorExists as exc:
        raise CliError(str(exc)) from exc
    print(f"operator {args.name!r} created (id {operator_id}, role {args.role})")
    return EXIT_OK


def _cmd_token_create(args: argparse.Namespace) -> int:
    from sportello.store.operators import OperatorNotFound, create_token

    db = _open_db(_db_url(args.db))
    try:
        with db.session() as session:  # type: ignore[attr-defined]
            token = create_token(session, args.name)
            session.commit()
    except OperatorNotFound as exc:
        raise CliError(str(exc)) from exc
    print(token)
    return EXIT_OK


def _cmd_token_revoke(args: argparse.Namespace) -> int:
    from sportello.store.operators import OperatorNotFound, revoke_operator_tokens

    db = _open_db(_db_url(args.db))
    try:
        with db.session() as session:  # type: ignore[attr-defined]
            count = revoke_operator_tokens(session, args.name)
            session.commit()
    except OperatorNotFound as exc:
        raise CliError(str(exc)) from exc
    # Running servers end the sockets of these tokens at their next re-check.
    print(f"revoked {count} token(s) of operator {args.name!r}")
    return EXIT_OK


def _cmd_operator_deactivate(args: argparse.Namespace) -> int:
    from sportello.store.operators import OperatorNotFound, deactivate_operator

    db = _open_db(_db_url(args.db))
    try:
        with db.session() as session:  # type: ignore[attr-defined]
            changed = deactivate_operator(session, args.name)
            session.commit()
    except OperatorNotFound as exc:
        raise CliError(str(exc)) from exc
    state = "deactivated" if changed else "was already inactive"
    print(f"operator {args.name!r} {state}")
    return EXIT_OK


def _cmd_rules_check(args: argparse.Namespace) -> int:
    from sportello.domain.rules import RulesError, TicketRules

    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"{path}: cannot read rules file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise CliError(f"{path}: not UTF-8 text: {exc.reason}") from exc
    try:
        rules = TicketRules.from_toml(text, source=str(path))
    except RulesError as exc:
        raise CliError(str(exc)) from exc
    print(f"{path}: OK")
    print(rules.describe())
    return EXIT_OK


def _cmd_server(argv: Sequence[str]) -> int:
    from sportello.server.config import parse_server_args
    from sportello.server.run import run_server

    config = parse_server_args(list(argv))
    return run_server(config)


def _cmd_demo(args: argparse.Namespace) -> int:
    import asyncio

    from sportello.server.demo import DemoError, run_demo

    secret = args.webhook_secret or os.environ.get("SPORTELLO_WEBHOOK_SECRET")
    if not secret:
        raise CliError(
            "no webhook secret: pass --webhook-secret or set SPORTELLO_WEBHOOK_SECRET", 2
        )
    from sportello.server.demo import default_server_url

    url = args.url or default_server_url(os.environ)
    try:
        asyncio.run(run_demo(url, None, secret, args.speed))
    except DemoError as exc:
        raise CliError(str(exc)) from exc
    return EXIT_OK


def _cmd_app(args: argparse.Namespace) -> int:
    if args.smoke_test:  # offscreen, embedded server, one webhook shown (see self_check.py)
        from sportello.self_check import run_self_check

        return run_self_check()
    from sportello.app import run_app

    return run_app(
        smoke_test=args.smoke_test,
        profile=args.profile,
        local=args.local,
        minimized=args.minimized,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="sportello",
        description="Sportello: WhatsApp customer support for field-service companies. "
        "Without a command, starts the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"sportello {__version__}")
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="start the app offscreen against an embedded server, ingest one message, exit",
    )
    parser.add_argument("--profile", help="server profile to open (default: the last used)")
    parser.add_argument(
        "--local",
        action="store_true",
        help="run the server on this computer (local-server mode) and open it",
    )
    parser.add_argument(
        "--minimized",
        action="store_true",
        help="start in the system tray without showing the window (used at login)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)

    sub.add_parser(
        "server",
        help="run the realtime server (see `sportello server --help`)",
        add_help=False,
    )

    db_help = "SQLAlchemy database URL (default: $SPORTELLO_DB or SQLite in the user data dir)"

    op = sub.add_parser("operator", help="manage operators")
    op_sub = op.add_subparsers(
        dest="op_command", metavar="ACTION", required=True, parser_class=OneLineParser
    )
    op_add = op_sub.add_parser("add", help="create an operator")
    op_add.add_argument("name", type=_text, help="login name")
    op_add.add_argument("--role", choices=["admin", "operator"], default="operator")
    op_add.add_argument(
        "--display-name", type=_text, help="name shown to colleagues (default: NAME)"
    )
    op_add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )
    op_add.add_argument("--db", help=db_help)
    op_add.set_defaults(handler=_cmd_operator_add)
    op_off = op_sub.add_parser(
        "deactivate", help="withdraw an operator's access (running servers end its sessions)"
    )
    op_off.add_argument("name", type=_text, help="login name")
    op_off.add_argument("--db", help=db_help)
    op_off.set_defaults(handler=_cmd_operator_deactivate)

    tok = sub.add_parser("token", help="manage API tokens")
    tok_sub = tok.add_subparsers(
        dest="tok_command", metavar="ACTION", required=True, parser_class=OneLineParser
    )
    tok_create = tok_sub.add_parser("create", help="print a new API token for an operator")
    tok_create.add_argument("name", type=_text, help="operator login name")
    tok_create.add_argument("--db", help=db_help)
    tok_create.set_defaults(handler=_cmd_token_create)
    tok_revoke = tok_sub.add_parser(
        "revoke", help="revoke every token of an operator (running servers end its sessions)"
    )
    tok_revoke.add_argument("name", type=_text, help="operator login name")
    tok_revoke.add_argument("--db", help=db_help)
    tok_revoke.set_defaults(handler=_cmd_token_revoke)

    rules = sub.add_parser("rules", help="ticket rules")
    rules_sub = rules.add_subparsers(
        dest="rules_command", metavar="ACTION", required=True, parser_class=OneLineParser
    )
    rules_check = rules_sub.add_parser("check", help="validate a TOML rules file")
    rules_check.add_argument("file")
    rules_check.set_defaults(handler=_cmd_rules_check)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(
        dest="db_command", metavar="ACTION", required=True, parser_class=OneLineParser
    )
    db_up = db_sub.add_parser("upgrade", help="create or migrate the database schema")
    db_up.add_argument("--db", help=db_help)
    db_up.set_defaults(handler=_cmd_db_upgrade)

    demo = sub.add_parser("demo", help="post sample WhatsApp webhooks to a running server")
    demo.add_argument(
        "--url",
        help="server base URL (default http://127.0.0.1:3200, or the host and port that "
        "SPORTELLO_HOST/SPORTELLO_PORT give the server)",
    )
    demo.add_argument("--webhook-secret", help="the server's --webhook-secret")
    demo.add_argument("--speed", type=float, default=1.0, help="time compression factor")
    demo.set_defaults(handler=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        # `server` has its own parser (flags + SPORTELLO_* env), shared with the embedded server.
        if args_list and args_list[0] == "server":
            return _cmd_server(args_list[1:])
        args = build_parser().parse_args(args_list)
        handler = getattr(args, "handler", None)
        if handler is None:
            return _cmd_app(args)
        result: int = handler(args)
        return result
    except CliError as exc:
        print(f"sportello: error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
