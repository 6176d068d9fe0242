"""The operator the app creates for itself in local-server mode, and the local webhook secret.

The operator gets a random password kept only in the OS keyring; the app logs in with it
through the server's own `POST /api/auth/login` and keeps the token in the keyring too
(without a working keyring, both go to the local secrets file: see `credentials`).
The operator is created with `sportello operator add` run as a child command (the app never
imports the server's store), so the same code works from a checkout and a frozen build.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sportello.client.api import login
from sportello.client.errors import BadCredentials
from sportello.client.records import ServerProfile
from sportello.desktop import credentials
from sportello.desktop.child_command import child_env, sportello_command
from sportello.desktop.local_server import LocalServerError

# Keyring calls and the `operator add` child block: they run here, in a plain Python
# thread (qasync's default executor uses QThreads that abort the process if alive at exit).
_BLOCKING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sportello-local")

LOCAL_PROFILE = credentials.LOCAL_PROFILE
OPERATOR_NAME = "operatore"
OPERATOR_SECRET = "local-operator"  # keyring entry: {"username", "password"} as JSON


def ensure_webhook_secret() -> str:
    """The local server's webhook secret: made once, kept in the keyring."""
    secret = credentials.load_secret(credentials.WEBHOOK_SECRET)
    if not secret:
        secret = secrets.token_urlsafe(24)
        credentials.save_secret(credentials.WEBHOOK_SECRET, secret)
    return secret


def _run_cli(args: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        sportello_command(*args),
        input=stdin,
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=120,
        check=False,
    )


def _create_operator(db_url: str, username: str, password: str) -> bool:
    """True when created; False when the name is taken. Other failures raise."""
    done = _run_cli(
        [
            "operator",
            "add",
            username,
            "--role",
            "admin",
            "--password-stdin",
            "--display-name",
            "Operatore",
            "--db",
            db_url,
        ],
        stdin=password + "\n",
    )
    if done.returncode == 0:
        return True
    error = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
    if "already exists" in error:
        return False
    raise LocalServerError(f"cannot create the local operator: {error}")


def _stored_login() -> tuple[str, str] | None:
    raw = credentials.load_secret(OPERATOR_SECRET)
    if not raw:
        return None
    try:
        data = json.loads(raw)
        return str(data["username"]), str(data["password"])
    except (ValueError, KeyError, TypeError):
        return None


def _ensure_operator_sync(db_url: str) -> tuple[str, str]:
    stored = _stored_login()
    if stored is not None:
        return stored
    password = secrets.token_urlsafe(24)
    username = OPERATOR_NAME
    for _ in range(5):
        # Saved before creating: an operator whose password we failed to keep is unusable.
        blob = json.dumps({"username": username, "password": password})
        credentials.save_secret(OPERATOR_SECRET, blob)
        if _create_operator(db_url, username, password):
            return username, password
        # The database has this name from an earlier install whose keyring entry is gone.
        username = f"{OPERATOR_NAME}-{secrets.token_hex(3)}"
    raise LocalServerError("cannot create the local operator: every name tried is taken")


async def provision_local_profile(
    base_url: str, db_url: str, user_id: str | None = None
) -> ServerProfile:
    """The local profile with a valid token, creating the operator and logging in if needed.

    `user_id` is the id remembered in the preferences; with it and a stored token nothing
    is asked of the server. Raises LocalServerError, ClientError or CredentialsUnavailable.
    """
    token = credentials.load_token(LOCAL_PROFILE)
    if token and user_id:
        return ServerProfile(base_url, token, user_id, LOCAL_PROFILE)
    loop = asyncio.get_running_loop()
    username, password = await loop.run_in_executor(_BLOCKING, _ensure_operator_sync, db_url)
    try:
        result = await login(base_url, username, password)
    except BadCredentials:
        # The keyring's password does not match the database (restored backup?): start over.
        credentials.delete_secret(OPERATOR_SECRET)
        username, password = await loop.run_in_executor(_BLOCKING, _ensure_operator_sync, db_url)
        result = await login(base_url, username, password)
    credentials.save_token(LOCAL_PROFILE, result.token)
    return ServerProfile(base_url, result.token, result.user.id, LOCAL_PROFILE)


T = TypeVar("T")


async def off_the_loop(function: Callable[[], T]) -> T:
    """Run a blocking call (keyring, child command) without stalling the UI's loop."""
    return await asyncio.get_running_loop().run_in_executor(_BLOCKING, function)


def forget_local_token() -> None:
    """After the server refused the token (UNAUTHORIZED): the next provisioning logs in again."""
    credentials.delete_token(LOCAL_PROFILE)
