"""Typed UI preferences over QSettings: profiles (never their tokens), alerts, language, rules.

Secrets live in the OS keyring (`sportello.desktop.credentials`), paths come from platformdirs;
this module holds only what the operator chose. Every getter returns a sane default for a
missing or damaged value, so a hand-edited settings file cannot crash the app.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QSettings

from sportello.desktop.local_gateway import GatewaySettings

ORGANIZATION = "Sportello"
APPLICATION = "Sportello"
DEFAULT_LOCAL_PORT = 3200

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")  # a flat dataclass of settings


class ProfileKind(StrEnum):
    REMOTE = "remote"  # a Sportello server (or the seed back end) somewhere on the network
    LOCAL = "local"  # the embedded server this app supervises


class Language(StrEnum):
    SYSTEM = "system"
    ITALIAN = "it"
    ENGLISH = "en"


@dataclass(frozen=True, slots=True)
class ProfileRecord:
    """A server profile as remembered: where and as whom. The token is in the keyring."""

    name: str
    url: str
    username: str = ""
    user_id: str = ""
    kind: ProfileKind = ProfileKind.REMOTE


@dataclass(frozen=True, slots=True)
class NotificationPreferences:
    """The operator's alert choices (Settings > Notifications), persisted under "notifications"."""

    enabled: bool = True
    sound: bool = True
    volume: int = 80  # percent
    only_new_tickets: bool = False
    quiet_hours: bool = False
    quiet_start: str = "22:00"
    quiet_end: str = "07:00"
    # Escalating alerts: re-alert an unopened ticket every N seconds per priority (0 = off).
    remind_urgent: int = 30
    remind_high: int = 120
    remind_medium: int = 600
    remind_low: int = 0
    urgent_ignores_quiet: bool = True  # URGENT reminders ring through pause and quiet hours


@dataclass(frozen=True, slots=True)
class AlertPreferences:
    """Tray-owned state persisted under "alerts": the pause (ISO local time, "" = none)."""

    paused_until: str = ""


