"""Withdrawn access ends live sockets: a token revoked by `sportello token revoke` (another
process), an operator deactivated by `sportello operator deactivate`, a REST logout.

The revoking CLI runs as its own process against the database of a real `sportello server`
process; the server notices at its next `--token-recheck-interval` (short here) and sends
`sessionEnded` before disconnecting. Colleagues' sockets are untouched.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from sportello.server.config import parse_server_args
from sportello.server.revocation import SESSION_ENDED
from sportello.store.operators import deactivate_operator
from tests.server.server_harness import (
    TIMEOUT,
    WEBHOOK_SECRET,
    Client,
    Operator,
    add_operator,
    connect_operator,
    open_db,
    post,
    post_wpp,
)
from tests.support.databases import (
    create_postgres_database,
    drop_postgres_database,
    require_postgres,
)
from tests.support.payloads import wpp_message
from tests.support.server_process import ServerProcess
from tests.support.sportello_server import run_cli

RECHECK = "0.3"  # seconds: the tests wait on events, this only keeps them short


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'revocation.db'}"
        return
    require_postgres()
    url, name = create_postgres_database()
    try:
        yield url
    finally:
        drop_postgres_database(name)


@pytest.fixture
def desk(db_url: str) -> Iterator[tuple[ServerProcess, dict[str, Operator]]]:
    db = open_db(db_url)
    operators = {name: add_operator(db, name) for name in ("giulia", "marco")}
    db.dispose()
    server = ServerProcess(db_url, WEBHOOK_SECRET, "--token-recheck-interval", RECHECK)
    try:
        server.wait_healthy()
        yield server, operators
    finally:
        assert server.stop() == 0


async def _get_status(http: aiohttp.ClientSession, url: str, token: str) -> int:
    async with http.get(
        f"{url}/api/conversations", headers={"Authorization": f"Bearer {token}"}
    ) as answer:
        return answer.status


@pytest.mark.parametrize(
    ("command", "reason"),
    [(("token", "revoke"), "token_revoked"), (("operator", "deactivate"), "operator_deactivated")],
)
async def test_cli_in_another_process_ends_that_operators_sockets_only(
    desk: tuple[ServerProcess, dict[str, Operator]],
    http: aiohttp.ClientSession,
    command: tuple[str, str],
    reason: str,
) -> None:
    server, operators = desk
    giulia = await connect_operator(server, operators["giulia"])
    giulia_too = await connect_operator(server, operators["giulia"])  # a second console
    marco = await connect_operator(server, operators["marco"])
    try:
        run_cli([*command, "giulia", "--db", server.db_url])

        for socket in (giulia, giulia_too):
            ended = await socket.wait_for(SESSION_ENDED)
            assert ended["reason"] == reason and ended["message"]
            await asyncio.wait_for(socket.disconnected.wait(), TIMEOUT)
        assert await _get_status(http, server.url, operators["giulia"].token) == 401
        again = Client(server.url, operators["giulia"].token)
        with pytest.raises(Exception, match="failed to connect"):
            await again.connect()
        assert "unauthorized" in str(again.connect_errors)
        await again.close()

        status, _ = await post(
            http,
            f"{server.url}/webhooks/wppconnect",
            wpp_message(body="Dopo la revoca"),
            headers={"X-Webhook-Token": WEBHOOK_SECRET},
        )
        assert status == 200
        seen = await marco.wait_for("newMessage")
        assert seen["message"] == "Dopo la revoca"
        assert marco.sio.connected and not marco.named(SESSION_ENDED)
        assert await _get_status(http, server.url, operators["marco"].token) == 200
        for socket in (giulia, giulia_too):
            assert not socket.named("newMessage")
    finally:
        for client in (giulia, giulia_too, marco):
            await client.close()


async def test_rest_logout_ends_the_tokens_sockets_at_once(make_server, http) -> None:
    # An hour between re-checks: only the immediate path can end these sockets.
    server = await make_server(token_recheck_interval=3600.0)
    giulia, marco = server.operators["giulia"], server.operators["marco"]
    first = await connect_operator(server, giulia)
    second = await connect_operator(server, giulia)
    colleague = await connect_operator(server, marco)
    try:
        status, body = await post(
            http,
            f"{server.url}/api/auth/logout",
            None,
            headers={"Authorization": f"Bearer {giulia.token}"},
        )
        assert (status, body) == (200, {"ok": True, "endedSockets": 2})
        for socket in (first, second):
            ended = await socket.wait_for(SESSION_ENDED)
            assert ended["reason"] == "logged_out"
            await asyncio.wait_for(socket.disconnected.wait(), TIMEOUT)
        # The token cache forgot the token: no 10 s grace for REST either.
        assert await _get_status(http, server.url, giulia.token) == 401
        status, _ = await post(
            http,
            f"{server.url}/api/auth/logout",
            None,
            headers={"Authorization": f"Bearer {giulia.token}"},
        )
        assert status == 401
        status, _ = await post_wpp(http, server, wpp_message(body="Ancora qui?"))
        assert status == 200
        await colleague.wait_for("newMessage")
        assert colleague.sio.connected and not colleague.named(SESSION_ENDED)
        assert server.workers.revocations.checks == 0
    finally:
        for client in (first, second, colleague):
            await client.close()


async def _checks_pass(server: Any, count: int) -> None:
    """Wait until the server ran `count` more periodic re-checks."""
    watch = server.workers.revocations
    target = watch.checks + count
    async with asyncio.timeout(TIMEOUT):
        while watch.checks < target:
            await asyncio.sleep(0.02)


async def test_legacy_auth_socket_ends_on_deactivation_not_on_token_revocation(
    make_server, http
) -> None:
    server = await make_server(allow_legacy_auth=True, token_recheck_interval=0.2)
    giulia = server.operators["giulia"]
    legacy = Client(server.url)  # no token at all: authenticate {userId} from loopback
    await legacy.connect(auth=None)
    assert (await legacy.authenticate(giulia.id))["success"] is True
    with_token = await connect_operator(server, giulia)
    try:
        status, _ = await post(
            http,
            f"{server.url}/api/auth/logout",
            None,
            headers={"Authorization": f"Bearer {giulia.token}"},
        )
        assert status == 200
        await with_token.wait_for(SESSION_ENDED)
        await _checks_pass(server, 2)
        # The legacy socket never presented that token: revoking tokens does not touch it.
        assert legacy.sio.connected and not legacy.named(SESSION_ENDED)

        # Deactivation (here straight in the database, as another process would do it).
        with server.db.session() as session:
            assert deactivate_operator(session, "giulia") is True
            session.commit()
        ended = await legacy.wait_for(SESSION_ENDED)
        assert ended["reason"] == "operator_deactivated"
        await asyncio.wait_for(legacy.disconnected.wait(), TIMEOUT)
    finally:
        await legacy.close()
        await with_token.close()


def test_recheck_interval_flag_and_environment() -> None:
    assert parse_server_args([]).token_recheck_interval == 30.0
    assert parse_server_args(["--token-recheck-interval", "5"]).token_recheck_interval == 5.0
    config = parse_server_args([], {"SPORTELLO_TOKEN_RECHECK_INTERVAL": "2.5"})
    assert config.token_recheck_interval == 2.5
    with pytest.raises(SystemExit):
        parse_server_args(["--token-recheck-interval", "0"])


def test_batched_check_sorts_out_revoked_deactivated_and_unknown_tokens(db_url: str) -> None:
    from sportello.store.operators import (
        Withdrawn,
        revoke_token,
        token_digest,
        withdrawn_access,
    )

    db = open_db(db_url)
    try:
        giulia, marco, anna = (add_operator(db, name) for name in ("giulia", "marco", "anna"))
        with db.session() as session:
            assert revoke_token(session, giulia.token)
            assert deactivate_operator(session, "anna") is True
            session.commit()
        unknown = [f"{n:064x}" for n in range(950)]  # more than one statement's worth
        digests = [token_digest(op.token) for op in (giulia, marco, anna)] + unknown
        with db.read_session() as session:
            found = withdrawn_access(session, digests, [int(marco.id), int(anna.id), 99999])
        assert found.tokens.pop(token_digest(giulia.token)) is Withdrawn.TOKEN_REVOKED
        assert found.tokens.pop(token_digest(anna.token)) is Withdrawn.OPERATOR_DEACTIVATED
        assert found.tokens == dict.fromkeys(unknown, Withdrawn.TOKEN_REVOKED)
        assert found.operators == {
            int(anna.id): Withdrawn.OPERATOR_DEACTIVATED,
            99999: Withdrawn.OPERATOR_DEACTIVATED,
        }
    finally:
        db.dispose()
