"""Signing out ends the session on the server too, not only on this computer.

Deleting the token from the keyring is not enough: a copied token would keep working
until an administrator revoked it. `POST /api/auth/logout` (docs/protocol.md) revokes it
on the server. The call is best effort: an unreachable server or an old back end without
the endpoint must never keep the operator from signing out here, so failures are logged
(without the token) and the local sign-out goes on.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp

from sportello.client.errors import BadCredentials, ClientError, FeatureUnavailable
from sportello.client.rest import request_json

log = logging.getLogger(__name__)

SIGN_OUT_TIMEOUT = 5.0  # seconds: signing out must not hang on a dead server

_pending: set[asyncio.Task[Any]] = set()  # fire-and-forget calls, kept alive until done


async def end_session_on_server(url: str, token: str) -> bool:
    """Revoke `token` on the server at `url`; True when the server confirmed it (or the
    token was already invalid), False when it could not be told."""
    base = url.rstrip("/")
    try:
        async with aiohttp.ClientSession() as session:
            await asyncio.wait_for(
                request_json(
                    session,
                    "POST",
                    f"{base}/api/auth/logout",
                    token=token,
                    what="signing out on the server",
                ),
                SIGN_OUT_TIMEOUT,
            )
    except BadCredentials:
        return True  # already revoked or unknown: nothing left to end
    except FeatureUnavailable:
        log.warning(
            "signing out: %s has no logout endpoint (an older server); the token stays "
            "valid there until an administrator revokes it",
            base,
        )
        return False
    except (ClientError, TimeoutError) as exc:
        log.warning(
            "signing out: could not tell %s (%s); the token stays valid there until an "
            "administrator revokes it",
            base,
            exc or type(exc).__name__,
        )
        return False
    log.info("signed out on %s", base)
    return True


def end_session_soon(url: str, token: str) -> None:
    """Start `end_session_on_server` on the running loop without waiting for it (from a
    Qt slot). Without a running loop (shutdown) it is skipped, with a log line."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        try:
            loop = asyncio.get_event_loop_policy().get_event_loop()
        except RuntimeError:
            loop = None
    if loop is None or loop.is_closed():
        log.warning("signing out: no event loop left to tell %s", url)
        return
    task = loop.create_task(end_session_on_server(url, token), name="sign-out")
    _pending.add(task)
    task.add_done_callback(_pending.discard)


__all__ = ["end_session_on_server", "end_session_soon"]
