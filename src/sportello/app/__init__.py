"""Wiring of the desktop app: QApplication, the qasync loop, sign-in, local server, console.

The only package that knows every piece. `run_app` (run.py) builds the app and runs
`Desktop` (desktop.py), which walks the steps of flow.py: sign in (sign_in.py), open a
stored profile, start the local server (local_mode.py), run the console (console.py, its
dialogs in console_dialogs.py); `flow.next_step` says what follows a console.
Profiles kept connected across runs: reconnect.py.
"""

from sportello.app.console import ConsoleSession, console_role, follow_role
from sportello.app.desktop import Desktop
from sportello.app.flow import (
    AskSignIn,
    ConsoleEnd,
    DeskFacts,
    End,
    OpenConsole,
    OpenStored,
    ProfileProblem,
    StartLocal,
    Step,
    first_step,
    next_step,
    resolve_profile,
)
from sportello.app.run import run_app

__all__ = [
    "AskSignIn",
    "ConsoleEnd",
    "ConsoleSession",
    "DeskFacts",
    "Desktop",
    "End",
    "OpenConsole",
    "OpenStored",
    "ProfileProblem",
    "StartLocal",
    "Step",
    "console_role",
    "first_step",
    "follow_role",
    "next_step",
    "resolve_profile",
    "run_app",
]
