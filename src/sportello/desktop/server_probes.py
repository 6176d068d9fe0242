"""What the supervisor asks a local server over HTTP: is it up, and does it take our secret.

Kept apart from `LocalServerSupervisor` (local_server.py) because these are the only HTTP
calls it makes, and they speak the server's side of the contract: `/health` answers 200
once the server serves, and a webhook with a wrong secret gets 401 before anything else.
"""

from __future__ import annotations

import asyncio
import subprocess
import time

import aiohttp

from sportello.desktop.server_process import pid_alive


async def wait_ready(
    base_url: str,
    pid: int,
    proc: subprocess.Popen[bytes] | None,
    timeout: float,
    poll_interval: float,
) -> bool:
    """True once `/health` answers 200; False if the child dies or `timeout` passes first."""
    deadline = time.monotonic() + timeout
    url = f"{base_url}/health"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as http:
        while time.monotonic() < deadline:
            if (proc.poll() is not None) if proc is not None else not pid_alive(pid):
                return False
            try:
                async with http.get(url) as response:
                    if response.status == 200:
                        return True
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(poll_interval)
    return False


async def secret_accepted(base_url: str, secret: str) -> bool:
    """A wrong secret gets 401; ours gets past auth (400 for an empty body)."""
    url = f"{base_url}/webhooks/generic"
    headers = {"X-Webhook-Token": secret, "Content-Type": "application/json"}
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http,
            http.post(url, data=b"{", headers=headers) as response,
        ):
            return response.status != 401
    except (aiohttp.ClientError, TimeoutError):
        return False
