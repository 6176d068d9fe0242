"""Refresh the translation sources and compile them: resources/i18n/sportello_{it,en}.ts -> .qm.

    .venv/bin/python scripts/update_translations.py          # lupdate + lrelease
    .venv/bin/python scripts/update_translations.py --check  # fail on an untranslated string

`pyside6-lupdate` collects every `self.tr(...)` / `QCoreApplication.translate(...)` string of
the UI modules and the app package into the .ts files, keeping the translations already there;
translate the new ones (Qt Linguist, or by hand: fill `<translation>` and drop
`type="unfinished"`), run this again, and commit both the .ts and the compiled .qm.
The source strings are English, so sportello_en.ts only carries the plural forms
("%n message" / "%n messages"): fill those too.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
I18N = ROOT / "resources" / "i18n"
LANGUAGES = ("it", "en")


def tool(name: str) -> str:
    """The PySide6 tool next to this Python (the venv), else on PATH."""
    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"update_translations: {name} not found (pip install PySide6)")
    return found


def sources(root: Path = ROOT) -> list[Path]:
    """Every Python module whose strings the operator sees."""
    package = root / "src" / "sportello"
    return sorted([*package.joinpath("ui").glob("*.py"), *package.joinpath("app").glob("*.py")])


def lupdate(ts_file: Path, language: str, root: Path = ROOT) -> None:
    args = [
        tool("pyside6-lupdate"),
        *map(str, sources(root)),
        "-no-obsolete",
        "-locations",
        "none",
        "-source-language",
        "en",
        "-target-language",
        language,
    ]
    if language == "en":
        args.append("-pluralonly")
    args += ["-ts", str(ts_file)]
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"update_translations: lupdate failed: {done.stderr.strip()}")


def lrelease(ts_file: Path, qm_file: Path) -> None:
    done = subprocess.run(
        [tool("pyside6-lrelease"), str(ts_file), "-qm", str(qm_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"update_translations: lrelease failed: {done.stderr.strip()}")


def untranslated(ts_file: Path) -> list[str]:
    """`Context: source` of every live message without a finished translation."""
    missing = []
    for context in ET.parse(ts_file).getroot().iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            translation = message.find("translation")
            kind = translation.get("type", "") if translation is not None else "unfinished"
            if kind in ("obsolete", "vanished"):
                continue
            forms = [] if translation is None else translation.findall("numerusform")
            text = (
                "".join(f.text or "" for f in forms)
                if forms
                else (translation.text if translation is not None else "")
            )
            if kind == "unfinished" or not (text or "").strip():
                missing.append(f"{name}: {message.findtext('source', '')}")
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail on an untranslated string")
    args = parser.parse_args(argv)
    I18N.mkdir(parents=True, exist_ok=True)
    for language in LANGUAGES:
        ts_file = I18N / f"sportello_{language}.ts"
        lupdate(ts_file, language)
        lrelease(ts_file, ts_file.with_suffix(".qm"))
    missing = [f"it {line}" for line in untranslated(I18N / "sportello_it.ts")]
    missing += [f"en {line}" for line in untranslated(I18N / "sportello_en.ts")]
    for line in missing:
        print(f"untranslated: {line}", file=sys.stderr)
    print(f"update_translations: {len(missing)} string(s) without a translation")
    return 1 if (args.check and missing) else 0


if __name__ == "__main__":
    sys.exit(main())
