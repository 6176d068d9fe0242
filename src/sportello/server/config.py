"""Configuration of `sportello server`: one dataclass, filled from flags and SPORTELLO_* env.

Every flag `--some-name` can also be set with the environment variable
`SPORTELLO_SOME_NAME`; a flag on the command line wins over the environment. Secrets
(webhook secret, Meta app secret, gateway tokens, WPPConnect's secret key) are best passed
through the environment so they do not show in `ps`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn
from urllib.parse import urlsplit

EXIT_USAGE = 2

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3200
DEFAULT_CORS_ORIGIN = "http://localhost:5193"
DEFAULT_META_GRAPH_URL = "https://graph.facebook.com/v20.0"


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Everything the server needs to start; built by `parse_server_args` or by tests."""

    db: str | None = None  # None: SQLite in the user data dir
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    redis: str | None = None
    redis_channel: str = "sportello"
    cors_origins: tuple[str, ...] = (DEFAULT_CORS_ORIGIN,)
    webhook_secret: str | None = None
    meta_app_secret: str | None = None
    meta_verify_token: str | None = None
    rules: str | None = None
    allow_legacy_auth: bool = False
    # Ours (documented in docs/protocol.md).
    auth_timeout: float = 10.0
    typing_timeout: float = 5.0
    drain_timeout: float = 15.0
    login_attempts: int = 10  # per IP+username within `login_window`
    login_window: float = 60.0
    log_format: str = "json"  # "json" or "text" (key=value)
    log_level: str = "info"
    wppconnect_url: str | None = None
    wppconnect_session: str | None = None
    wppconnect_token: str | None = None
    # With it the server makes its own session token and starts the session (wpp_line.py).
    wppconnect_secret_key: str | None = None
    public_url: str | None = None  # where the gateway reaches this server (its webhook URL)
    # Seconds between automatic new start-sessions of a closed line (unscanned QR, unlinked
    # phone); 0: only when an admin asks (POST /api/gateway/line/start).
    wppconnect_restart_interval: float = 300.0
    no_send_seen: bool = False  # an operator's read is not passed on to the customer
    meta_phone_number_id: str | None = None
    meta_access_token: str | None = None
    meta_graph_url: str = DEFAULT_META_GRAPH_URL
    send_max_attempts: int = 8
    send_retry_base: float = 1.0  # seconds; doubled at each attempt, with jitter
    send_retry_max: float = 300.0
    node_name: str | None = None
    assignee_only_replies: bool = False  # only a ticket's assignee may reply
    presence_timeout: float = 90.0  # seconds a silent console still counts as viewing
    gateway_poll_interval: float = 30.0  # seconds between WPPConnect status polls; 0 = off
    # seconds between reconcile rounds with WPPConnect's history; 0 = only at start and
    # when the line comes back
    gateway_reconcile_interval: float = 60.0
    token_recheck_interval: float = 30.0  # seconds between re-checks of connected sockets


