"""pyproject's dependencies name what the code really needs, checked against what is installed."""

from __future__ import annotations

import tomllib
from importlib.metadata import metadata, requires
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _dependencies() -> dict[str, Requirement]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    requirements = [Requirement(line) for line in project["dependencies"]]
    return {requirement.name.lower(): requirement for requirement in requirements}


def _floor(requirement: Requirement) -> Version:
    [floor] = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
    return floor


def test_every_extra_named_is_one_its_package_provides():
    for requirement in _dependencies().values():
        provided = metadata(requirement.name).get_all("Provides-Extra") or []
        for extra in requirement.extras:
            assert extra in provided, f"{requirement}: {requirement.name} provides {provided}"


def test_what_the_asyncio_socketio_client_needs_is_declared():
    # socketio.AsyncClient runs on python-engineio's asyncio client; the versions it needs
    # are those of engineio's 'asyncio-client' extra.
    ours = _dependencies()
    engineio = [Requirement(line) for line in requires("python-engineio") or []]
    needs = [r for r in engineio if r.marker and r.marker.evaluate({"extra": "asyncio-client"})]
    assert needs, "python-engineio no longer declares what its asyncio client needs"
    for need in needs:
        assert need.name.lower() in ours, f"{need} is not a dependency of ours"
        floor = _floor(ours[need.name.lower()])
        assert need.specifier.contains(floor), f"ours allows {need.name} {floor}; needs {need}"
