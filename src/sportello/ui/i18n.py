"""Loading the UI translation at start: Italian for an it_* system locale, English otherwise.

Source strings are English (`self.tr("...")`); `resources/i18n/sportello_<lang>.qm` holds
the compiled translations (sources: the .ts files next to them, refreshed by
`scripts/update_translations.py`). A language change in Settings installs the other
translators and the app reopens its window, so every widget is built in the new language.
"""

from __future__ import annotations

import logging
import sys
import weakref
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

log = logging.getLogger(__name__)

SUPPORTED = ("it", "en")
DEFAULT_FOR_ITALIAN_LOCALE = "it"
FALLBACK = "en"


@dataclass(slots=True)
class _Installed:
    translators: list[QTranslator]  # held here so they stay alive while installed
    language: str


# What install_translators put into each application (one in the app, one per test run).
_installed: weakref.WeakKeyDictionary[QCoreApplication, _Installed] = weakref.WeakKeyDictionary()


def translations_dir() -> Path | None:
    """Where the .qm files are: in a PyInstaller bundle, the package, or the checkout."""
    here = Path(__file__).resolve()
    candidates = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.append(Path(bundle) / "resources" / "i18n")
    candidates += [
        here.parents[1] / "resources" / "i18n",  # installed package data
        here.parents[3] / "resources" / "i18n",  # checkout: <repo>/resources/i18n
    ]
    return next((c for c in candidates if (c / "sportello_it.qm").exists()), None)


def pick_language(preference: str = "system", locale: QLocale | None = None) -> str:
    """ "it" or "en": the explicit choice, else Italian for any it_* locale, else English."""
    if preference in SUPPORTED:
        return preference
    name = (locale or QLocale.system()).name()  # e.g. "it_IT", "it_CH", "en_US"
    return DEFAULT_FOR_ITALIAN_LOCALE if name.lower().startswith("it") else FALLBACK


def install_translators(app: QCoreApplication, preference: str = "system") -> str:
    """Install Sportello's and Qt's own translators for the chosen language; returns it."""
    language = pick_language(preference)
    previous = _installed.get(app)
    for old in previous.translators if previous is not None else []:
        app.removeTranslator(old)
    installed: list[QTranslator] = []
    folder = translations_dir()
    ours = QTranslator(app)
    if folder is not None and ours.load(f"sportello_{language}", str(folder)):
        app.installTranslator(ours)
        installed.append(ours)
    else:
        log.warning("no %s translation found (looked in %s)", language, folder)
    qt_own = QTranslator(app)  # standard buttons (OK, Cancel...) and dialogs
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if qt_own.load(f"qtbase_{language}", qt_dir):
        app.installTranslator(qt_own)
        installed.append(qt_own)
    _installed[app] = _Installed(installed, language)
    if language == "it":
        QLocale.setDefault(QLocale(QLocale.Language.Italian, QLocale.Country.Italy))
    else:
        QLocale.setDefault(QLocale.system())  # English words, the operator's own formats
    return language


def current_language() -> str:
    """The language the UI speaks now ("it" or "en"; "en" before any translator)."""
    app = QCoreApplication.instance()
    installed = _installed.get(app) if app is not None else None
    return installed.language if installed is not None else FALLBACK
