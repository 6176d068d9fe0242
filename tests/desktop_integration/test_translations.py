"""Every operator-visible string has an Italian translation, compiled and loaded at start."""

from __future__ import annotations

import ast
import importlib.util
import shutil
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale

REPO = Path(__file__).resolve().parents[2]
I18N = REPO / "resources" / "i18n"


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "update_translations", REPO / "scripts" / "update_translations.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["update_translations"] = module
    spec.loader.exec_module(module)
    return module


def test_every_source_string_has_an_italian_translation(tmp_path: Path) -> None:
    """lupdate into a copy of the committed .ts: a new or changed string shows as missing."""
    script = _script()
    copy = tmp_path / "sportello_it.ts"
    shutil.copy(I18N / "sportello_it.ts", copy)
    script.lupdate(copy, "it")
    missing = script.untranslated(copy)
    english = tmp_path / "sportello_en.ts"
    shutil.copy(I18N / "sportello_en.ts", english)
    script.lupdate(english, "en")
    missing += [f"English plural forms: {line}" for line in script.untranslated(english)]
    assert missing == [], (
        f"{len(missing)} string(s) lack an Italian translation; run "
        "`.venv/bin/python scripts/update_translations.py`, translate them in "
        f"resources/i18n/sportello_it.ts and run it again: {missing[:10]}"
    )


def test_the_committed_qm_files_match_their_sources(tmp_path: Path) -> None:
    script = _script()
    for language in ("it", "en"):
        compiled = tmp_path / f"sportello_{language}.qm"
        script.lrelease(I18N / f"sportello_{language}.ts", compiled)
        assert compiled.read_bytes() == (I18N / f"sportello_{language}.qm").read_bytes(), (
            f"sportello_{language}.qm is stale: run scripts/update_translations.py"
        )


def test_no_translation_wrapper_hides_strings_from_lupdate() -> None:
    """lupdate sees `tr(...)`, `x.tr(...)` and `translate("Ctx", ...)` calls, not `_t(...)`."""
    offenders = []
    for path in _script().sources():  # the modules whose strings the operator sees
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef) or node.name == "tr":
                continue
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "translate"
                    and len(call.args) >= 2
                    and not isinstance(call.args[1], ast.Constant)
                ):
                    offenders.append(f"{path.name}: {node.name}()")
    assert offenders == [], (
        "these functions translate a variable, so their callers' strings never reach the .ts "
        f"files; call `tr(...)` from sportello.ui.labels instead: {offenders}"
    )


@pytest.mark.parametrize(
    ("preference", "system", "expected"),
    [
        ("system", "it_IT", "it"),
        ("system", "it_CH", "it"),
        ("system", "en_GB", "en"),
        ("system", "de_DE", "en"),
        ("it", "en_US", "it"),
        ("en", "it_IT", "en"),
    ],
)
def test_the_language_follows_the_system_locale_unless_chosen(
    preference: str, system: str, expected: str
) -> None:
    from sportello.ui.i18n import pick_language

    assert pick_language(preference, QLocale(system)) == expected


def test_italian_is_loaded_and_can_be_switched_back(qapp: QCoreApplication) -> None:
    from sportello.ui.i18n import install_translators
    from sportello.ui.labels import priority_label
    from sportello.ui.login_dialog import LoginDialog, session_ended_notice
    from sportello.ui.preferences import Preferences

    try:
        assert install_translators(qapp, "it") == "it"
        assert QCoreApplication.translate("LoginDialog", "Connect") == "Accedi"
        assert session_ended_notice().startswith("Il server ha chiuso la tua sessione")
        from sportello.domain.values import Priority

        assert priority_label(Priority.URGENT) == "Urgente"  # bare tr() in a module
        dialog = LoginDialog(Preferences())
        assert dialog.windowTitle() == "Sportello: accesso"
        dialog.deleteLater()
    finally:
        assert install_translators(qapp, "en") == "en"
    assert QCoreApplication.translate("LoginDialog", "Connect") == "Connect"
