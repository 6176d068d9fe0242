"""Build the one-folder Sportello bundle for this OS with PyInstaller and report it as JSON.

    python packaging/build.py               # build dist/sportello/ and print the report
    python packaging/build.py --installer   # ... then compile installer.nsi with makensis
    python packaging/build.py --report-only # only measure an existing dist/sportello/

The version comes from pyproject.toml and is written into the build (a dist-info read by
`sportello --version`, and the Windows version resource); the same script runs on the
release machines (.github/workflows/release.yml) and in CI (.ci/frozen).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PACKAGING = REPO / "packaging"
BUILD = REPO / "build"
GENERATED = BUILD / "generated"
DIST = REPO / "dist"
BUNDLE = DIST / "sportello"
ICONS = REPO / "resources" / "icons"
PUBLISHER = "Sportello"
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


class BuildError(Exception):
    """The build cannot go on: one line saying why."""


def project_version() -> str:
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return str(data["project"]["version"])


def windows_version_tuple(version: str) -> tuple[int, int, int, int]:
    """'1.2.3rc1' -> (1, 2, 3, 0): the Windows resource wants four small integers."""
    numbers = [int(m.group()) for m in map(re.compile(r"^\d+").match, version.split(".")) if m]
    a, b, c, d = (*numbers[:4], 0, 0, 0, 0)[:4]
    return a, b, c, d


def write_generated(version: str) -> None:
    """Files the spec reads: version, dist-info for importlib.metadata, Windows resource."""
    shutil.rmtree(GENERATED, ignore_errors=True)
    GENERATED.mkdir(parents=True)
    (GENERATED / "version.txt").write_text(version + "\n", encoding="utf-8")
    dist_info = GENERATED / f"sportello-{version}.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: sportello\nVersion: {version}\n", encoding="utf-8"
    )
    numbers = windows_version_tuple(version)
    strings = {
        "CompanyName": PUBLISHER,
        "FileDescription": "Sportello",
        "FileVersion": version,
        "InternalName": "sportello",
        "OriginalFilename": "Sportello.exe",
        "ProductName": "Sportello",
        "ProductVersion": version,
        "LegalCopyright": f"© {PUBLISHER}",
    }
    string_structs = ",\n".join(f"        StringStruct({k!r}, {v!r})" for k, v in strings.items())
    (GENERATED / "version_info.txt").write_text(
        "VSVersionInfo(\n"
        f"  ffi=FixedFileInfo(filevers={numbers}, prodvers={numbers}, mask=0x3f, flags=0x0,\n"
        "    OS=0x40004, fileType=0x1, subtype=0x0, date=(0, 0)),\n"
        "  kids=[\n"
        "    StringFileInfo([StringTable('041004B0', [\n"
        f"{string_structs}\n"
        "    ])]),\n"
        "    VarFileInfo([VarStruct('Translation', [0x0410, 1200, 0x0409, 1200])])\n"
        "  ]\n)\n",
        encoding="utf-8",
    )
    write_platform_icons()


def icon_pngs(name: str = "sportello") -> dict[int, Path]:
    """resources/icons/<name>-<size>.png by size."""
    found: dict[int, Path] = {}
    for path in ICONS.glob(f"{name}-*.png"):
        size = path.stem.removeprefix(f"{name}-")
        if size.isdigit():
            found[int(size)] = path
    return dict(sorted(found.items()))


def icon_names() -> list[str]:
    """Icon names in resources/icons: `sportello`, `sportello-alert`, ... (SVG or sized PNG)."""
    names = {p.stem for p in ICONS.glob("*.svg")}
    names |= {p.stem.rsplit("-", 1)[0] for p in ICONS.glob("*-*.png") if p.stem[-1].isdigit()}
    return sorted(names)


def write_platform_icons() -> None:
    """sportello.ico (Windows) / .icns (macOS) from the PNGs, when Pillow is there."""
    pngs = icon_pngs()
    if sys.platform not in ("win32", "darwin") or not pngs:
        return
    try:
        from PIL import Image
    except ImportError:
        print("build: Pillow missing, the executable gets no icon", file=sys.stderr)
        return
    largest = Image.open(pngs[max(pngs)])
    if sys.platform == "win32":
        sizes = [(s, s) for s in (16, 24, 32, 48, 64, 128, 256)]
        largest.save(GENERATED / "sportello.ico", sizes=sizes)
    else:
        largest.save(GENERATED / "sportello.icns")


def run_pyinstaller() -> None:
    env = {**os.environ, "SPORTELLO_BUILD_GENERATED": str(GENERATED)}
    command = [
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
        "--distpath", str(DIST), "--workpath", str(BUILD / "pyinstaller"),
        str(PACKAGING / "sportello.spec"),
    ]  # fmt: skip
    if subprocess.run(command, env=env, cwd=REPO, check=False).returncode != 0:
        raise BuildError("PyInstaller failed (its output is above)")


def stage_linux_desktop_files() -> None:
    """share/applications + share/icons/hicolor in the bundle, and the script installing them."""
    share = BUNDLE / "share"
    shutil.rmtree(share, ignore_errors=True)
    apps = share / "applications"
    apps.mkdir(parents=True)
    shutil.copy2(PACKAGING / "linux" / "sportello.desktop", apps / "sportello.desktop")
    hicolor = share / "icons" / "hicolor"
    for name in icon_names():
        for size, png in icon_pngs(name).items():
            if size in HICOLOR_SIZES:
                target = hicolor / f"{size}x{size}" / "apps"
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(png, target / f"{name}.png")
        svg = ICONS / f"{name}.svg"
        if svg.exists():
            target = hicolor / "scalable" / "apps"
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(svg, target / f"{name}.svg")
    script = BUNDLE / "install-desktop-entry.sh"
    shutil.copy2(PACKAGING / "linux" / "install-desktop-entry.sh", script)
    script.chmod(0o755)


def executable_path() -> Path:
    if sys.platform == "win32":
        return BUNDLE / "Sportello.exe"
    if sys.platform == "darwin" and (DIST / "Sportello.app").exists():
        return DIST / "Sportello.app" / "Contents" / "MacOS" / "sportello"
    return BUNDLE / "sportello"


def bundle_report(version: str, seconds: float | None) -> dict[str, Any]:
    files = [p for p in BUNDLE.rglob("*") if p.is_file() and not p.is_symlink()]
    sizes = sorted(((p.stat().st_size, p) for p in files), reverse=True)
    total = sum(size for size, _ in sizes)
    return {
        "version": version,
        "platform": f"{sys.platform}-{platform.machine()}",
        "bundle": str(BUNDLE),
        "executable": str(executable_path()),
        "size_bytes": total,
        "size_mb": round(total / 1e6, 1),
        "files": len(files),
        "build_seconds": None if seconds is None else round(seconds, 1),
        "largest": [
            {"file": str(p.relative_to(BUNDLE)), "mb": round(size / 1e6, 1)}
            for size, p in sizes[:12]
        ],
    }


def nsis_defines(version: str, out_file: Path) -> list[str]:
    """makensis /D flags: the bundle folder is the installer's input."""
    if sys.platform == "win32":
        app_exe, cli_exe = "Sportello.exe", "sportello-cli.exe"
    else:  # Linux CI: compile-check against the Linux bundle (see installer.nsi's header)
        app_exe = cli_exe = "sportello"
    numbers = ".".join(str(n) for n in windows_version_tuple(version))
    return [
        f"-DVERSION={version}",
        f"-DVERSION_NUMBERS={numbers}",
        f"-DBUNDLE_DIR={BUNDLE}",
        f"-DAPP_EXE={app_exe}",
        f"-DCLI_EXE={cli_exe}",
        f"-DOUTFILE={out_file}",
        *([f"-DICON_FILE={icon}"] if (icon := GENERATED / "sportello.ico").exists() else []),
    ]


