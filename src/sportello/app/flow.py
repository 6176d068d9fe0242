"""The desktop app's steps, and the pure rules that choose the first and the next one.

`Desktop.run` walks from one step to the next: ask the operator to sign in (`AskSignIn`),
open a stored profile (`OpenStored`), start the local server (`StartLocal`), run the
console (`OpenConsole`). A console ends with a `ConsoleEnd`; `next_step` turns it into the
next step from the few facts it depends on (`DeskFacts`), so every transition is a plain
function call to test (tests/unit/test_next_step.py). What an end does on the way (a token
deleted, a session ended on the server) is the desktop's, done before `next_step` is asked.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from sportello.client.records import ServerProfile
from sportello.ui.labels import tr
from sportello.ui.login_dialog import session_ended_notice
from sportello.ui.preferences import Preferences, ProfileRecord


@dataclass(frozen=True, slots=True)
class AskSignIn:
    record: ProfileRecord | None = None
    notice: str = ""
    local_port: int | None = None


@dataclass(frozen=True, slots=True)
class OpenStored:
    name: str
    conversation_id: str = ""  # open this conversation once the console shows


@dataclass(frozen=True, slots=True)
class StartLocal:
    port: int
    fresh_login: bool = False  # the stored token was refused: log in again
    ask_gateway: bool = False  # chosen in the sign-in dialog: ask for the WhatsApp gateway


@dataclass(frozen=True, slots=True)
class OpenConsole:
    profile: ServerProfile
    local: bool = False
    from_env: bool = False
    conversation_id: str = ""
    notice: str = ""  # shown in the status bar once the console opens (e.g. sign-in not saved)


Step = AskSignIn | OpenStored | StartLocal | OpenConsole


class End(StrEnum):
    QUIT = "quit"
    LOGOUT = "logout"  # the operator logged out (token deleted)
    REVOKED = "revoked"  # the server refused our token
    SWITCH = "switch"  # open another saved profile
    REOPEN = "reopen"  # language or local-server settings changed


@dataclass(frozen=True, slots=True)
class ConsoleEnd:
    kind: End
    profile_name: str = ""
    conversation_id: str = ""


@dataclass(frozen=True, slots=True)
class DeskFacts:
    """What the step after a console depends on besides how it ended."""

    record: ProfileRecord | None  # the console profile's saved record, if it has one
    others: tuple[str, ...]  # profiles still connected in the background, in order
    local_port: int  # the port local-server mode listens on


def next_step(end: ConsoleEnd, step: OpenConsole, facts: DeskFacts) -> Step | None:
    """The step after the console `step` ended with `end`; None to quit."""
    if end.kind is End.QUIT:
        return None
    if end.kind is End.SWITCH:
        return OpenStored(end.profile_name, end.conversation_id)
    if end.kind is End.REOPEN:
        return StartLocal(facts.local_port) if step.local else step
    if end.kind is End.LOGOUT:
        # Logging out of one server leaves the others connected: show the next one.
        if facts.others:
            return OpenStored(facts.others[0])
        return AskSignIn(None if step.local else facts.record)
    # REVOKED: the server refused the token; retrying it would not help.
    if step.local:
        return StartLocal(facts.local_port, fresh_login=True)
    return AskSignIn(facts.record, session_ended_notice())


class ProfileProblem(Exception):
    """The chosen profile cannot be used; the message says why, in one line."""


def resolve_profile(name: str | None, env: Mapping[str, str] = os.environ) -> ServerProfile | None:
    """The server named by SPORTELLO_URL + SPORTELLO_TOKEN (tests, scripts), else None."""
    url = env.get("SPORTELLO_URL", "").strip()
    token = env.get("SPORTELLO_TOKEN", "").strip()
    if url and token:
        return ServerProfile(
            url=url.rstrip("/"),
            token=token,
            user_id=env.get("SPORTELLO_USER_ID", "").strip(),
            name=name or env.get("SPORTELLO_PROFILE", "") or url,
        )
    if url and not token:
        raise ProfileProblem(
            tr("SPORTELLO_URL is set but SPORTELLO_TOKEN is not: both are needed.")
        )
    return None


def first_step(
    preferences: Preferences, profile: str | None, *, local: bool, smoke_test: bool
) -> Step:
    """Environment profile, `--profile`, `--local`, the last used profile, or sign-in."""
    try:
        env_profile = resolve_profile(profile)
    except ProfileProblem as exc:
        return AskSignIn(notice=str(exc))
    if env_profile is not None:
        return OpenConsole(env_profile, from_env=True)
    if smoke_test:
        # Nothing to talk to: the smoke test still proves the window builds and paints,
        # against a loopback address where no server listens (offline, cached data).
        return OpenConsole(ServerProfile("http://127.0.0.1:9", "smoke-test", "", "smoke"))
    if local:
        return StartLocal(preferences.local_port)
    if profile:
        if preferences.profile(profile) is None:
            notice = tr("No server profile named %1 is configured on this computer.")
            return AskSignIn(notice=notice.replace("%1", profile))
        return OpenStored(profile)
    if preferences.last_profile and preferences.profile(preferences.last_profile):
        return OpenStored(preferences.last_profile)
    return AskSignIn()
