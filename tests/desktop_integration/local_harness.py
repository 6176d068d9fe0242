"""Helpers for local-server tests: posting webhooks, reading back via REST (the bodies are
tests/support/payloads.py's)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp


async def post_webhook(
    http: aiohttp.ClientSession, base_url: str, secret: str, payload: dict[str, Any]
) -> int:
    """Status code of one webhook post, or 0 when the server did not answer."""
    try:
        async with http.post(
            f"{base_url}/webhooks/wppconnect",
            json=payload,
            headers={"X-Webhook-Token": secret},
            timeout=aiohttp.ClientTimeout(total=20),
        ) as response:
            await response.read()
            return response.status
    except (aiohttp.ClientError, TimeoutError, OSError):
        return 0


async def get_json(http: aiohttp.ClientSession, base_url: str, token: str, path: str) -> Any:
    async with http.get(base_url + path, headers={"Authorization": f"Bearer {token}"}) as response:
        assert response.status == 200, (path, response.status, await response.text())
        return await response.json()


async def all_message_bodies(http: aiohttp.ClientSession, base_url: str, token: str) -> list[str]:
    """Every message body of every conversation, through the REST API (paging to the end)."""
    bodies: list[str] = []
    conversations = await get_json(http, base_url, token, "/api/conversations?limit=200")
    for conv in conversations["conversations"]:
        cursor: str | None = None
        while True:
            path = f"/api/conversations/{conv['id']}/messages?limit=200"
            if cursor:
                path += f"&before={cursor}"
            page = await get_json(http, base_url, token, path)
            bodies += [m["message"] for m in page["messages"]]
            cursor = page.get("next")
            if not cursor:
                break
    return bodies


def files_containing(roots: list[Path], needle: str) -> list[Path]:
    """Every file under `roots` whose bytes contain `needle`."""
    found = []
    raw = needle.encode()
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file():
                try:
                    if raw in path.read_bytes():
                        found.append(path)
                except OSError:
                    continue
    return found