def build_installer(version: str) -> Path:
    makensis = shutil.which("makensis")
    if makensis is None:
        raise BuildError("makensis not found: install NSIS 3 (Debian: apt-get install nsis)")
    out_file = DIST / f"Sportello-{version}-setup.exe"
    out_file.unlink(missing_ok=True)
    command = [makensis, "-V2", "-WX", "-INPUTCHARSET", "UTF8", *nsis_defines(version, out_file)]
    command.append(str(REPO / "installer.nsi"))
    if subprocess.run(command, cwd=REPO, check=False).returncode != 0:
        raise BuildError("makensis failed (its output is above)")
    return out_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--installer", action="store_true", help="also compile installer.nsi")
    parser.add_argument(
        "--report-only", action="store_true", help="measure dist/sportello without building"
    )
    args = parser.parse_args(argv)
    version = project_version()
    try:
        seconds: float | None = None
        if not args.report_only:
            started = time.monotonic()
            write_generated(version)
            run_pyinstaller()
            if sys.platform.startswith("linux"):
                stage_linux_desktop_files()
            seconds = time.monotonic() - started
        if not executable_path().exists():
            raise BuildError(f"no bundle at {BUNDLE}: build it first")
        report = bundle_report(version, seconds)
        if args.installer:
            installer = build_installer(version)
            report["installer"] = str(installer)
            report["installer_mb"] = round(installer.stat().st_size / 1e6, 1)
    except BuildError as exc:
        print(f"build: error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