def _to_bool(value: Any, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("true", "1", "yes", "on"):
            return True
        if word in ("false", "0", "no", "off"):
            return False
    if isinstance(value, int):
        return bool(value)
    return default


def _convert(value: Any, kind: Any, default: Any) -> Any:
    """QSettings' INI backend gives strings back: turn them into the field's type."""
    if value is None:
        return default
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        if value in ("", "@Invalid()"):
            return None
        return _convert(value, options[0], default) if options else default
    try:
        if kind is bool:
            return _to_bool(value, default)
        if kind is int:
            return int(value)
        if kind is float:
            return float(value)
        if kind is str:
            return str(value)
        if isinstance(kind, type) and issubclass(kind, StrEnum):
            return kind(str(value))
    except (TypeError, ValueError):
        return default
    return value if isinstance(value, type(default)) else default


def _store(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return value.value
    if value is None:
        return ""
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


class Preferences:
    """The operator's choices, read and written through one QSettings object."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self.settings = settings or QSettings(
            QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
        )

    def sync(self) -> None:
        self.settings.sync()

    # ---- profiles -----------------------------------------------------------------------

    def profiles(self) -> list[ProfileRecord]:
        s = self.settings
        count = s.beginReadArray("profiles")
        found: list[ProfileRecord] = []
        for i in range(count):
            s.setArrayIndex(i)
            name, url = str(s.value("name", "") or ""), str(s.value("url", "") or "")
            if not name or not url:
                continue
            found.append(
                ProfileRecord(
                    name=name,
                    url=url,
                    username=str(s.value("username", "") or ""),
                    user_id=str(s.value("user_id", "") or ""),
                    kind=_convert(s.value("kind"), ProfileKind, ProfileKind.REMOTE),
                )
            )
        s.endArray()
        return found

    def profile(self, name: str) -> ProfileRecord | None:
        return next((p for p in self.profiles() if p.name == name), None)

    def save_profile(self, record: ProfileRecord) -> None:
        """Add or replace (by name) a profile."""
        others = [p for p in self.profiles() if p.name != record.name]
        self._write_profiles([*others, record])

    def remove_profile(self, name: str) -> None:
        self._write_profiles([p for p in self.profiles() if p.name != name])
        if self.last_profile == name:
            self.last_profile = ""

    def _write_profiles(self, records: list[ProfileRecord]) -> None:
        s = self.settings
        s.remove("profiles")
        s.beginWriteArray("profiles", len(records))
        for i, record in enumerate(records):
            s.setArrayIndex(i)
            for f in dataclasses.fields(record):
                s.setValue(f.name, _store(getattr(record, f.name)))
        s.endArray()
        s.sync()

    @property
    def last_profile(self) -> str:
        return str(self.settings.value("session/last_profile", "") or "")

    @last_profile.setter
    def last_profile(self, name: str) -> None:
        self.settings.setValue("session/last_profile", name)

    @property
    def connected_profiles(self) -> list[str]:
        """Profiles connected when the app last quit: they reconnect in the background."""
        raw = self.settings.value("session/connected_profiles", "")
        try:
            names = json.loads(str(raw)) if raw else []
        except ValueError:
            return []
        if not isinstance(names, list):
            return []
        return [n for n in names if isinstance(n, str) and n]

    @connected_profiles.setter
    def connected_profiles(self, names: list[str]) -> None:
        # JSON rather than a QSettings list: the INI backend mangles one-item lists.
        self.settings.setValue("session/connected_profiles", json.dumps(list(names)))
        self.settings.sync()

    # ---- simple values ------------------------------------------------------------------

    @property
    def language(self) -> Language:
        return _convert(self.settings.value("general/language"), Language, Language.SYSTEM)  # type: ignore[no-any-return]

    @language.setter
    def language(self, value: Language) -> None:
        self.settings.setValue("general/language", value.value)

    @property
    def start_at_login(self) -> bool:
        return _to_bool(self.settings.value("general/start_at_login"), False)

    @start_at_login.setter
    def start_at_login(self, value: bool) -> None:
        self.settings.setValue("general/start_at_login", value)

    @property
    def rules_file(self) -> Path | None:
        raw = str(self.settings.value("local_server/rules_file", "") or "")
        return Path(raw) if raw else None

    @rules_file.setter
    def rules_file(self, value: Path | None) -> None:
        self.settings.setValue("local_server/rules_file", str(value) if value else "")

    @property
    def local_port(self) -> int:
        port = _convert(self.settings.value("local_server/port"), int, DEFAULT_LOCAL_PORT)
        return port if isinstance(port, int) and 0 < port < 65536 else DEFAULT_LOCAL_PORT

    @local_port.setter
    def local_port(self, value: int) -> None:
        self.settings.setValue("local_server/port", int(value))

    @property
    def local_intro_shown(self) -> bool:
        """The webhook address and secret were shown once after local mode first started."""
        return _to_bool(self.settings.value("local_server/intro_shown"), False)

    @local_intro_shown.setter
    def local_intro_shown(self, value: bool) -> None:
        self.settings.setValue("local_server/intro_shown", value)

    @property
    def close_to_tray_hint_shown(self) -> bool:
        return _to_bool(self.settings.value("general/close_to_tray_hint_shown"), False)

    @close_to_tray_hint_shown.setter
    def close_to_tray_hint_shown(self, value: bool) -> None:
        self.settings.setValue("general/close_to_tray_hint_shown", value)

    # ---- grouped dataclasses (alerts) ---------------------------------------------------

    def load_group(self, group: str, cls: type[T]) -> T:
        """A flat dataclass from QSettings group `group`; missing/bad fields take defaults."""
        default = cls()
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        self.settings.beginGroup(group)
        try:
            for f in dataclasses.fields(cls):
                if self.settings.contains(f.name):
                    fallback = getattr(default, f.name)
                    raw = self.settings.value(f.name)
                    values[f.name] = _convert(raw, hints.get(f.name, str), fallback)
        finally:
            self.settings.endGroup()
        return dataclasses.replace(default, **values)

    def save_group(self, group: str, value: DataclassInstance) -> None:
        self.settings.beginGroup(group)
        try:
            for f in dataclasses.fields(value):
                self.settings.setValue(f.name, _store(getattr(value, f.name)))
        finally:
            self.settings.endGroup()
        self.settings.sync()

    def notifications(self) -> NotificationPreferences:
        return self.load_group("notifications", NotificationPreferences)

    def save_notifications(self, value: NotificationPreferences) -> None:
        self.save_group("notifications", value)

    def local_gateway(self) -> GatewaySettings:
        """Local-server mode's gateway, without its secrets (desktop/local_gateway.py)."""
        return self.load_group("local_gateway", GatewaySettings)

    def save_local_gateway(self, value: GatewaySettings) -> None:
        self.save_group("local_gateway", value)

    def load_alerts(self) -> AlertPreferences:
        """The tray's own state (the pause), persisted field by field under "alerts"."""
        return self.load_group("alerts", AlertPreferences)

    def save_alerts(self, value: AlertPreferences) -> None:
        self.save_group("alerts", value)
