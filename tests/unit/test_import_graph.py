"""The import graph of src/sportello, measured by scripts/import_arrows.py: no module
imports itself back through others, and the bottom rooms import nothing above them."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "import_arrows.py"


def _arrows() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_arrows", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_module_imports_itself_back_at_run_time():
    arrows = _arrows()
    assert arrows.import_cycles(arrows.module_imports(with_type_checking=False)) == []


def test_no_cycle_even_through_type_checking_imports():
    # A cycle only under TYPE_CHECKING still means two objects that need each other, which
    # is how the server's context grew fields set to None and filled in later.
    arrows = _arrows()
    assert arrows.import_cycles(arrows.module_imports(with_type_checking=True)) == []


def test_system_imports_nothing_of_ours_and_desktop_no_ui_server_or_store():
    arrows = _arrows()
    found = {(a, b) for a, b, *_ in arrows.collect()}
    assert {b for a, b in found if a == "System"} == set()
    assert {b for a, b in found if a == "Desktop"} <= {"Client", "System"}


def test_a_cycle_is_found_when_there_is_one():
    arrows = _arrows()
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert arrows.import_cycles(graph) == [["a", "b", "c"]]


def test_ui_imports_nothing_from_the_wiring_and_takes_no_untyped_host():
    # The app object is the Wiring's: a UI class handed it as `Any` (as AlertsAttachment was)
    # reaches into it unchecked. Bare `Any` parameters in ui/ are only the settings values
    # that QSettings hands back untyped.
    arrows = _arrows()
    assert {b for a, b, *_ in arrows.collect() if a == "UI"} <= {"Client", "Desktop", "Domain"}
    untyped = []
    for path in sorted((SCRIPT.parents[1] / "src" / "sportello" / "ui").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for arg in [*node.args.args, *node.args.kwonlyargs]:
                    if isinstance(arg.annotation, ast.Name) and arg.annotation.id == "Any":
                        untyped.append(f"{path.name}:{node.lineno} {node.name}({arg.arg})")
    assert all(u.startswith("preferences.py:") for u in untyped), untyped
