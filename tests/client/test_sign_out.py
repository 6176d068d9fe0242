"""Signing out tells the server when it can, and never hangs or fails when it cannot.

The success path (the token stops working on a real server) is covered by
tests/desktop_integration/test_sign_in.py and test_several_servers.py.
"""

from __future__ import annotations

import logging

import pytest
from aiohttp import web

from sportello.client.sign_out import end_session_on_server
from tests.support.ports import free_port


async def _serve(status: int) -> tuple[web.AppRunner, str, list[str]]:
    seen: list[str] = []

    async def answer(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization", ""))
        return web.json_response(
            {"error": {"code": "x", "message": "no"}} if status == 401 else {}, status=status
        )

    app = web.Application()
    app.router.add_post("/api/auth/logout", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}", seen


async def test_an_unreachable_server_is_logged_without_the_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    ok = await end_session_on_server(f"http://127.0.0.1:{free_port()}", "secret-token-123")
    assert ok is False
    assert "token stays valid" in caplog.text
    assert "secret-token-123" not in caplog.text


@pytest.mark.parametrize(("status", "expected"), [(200, True), (401, True), (404, False)])
async def test_the_servers_answer_decides_what_is_reported(status: int, expected: bool) -> None:
    runner, url, seen = await _serve(status)
    try:
        assert await end_session_on_server(url + "/", "tok") is expected
        assert seen == ["Bearer tok"]
    finally:
        await runner.cleanup()
