"""Secrets in the OS keyring (service "Sportello"): API tokens per profile, local-server secrets.

Tokens and secrets never go to QSettings, files or logs: this module is their only door.
The keyring backend is whatever the OS offers (Windows Credential Locker, macOS Keychain,
Secret Service on Linux); tests pick a file backend in a temp dir with `keyring.set_keyring`
or `PYTHON_KEYRING_BACKEND`, the product never chooses one.
"""

from __future__ import annotations

import keyring
from keyring.errors import KeyringError, NoKeyringError, PasswordDeleteError

SERVICE = "Sportello"
_TOKEN_PREFIX = "token:"
_SECRET_PREFIX = "secret:"

WEBHOOK_SECRET = "local-webhook-secret"


class CredentialsUnavailable(Exception):
    """The OS keyring cannot be used (none installed, locked, refused): one line why."""


def _entry_token(profile_name: str) -> str:
    return _TOKEN_PREFIX + profile_name


def _get(username: str) -> str | None:
    try:
        return keyring.get_password(SERVICE, username)
    except NoKeyringError as exc:
        raise CredentialsUnavailable(_no_keyring_message()) from exc
    except KeyringError as exc:
        raise CredentialsUnavailable(f"cannot read from the system keyring: {exc}") from exc


def _set(username: str, value: str) -> None:
    if not value:
        raise ValueError("refusing to store an empty secret")
    try:
        keyring.set_password(SERVICE, username, value)
    except NoKeyringError as exc:
        raise CredentialsUnavailable(_no_keyring_message()) from exc
    except KeyringError as exc:
        raise CredentialsUnavailable(f"cannot write to the system keyring: {exc}") from exc


def _delete(username: str) -> bool:
    try:
        keyring.delete_password(SERVICE, username)
    except PasswordDeleteError:
        return False  # nothing stored: logging out twice is not an error
    except NoKeyringError as exc:
        raise CredentialsUnavailable(_no_keyring_message()) from exc
    except KeyringError as exc:
        raise CredentialsUnavailable(f"cannot delete from the system keyring: {exc}") from exc
    return True


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
    """Store a named secret (e.g. the local server's webhook secret)."""
    _set(_SECRET_PREFIX + name, value)


def load_secret(name: str) -> str | None:
    return _get(_SECRET_PREFIX + name)


def delete_secret(name: str) -> bool:
    return _delete(_SECRET_PREFIX + name)
