"""Every `sportello server` flag of PROTOCOL.md section 1, from the command line and from
SPORTELLO_* variables; bad values are refused with one line and exit code 2."""

from __future__ import annotations

import pytest

from sportello.server.config import EXIT_USAGE, ServerConfig, parse_server_args

CONTRACT_FLAGS = [
    ("--host", "0.0.0.0", "host", "0.0.0.0"),
    ("--port", "3300", "port", 3300),
    ("--db", "postgresql://u@h/db", "db", "postgresql://u@h/db"),
    ("--redis", "redis://127.0.0.1:6379/0", "redis", "redis://127.0.0.1:6379/0"),
    ("--webhook-secret", "s3", "webhook_secret", "s3"),
    ("--meta-app-secret", "m3", "meta_app_secret", "m3"),
    ("--meta-verify-token", "v3", "meta_verify_token", "v3"),
    ("--rules", "/etc/sportello/rules.toml", "rules", "/etc/sportello/rules.toml"),
]


def test_contract_defaults() -> None:
    config = parse_server_args([], environ={})

    assert (config.host, config.port, config.db, config.redis) == ("127.0.0.1", 3200, None, None)
    assert config.cors_origins == ("http://localhost:5193",)
    assert config.allow_legacy_auth is False
    assert config.auth_timeout == 10.0
    assert (config.webhook_secret, config.meta_app_secret, config.meta_verify_token) == (
        None,
        None,
        None,
    )


@pytest.mark.parametrize(("flag", "value", "field", "expected"), CONTRACT_FLAGS)
def test_each_contract_flag_from_the_command_line_and_the_environment(
    flag: str, value: str, field: str, expected: object
) -> None:
    env_name = "SPORTELLO_" + flag[2:].replace("-", "_").upper()

    from_flag = parse_server_args([flag, value], environ={})
    from_env = parse_server_args([], environ={env_name: value})

    assert getattr(from_flag, field) == expected
    assert getattr(from_env, field) == expected


def test_flag_wins_over_the_environment() -> None:
    config = parse_server_args(["--port", "4000"], environ={"SPORTELLO_PORT": "5000"})

    assert config.port == 4000


def test_cors_origin_is_repeatable_and_comma_separated_in_the_environment() -> None:
    flags = parse_server_args(
        ["--cors-origin", "http://a.test", "--cors-origin", "http://b.test"], environ={}
    )
    env = parse_server_args([], environ={"SPORTELLO_CORS_ORIGIN": "http://a.test, http://b.test"})

    assert flags.cors_origins == env.cors_origins == ("http://a.test", "http://b.test")


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("yes", True), ("0", False)])
def test_allow_legacy_auth_switch(raw: str, expected: bool) -> None:
    assert parse_server_args(["--allow-legacy-auth"], environ={}).allow_legacy_auth is True
    assert (
        parse_server_args([], environ={"SPORTELLO_ALLOW_LEGACY_AUTH": raw}).allow_legacy_auth
        is expected
    )


@pytest.mark.parametrize(
    ("argv", "environ", "says"),
    [
        (["--port", "http"], {}, "--port"),
        (["--port", "70000"], {}, "65535"),
        (["--no-such-flag"], {}, "--no-such-flag"),
        ([], {"SPORTELLO_PORT": "x"}, "SPORTELLO_PORT"),
        ([], {"SPORTELLO_ALLOW_LEGACY_AUTH": "maybe"}, "SPORTELLO_ALLOW_LEGACY_AUTH"),
        (["--auth-timeout", "0"], {}, "--auth-timeout"),
    ],
)
def test_bad_values_are_one_line_and_exit_2(
    argv: list[str], environ: dict[str, str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        parse_server_args(argv, environ=environ)

    assert stopped.value.code == EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and says in err, err


def test_empty_secrets_from_the_environment_mean_no_secret() -> None:
    assert parse_server_args([], environ={"SPORTELLO_WEBHOOK_SECRET": ""}) == ServerConfig()
