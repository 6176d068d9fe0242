"""The NSIS installer compiled from installer.nsi against the staged bundle."""

from __future__ import annotations

from pathlib import Path


def test_installer_was_produced_with_a_sane_size(installer: Path, bundle: Path) -> None:
    assert installer.is_file(), f"no installer at {installer}"
    head = installer.read_bytes()[:2]
    assert head == b"MZ", "not a Windows executable"
    size = installer.stat().st_size
    bundle_size = sum(
        p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink()
    )
    # LZMA-compressed program files: far smaller than the bundle, far larger than a stub.
    assert 10_000_000 < size < bundle_size, (size, bundle_size)
