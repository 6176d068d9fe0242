"""What the desktop app does after a console ends (`flow.next_step`), one test per
transition, and where it starts (`flow.first_step`): plain function calls, no window."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from sportello.app.flow import (
    AskSignIn,
    ConsoleEnd,
    DeskFacts,
    End,
    OpenConsole,
    OpenStored,
    StartLocal,
    first_step,
    next_step,
)
from sportello.client.records import ServerProfile
from sportello.ui.login_dialog import session_ended_notice
from sportello.ui.preferences import Preferences, ProfileRecord

SEDE = ServerProfile("https://sede.example", "tok", "u1", "Sede")
SEDE_RECORD = ProfileRecord("Sede", "https://sede.example", "mario", "u1")
REMOTE = OpenConsole(SEDE)
LOCAL = OpenConsole(ServerProfile("http://127.0.0.1:3200", "tok", "u9", "local"), local=True)
FROM_ENV = OpenConsole(SEDE, from_env=True)
ALONE = DeskFacts(record=SEDE_RECORD, others=(), local_port=3200)
WITH_OTHERS = DeskFacts(record=SEDE_RECORD, others=("Filiale", "Magazzino"), local_port=3200)


@pytest.mark.parametrize("step", [REMOTE, LOCAL, FROM_ENV])
def test_quitting_the_console_quits_the_app(step: OpenConsole) -> None:
    assert next_step(ConsoleEnd(End.QUIT), step, WITH_OTHERS) is None


@pytest.mark.parametrize("step", [REMOTE, LOCAL])
def test_switching_opens_the_chosen_profile_at_the_chosen_conversation(step: OpenConsole) -> None:
    end = ConsoleEnd(End.SWITCH, "Filiale", "c-42")
    assert next_step(end, step, ALONE) == OpenStored("Filiale", "c-42")


def test_reopening_a_remote_console_opens_the_same_console_again() -> None:
    assert next_step(ConsoleEnd(End.REOPEN), REMOTE, ALONE) is REMOTE


def test_reopening_the_local_console_restarts_the_local_server_on_the_chosen_port() -> None:
    facts = DeskFacts(record=None, others=(), local_port=4100)
    assert next_step(ConsoleEnd(End.REOPEN), LOCAL, facts) == StartLocal(4100)


@pytest.mark.parametrize("step", [REMOTE, LOCAL, FROM_ENV])
def test_logging_out_with_other_profiles_connected_shows_the_first_of_them(
    step: OpenConsole,
) -> None:
    assert next_step(ConsoleEnd(End.LOGOUT), step, WITH_OTHERS) == OpenStored("Filiale")


def test_logging_out_of_the_last_remote_profile_asks_to_sign_in_to_it_again() -> None:
    assert next_step(ConsoleEnd(End.LOGOUT), REMOTE, ALONE) == AskSignIn(SEDE_RECORD)


def test_logging_out_of_the_local_server_asks_for_a_sign_in_without_a_profile() -> None:
    assert next_step(ConsoleEnd(End.LOGOUT), LOCAL, ALONE) == AskSignIn(None)


@pytest.mark.parametrize("step", [REMOTE, FROM_ENV])
def test_a_refused_token_asks_to_sign_in_again_and_says_the_session_ended(
    step: OpenConsole,
) -> None:
    assert next_step(ConsoleEnd(End.REVOKED), step, WITH_OTHERS) == AskSignIn(
        SEDE_RECORD, session_ended_notice()
    )


def test_a_refused_local_token_restarts_the_local_server_with_a_fresh_login() -> None:
    facts = DeskFacts(record=None, others=("Sede",), local_port=4100)
    assert next_step(ConsoleEnd(End.REVOKED), LOCAL, facts) == StartLocal(4100, fresh_login=True)


@pytest.mark.parametrize("kind", list(End))
def test_every_end_has_a_next_step_from_every_kind_of_console(kind: End) -> None:
    for step in (REMOTE, LOCAL, FROM_ENV):
        for facts in (ALONE, WITH_OTHERS):
            outcome = next_step(ConsoleEnd(kind, "Filiale"), step, facts)
            assert outcome is None or isinstance(
                outcome, AskSignIn | OpenStored | StartLocal | OpenConsole
            )
            assert (outcome is None) == (kind is End.QUIT)


# ---- where the app starts ---------------------------------------------------------------


@pytest.fixture
def preferences(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Preferences:
    for name in ("SPORTELLO_URL", "SPORTELLO_TOKEN", "SPORTELLO_USER_ID", "SPORTELLO_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    return Preferences(QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat))


def test_a_server_in_the_environment_opens_its_console_directly(
    preferences: Preferences, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPORTELLO_URL", "https://sede.example/")
    monkeypatch.setenv("SPORTELLO_TOKEN", "tok")
    step = first_step(preferences, "Sede", local=True, smoke_test=False)
    assert step == OpenConsole(
        ServerProfile("https://sede.example", "tok", "", "Sede"), from_env=True
    )


def test_a_url_without_a_token_in_the_environment_asks_to_sign_in_and_says_why(
    preferences: Preferences, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPORTELLO_URL", "https://sede.example")
    step = first_step(preferences, None, local=False, smoke_test=False)
    assert isinstance(step, AskSignIn) and "SPORTELLO_TOKEN" in step.notice


def test_local_mode_starts_the_local_server_on_the_saved_port(preferences: Preferences) -> None:
    preferences.local_port = 4100
    assert first_step(preferences, None, local=True, smoke_test=False) == StartLocal(4100)


def test_an_unknown_profile_asks_to_sign_in_and_names_it(preferences: Preferences) -> None:
    step = first_step(preferences, "Nowhere", local=False, smoke_test=False)
    assert isinstance(step, AskSignIn) and "Nowhere" in step.notice


def test_the_last_used_profile_opens_at_start_else_the_sign_in(preferences: Preferences) -> None:
    assert first_step(preferences, None, local=False, smoke_test=False) == AskSignIn()
    preferences.save_profile(SEDE_RECORD)
    preferences.save_profile(ProfileRecord("Filiale", "https://filiale.example"))
    preferences.last_profile = "Sede"
    assert first_step(preferences, None, local=False, smoke_test=False) == OpenStored("Sede")
    assert first_step(preferences, "Filiale", local=False, smoke_test=False) == OpenStored(
        "Filiale"
    )
