"""Secrets in the OS keyring (service "Sportello"): API tokens per profile, local-server secrets.

Tokens and secrets never go to QSettings or logs: this module is their only door.
The keyring backend is whatever the OS offers (Windows Credential Locker, macOS Keychain,
Secret Service on Linux); tests pick a file backend in a temp dir with `keyring.set_keyring`
or `PYTHON_KEYRING_BACKEND`, the product never chooses one.

One exception, for local-server mode only: when no keyring works (a Linux desktop without
GNOME Keyring or KWallet), the secrets of the server the app runs itself (its token, its
operator's password, its webhook secret) go to a 0600 file beside the local database,
which holds every message anyway. A remote server's token never goes to a file.
"""

from __future__ import annotations

import logging
from pathlib import Path

import keyring
from keyring.errors import KeyringError, NoKeyringError, PasswordDeleteError

from sportello.desktop.paths import local_secrets_path
from sportello.desktop.secret_file import SecretFile

log = logging.getLogger(__name__)

SERVICE = "Sportello"
_TOKEN_PREFIX = "token:"
_SECRET_PREFIX = "secret:"

LOCAL_PROFILE = "local"  # the profile of the server this app runs on this computer
WEBHOOK_SECRET = "local-webhook-secret"


class CredentialsUnavailable(Exception):
    """The OS keyring cannot be used (none installed, locked, refused): one line why."""

    code = "keyring_unavailable"  # what the UI shows: ui/error_texts.py


def _entry_token(profile_name: str) -> str:
    return _TOKEN_PREFIX + profile_name


def _is_local(username: str) -> bool:
    """Entries that may fall back to the local secrets file: the local server's own."""
    return username.startswith(_SECRET_PREFIX) or username == _entry_token(LOCAL_PROFILE)


def _local_file() -> SecretFile:
    return SecretFile(local_secrets_path())


def _keyring_get(username: str) -> str | None:
    try:
        return keyring.get_password(SERVICE, username)
    except NoKeyringError as exc:
        raise CredentialsUnavailable(_no_keyring_message()) from exc
    except KeyringError as exc:
        raise CredentialsUnavailable(f"cannot read from the system keyring: {exc}") from exc


def _keyring_set(username: str, value: str) -> None:
    try:
        keyring.set_password(SERVICE, username, value)
    except NoKeyringError as exc:
        raise CredentialsUnavailable(_no_keyring_message()) from exc
    except KeyringError as exc:
        raise CredentialsUnavailable(f"cannot write to the system keyring: {exc}") from exc


def _keyring_delete(username: str) -> bool:
    try:
        keyring.delete_password(SERVICE, username)
    except PasswordDeleteError:
        return False  # nothing stored: logging out twice is not an error
    except NoKeyringError as exc:
        raise CredentialsUnavailable(_no_keyring_message()) from exc
    except KeyringError as exc:
        raise CredentialsUnavailable(f"cannot delete from the system keyring: {exc}") from exc
    return True


def _get(username: str) -> str | None:
    if not _is_local(username):
        return _keyring_get(username)
    # What went to the file went there because the keyring failed: it is the newest copy.
    stored = _local_file().read().get(username)
    if stored is not None:
        return stored
    try:
        return _keyring_get(username)
    except CredentialsUnavailable as exc:
        log.info("local secret %s: %s; none in %s either", username, exc, local_secrets_path())
        return None


def _set(username: str, value: str) -> None:
    if not value:
        raise ValueError("refusing to store an empty secret")
    if not _is_local(username):
        _keyring_set(username, value)
        return
    file = _local_file()
    stored = file.read()
    try:
        _keyring_set(username, value)
    except CredentialsUnavailable as exc:
        log.warning("%s: keeping local secret %s in %s (0600)", exc, username, file.path)
        file.write({**stored, username: value})
        return
    if username in stored:  # the keyring works again: the file's copy is stale now
        del stored[username]
        file.write(stored)


def _delete(username: str) -> bool:
    if not _is_local(username):
        return _keyring_delete(username)
    file = _local_file()
    stored = file.read()
    in_file = stored.pop(username, None) is not None
    if in_file:
        file.write(stored)
    try:
        return _keyring_delete(username) or in_file
    except CredentialsUnavailable:
        return in_file


def _no_keyring_message() -> str:
    return (
        "no system keyring is available to store the login token "
        "(on Linux install and unlock a Secret Service provider such as GNOME Keyring or KWallet)"
    )


def keyring_available() -> bool:
    """True when the keyring backend can store secrets (a quick probe, no write)."""
    try:
        backend = keyring.get_keyring()
    except KeyringError:
        return False
    priority = getattr(backend, "priority", 1)
    return not (isinstance(priority, (int, float)) and priority <= 0)


def local_secrets_file() -> Path | None:
    """The file holding local-mode secrets because the keyring failed, or None (keyring)."""
    file = _local_file()
    return file.path if file.read() else None


def save_token(profile_name: str, token: str) -> None:
    """Store the API token of a server profile (replaces the previous one)."""
    _set(_entry_token(profile_name), token)


def load_token(profile_name: str) -> str | None:
    """The stored token of a profile, or None when logged out."""
    return _get(_entry_token(profile_name))


def delete_token(profile_name: str) -> bool:
    """Forget a profile's token (logout). True when one was stored."""
    return _delete(_entry_token(profile_name))


def save_secret(name: str, value: str) -> None:
    """Store a named secret of the local server (e.g. its webhook secret)."""
    _set(_SECRET_PREFIX + name, value)


def load_secret(name: str) -> str | None:
    return _get(_SECRET_PREFIX + name)


def delete_secret(name: str) -> bool:
    return _delete(_SECRET_PREFIX + name)
