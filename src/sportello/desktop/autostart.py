"""Start Sportello when the user logs in: Windows Run key, XDG autostart, macOS LaunchAgent.

One class per platform mechanism, each with `enabled()`, `enable(command)`, `disable()`;
`for_this_platform()` picks the right one. Paths are injectable so tests run anywhere.
"""

from __future__ import annotations

import os
import plistlib
import shlex
import sys
from pathlib import Path
from typing import Any, Protocol

APP_NAME = "Sportello"
DESKTOP_FILE = "sportello.desktop"
LAUNCH_AGENT_LABEL = "app.sportello.desktop"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
START_HIDDEN_FLAG = "--minimized"


class AutostartError(Exception):
    """Start at login could not be changed: one line why (English, for the log)."""

    code = "autostart_failed"  # what the UI shows: ui/error_texts.py


def launch_command() -> list[str]:
    """argv that starts the desktop app: the frozen executable, or this Python with -m."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "sportello"]


def autostart_command() -> list[str]:
    """What runs at login: the app, starting in the tray when there is one."""
    return [*launch_command(), START_HIDDEN_FLAG]


class Autostart(Protocol):
    def enabled(self) -> bool: ...
    def enable(self, command: list[str] | None = None) -> None: ...
    def disable(self) -> None: ...


class XdgAutostart:
    """`~/.config/autostart/sportello.desktop` (freedesktop.org Desktop Application Autostart)."""

    def __init__(self, config_home: Path | None = None) -> None:
        base = config_home or Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        self.path = base / "autostart" / DESKTOP_FILE

    def enabled(self) -> bool:
        if not self.path.exists():
            return False
        text = self.path.read_text(encoding="utf-8", errors="replace")
        return "Hidden=true" not in text and "X-GNOME-Autostart-enabled=false" not in text

    def enable(self, command: list[str] | None = None) -> None:
        exec_line = " ".join(_desktop_quote(arg) for arg in (command or autostart_command()))
        text = (
            "[Desktop Entry]\n"
            "Type=Application\n"
            f"Name={APP_NAME}\n"
            "Comment=WhatsApp customer support console\n"
            f"Exec={exec_line}\n"
            "Terminal=false\n"
            "X-GNOME-Autostart-enabled=true\n"
        )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise AutostartError(f"cannot write {self.path}: {exc.strerror or exc}") from exc

    def disable(self) -> None:
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            raise AutostartError(f"cannot remove {self.path}: {exc.strerror or exc}") from exc


def _desktop_quote(arg: str) -> str:
    # The Exec key wants double quotes with \", \`, \$ and \\ escaped when needed.
    if arg and all(c.isalnum() or c in "-_./=:+," for c in arg):
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return f'"{escaped}"'


class LaunchAgent:
    """`~/Library/LaunchAgents/<label>.plist` with RunAtLoad (macOS)."""

    def __init__(self, home: Path | None = None) -> None:
        self.path = (
            (home or Path.home()) / "Library" / "LaunchAgents" / (LAUNCH_AGENT_LABEL + ".plist")
        )

    def enabled(self) -> bool:
        return self.path.exists()

    def enable(self, command: list[str] | None = None) -> None:
        plist = {
            "Label": LAUNCH_AGENT_LABEL,
            "ProgramArguments": command or autostart_command(),
            "RunAtLoad": True,
            "ProcessType": "Interactive",
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "wb") as f:
                plistlib.dump(plist, f)
        except OSError as exc:
            raise AutostartError(f"cannot write {self.path}: {exc.strerror or exc}") from exc

    def disable(self) -> None:
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            raise AutostartError(f"cannot remove {self.path}: {exc.strerror or exc}") from exc


class WindowsRunKey:
    """Value "Sportello" under HKCU\\...\\CurrentVersion\\Run. `registry` is winreg or a fake."""

    def __init__(self, registry: Any = None) -> None:
        if registry is None:
            import winreg  # only on Windows

            registry = winreg
        self.reg = registry

    def enabled(self) -> bool:
        try:
            with self.reg.OpenKey(self.reg.HKEY_CURRENT_USER, RUN_KEY) as key:
                self.reg.QueryValueEx(key, APP_NAME)
        except OSError:  # FileNotFoundError: no such value
            return False
        return True

    def enable(self, command: list[str] | None = None) -> None:
        value = _windows_command_line(command or autostart_command())
        try:
            with self.reg.CreateKeyEx(
                self.reg.HKEY_CURRENT_USER, RUN_KEY, 0, self.reg.KEY_SET_VALUE
            ) as key:
                self.reg.SetValueEx(key, APP_NAME, 0, self.reg.REG_SZ, value)
        except OSError as exc:
            raise AutostartError(f"cannot write the Run registry key: {exc}") from exc

    def disable(self) -> None:
        try:
            with self.reg.OpenKey(
                self.reg.HKEY_CURRENT_USER, RUN_KEY, 0, self.reg.KEY_SET_VALUE
            ) as key:
                self.reg.DeleteValue(key, APP_NAME)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise AutostartError(f"cannot change the Run registry key: {exc}") from exc


def _windows_command_line(args: list[str]) -> str:
    import subprocess

    return subprocess.list2cmdline(args)


def for_this_platform(platform: str = sys.platform) -> Autostart:
    """The autostart mechanism of the running OS."""
    if platform.startswith("win"):
        return WindowsRunKey()
    if platform == "darwin":
        return LaunchAgent()
    return XdgAutostart()


def describe(command: list[str] | None = None) -> str:
    """The command line that will run at login, for display."""
    return shlex.join(command or autostart_command())