class _OneLineParser(argparse.ArgumentParser):
    """argparse prints usage plus the error; scripts want one line that says why."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"sportello server: error: {message} (see --help)\n")


def _env_name(flag: str) -> str:
    return "SPORTELLO_" + flag.lstrip("-").replace("-", "_").upper()


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def build_server_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="sportello server",
        description="Run the Sportello realtime server: HTTP API, Socket.IO namespace "
        "/whatsapp, gateway webhooks and auto-ticketing. Every flag can also be set by "
        "the environment variable SPORTELLO_<FLAG_NAME> (for example SPORTELLO_PORT).",
    )
    add = parser.add_argument
    add("--host", help=f"address to listen on (default {DEFAULT_HOST})")
    add("--port", type=int, help=f"TCP port (default {DEFAULT_PORT}; 0 picks a free one)")
    add("--db", help="SQLAlchemy database URL (default: SQLite in the user data dir)")
    add("--redis", help="Redis URL; enables fan-out of events between several server nodes")
    add("--redis-channel", help="Redis pub/sub channel shared by the nodes (default sportello)")
    add(
        "--cors-origin",
        action="append",
        dest="cors_origin",
        help=f"allowed browser origin, repeatable (default {DEFAULT_CORS_ORIGIN}); "
        "env: comma-separated; '*' allows any",
    )
    add("--webhook-secret", help="shared secret of /webhooks/wppconnect and /webhooks/generic")
    add("--meta-app-secret", help="Meta app secret, verifies X-Hub-Signature-256")
    add("--meta-verify-token", help="token Meta sends when verifying /webhooks/meta")
    add("--rules", help="TOML file of ticket rules (default: built-in Italian rules)")
    add(
        "--allow-legacy-auth",
        action="store_true",
        default=None,
        help="accept a bare authenticate {userId} of an existing operator from loopback",
    )
    add("--auth-timeout", type=float, help="seconds a socket has to authenticate (default 10)")
    add(
        "--typing-timeout",
        type=float,
        help="seconds of silence after which typing is auto-stopped (default 5)",
    )
    add(
        "--drain-timeout",
        type=float,
        help="seconds to finish in-flight work at shutdown (default 15)",
    )
    add("--login-attempts", type=int, help="login attempts per IP+username per window (10)")
    add("--login-window", type=float, help="login rate-limit window in seconds (60)")
    add("--log-format", choices=["json", "text"], help="log lines as JSON or key=value (json)")
    add("--log-level", choices=["debug", "info", "warning", "error"], help="(info)")
    add("--wppconnect-url", help="WPPConnect Server base URL for replies, e.g. http://h:21465")
    add("--wppconnect-session", help="WPPConnect session name used when a chat has none")
    add("--wppconnect-token", help="WPPConnect bearer token (prefer the env variable)")
    add(
        "--wppconnect-secret-key",
        help="WPPConnect Server's SECRET_KEY: the server makes the session token itself and "
        "starts the session with its own webhook (prefer the env variable)",
    )
    add(
        "--public-url",
        help="address WPPConnect Server reaches this server at, e.g. http://10.0.0.5:3200: "
        "the session's webhook is <public-url>/webhooks/wppconnect",
    )
    add(
        "--wppconnect-restart-interval",
        type=float,
        help="seconds between automatic restarts of a WhatsApp session that closed (an "
        "unscanned QR code, an unlinked phone), so a new QR code shows; 0: only when an "
        "admin asks (default 300)",
    )
    add(
        "--no-send-seen",
        action="store_true",
        default=None,
        help="do not tell WhatsApp when an operator has read a conversation (no blue ticks)",
    )
    add("--meta-phone-number-id", help="Cloud API phone-number-id used when a chat has none")
    add("--meta-access-token", help="Cloud API access token (prefer the env variable)")
    add("--meta-graph-url", help=f"Graph API base URL (default {DEFAULT_META_GRAPH_URL})")
    add("--send-max-attempts", type=int, help="delivery attempts before a reply fails (8)")
    add("--send-retry-base", type=float, help="first retry delay in seconds (1)")
    add("--send-retry-max", type=float, help="longest retry delay in seconds (300)")
    add("--node-name", help="name of this node in logs (default host:port)")
    add(
        "--assignee-only-replies",
        action="store_true",
        default=None,
        help="refuse replies to a conversation whose open ticket is assigned to someone else",
    )
    add(
        "--presence-timeout",
        type=float,
        help="seconds a silent console still counts as viewing a conversation (default 90)",
    )
    add(
        "--gateway-poll-interval",
        type=float,
        help="seconds between polls of WPPConnect Server's session status "
        "(GET /api/{session}/status-session); 0 turns polling off (default 30)",
    )
    add(
        "--gateway-reconcile-interval",
        type=float,
        help="seconds between reconcile rounds, which read back from WPPConnect Server the "
        "messages and acks whose webhooks never reached this server (it posts each once); a "
        "round also runs at every start and whenever the line comes back; 0 keeps only "
        "those (default 60)",
    )
    add(
        "--token-recheck-interval",
        type=float,
        help="seconds between re-checks of the tokens of connected sockets: a socket whose "
        "token was revoked or whose operator was deactivated (by the CLI, another node) gets "
        "sessionEnded and is disconnected (default 30)",
    )
    return parser


def parse_server_args(
    argv: Sequence[str], environ: Mapping[str, str] | None = None
) -> ServerConfig:
    """Flags first, then SPORTELLO_* env, then defaults. Bad input: one line, exit 2."""
    env = os.environ if environ is None else environ
    parser = build_server_parser()
    args = parser.parse_args(list(argv))
    values: dict[str, object] = {}
    for action in parser._actions:
        if not action.option_strings or action.dest == "help":
            continue
        flag = action.option_strings[0]
        given = getattr(args, action.dest)
        if given is None:
            raw = env.get(_env_name(flag))
            if raw is None:
                continue
            given = _from_env(parser, flag, action, raw)
        values[action.dest] = given
    return _to_config(parser, values)


def _from_env(
    parser: argparse.ArgumentParser, flag: str, action: argparse.Action, raw: str
) -> object:
    name = _env_name(flag)
    if isinstance(action, argparse._StoreTrueAction):
        word = raw.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        parser.error(f"{name}={raw!r}: expected true or false")
    if isinstance(action, argparse._AppendAction):
        return [part.strip() for part in raw.split(",") if part.strip()]
    if action.type is not None:
        try:
            return action.type(raw)  # type: ignore[operator]
        except ValueError:
            parser.error(f"{name}={raw!r}: not a valid {getattr(action.type, '__name__', '')}")
    if action.choices is not None and raw not in action.choices:
        parser.error(f"{name}={raw!r}: choose from {', '.join(map(str, action.choices))}")
    return raw


def _to_config(parser: argparse.ArgumentParser, values: dict[str, object]) -> ServerConfig:
    port = values.get("port", DEFAULT_PORT)
    assert isinstance(port, int)
    if not 0 <= port <= 65535:
        parser.error(f"--port {port}: must be between 0 and 65535")
    for key in (
        "auth_timeout",
        "typing_timeout",
        "drain_timeout",
        "login_window",
        "send_retry_base",
        "send_retry_max",
        "presence_timeout",
        "token_recheck_interval",
    ):
        value = values.get(key)
        if isinstance(value, float) and not value > 0:
            parser.error(f"--{key.replace('_', '-')} {value}: must be a positive number")
    for key in (
        "gateway_poll_interval",
        "gateway_reconcile_interval",
        "wppconnect_restart_interval",
    ):
        value = values.get(key)
        if isinstance(value, float) and not value >= 0:
            flag = f"--{key.replace('_', '-')}"
            parser.error(f"{flag} {value}: must be 0 (off) or a positive number")
    public_url = values.get("public_url")
    if isinstance(public_url, str) and public_url:
        parsed = urlsplit(public_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.query:
            parser.error(
                f"--public-url {public_url!r}: expected http(s)://host[:port][/path], "
                "the address WPPConnect Server reaches this server at"
            )
    for key in ("login_attempts", "send_max_attempts"):
        value = values.get(key)
        if isinstance(value, int) and value < 1:
            parser.error(f"--{key.replace('_', '-')} {value}: must be at least 1")
    origins = values.pop("cors_origin", None)
    kwargs = {key: value for key, value in values.items() if value is not None}
    if origins:
        kwargs["cors_origins"] = tuple(origins)  # type: ignore[arg-type]
    for secret in (
        "webhook_secret",
        "meta_app_secret",
        "meta_verify_token",
        "wppconnect_secret_key",
        "public_url",
    ):
        if kwargs.get(secret) == "":
            kwargs.pop(secret)
    return ServerConfig(**kwargs)  # type: ignore[arg-type]
