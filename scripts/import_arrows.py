"""Print the import arrows between Sportello's parts, measured from the code.

Every module under src/sportello is parsed with ``ast``; every ``import`` and
``from ... import`` (at module level or inside a function, relative or absolute)
that names a ``sportello`` module is mapped to the part of the importing file and
the part of the imported module. Imports under ``if TYPE_CHECKING:`` are counted
too, and marked. The arrows are then compared with the intended ones in
structure.json (path given as the first argument; default ../shared/structure.json).

    python scripts/import_arrows.py [path/to/structure.json]

Output: the matrix (count of import statements, row imports column), then every
arrow that structure.json does not draw or forbids, with file:line of each import,
then the import cycles between modules (tests/unit/test_import_graph.py keeps them at none).
"""

from __future__ import annotations

import ast
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
PKG = SRC / "sportello"

LAYERS = {
    "domain": "Domain",
    "store": "Store",
    "ingest": "Ingest",
    "server": "Server",
    "client": "Client",
    "ui": "UI",
    "desktop": "Desktop",
    "system": "System",
}
WIRING = {"app", "cli", "__main__", "self_check"}
MODULES = {
    ".".join(
        p.relative_to(SRC).with_suffix("").parts[:-1]
        if p.name == "__init__.py"
        else p.relative_to(SRC).with_suffix("").parts
    )
    for p in PKG.rglob("*.py")
}
ORDER = [
    "System",
    "Domain",
    "Store",
    "Ingest",
    "Server",
    "Client",
    "Desktop",
    "UI",
    "Wiring",
    "Loose",
]


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def part_of(module: str) -> str | None:
    bits = module.split(".")
    if bits[0] != "sportello":
        return None
    if len(bits) == 1:
        return "Loose"  # the package __init__
    head = bits[1]
    if head in LAYERS:
        return LAYERS[head]
    if head in WIRING:
        return "Wiring"
    return "Loose"


def loose_name(module: str) -> str:
    """The top-level module a Loose part name stands for, e.g. sportello.local_server."""
    return ".".join(module.split(".")[:2])


def resolve(node: ast.ImportFrom, here: str, is_pkg: bool) -> list[str]:
    if node.level == 0:
        base = node.module or ""
    else:
        pkg = here.split(".") if is_pkg else here.split(".")[:-1]
        pkg = pkg[: len(pkg) - (node.level - 1)]
        base = ".".join(pkg + ([node.module] if node.module else []))
    # from pkg import name: the target is pkg.name when that is a module of ours
    # (from sportello import credentials), else pkg itself (from sportello import __version__)
    out = []
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        out.append(sub if sub in MODULES else base)
    return out


def type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                for sub in node.body:
                    for inner in ast.walk(sub):
                        if hasattr(inner, "lineno"):
                            lines.add(inner.lineno)
    return lines


def collect() -> list[tuple[str, str, str, str, int, bool]]:
    """(from_part, to_part, from_module, to_module, line, type_checking_only)."""
    found = []
    for path in sorted(PKG.rglob("*.py")):
        here = module_name(path)
        src_part = part_of(here)
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        tc = type_checking_lines(tree)
        rel = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                targets = resolve(node, here, path.name == "__init__.py")
            else:
                continue
            seen = set()
            for target in targets:
                dst_part = part_of(target)
                if dst_part is None or (dst_part == src_part and dst_part != "Loose"):
                    continue
                if dst_part == src_part == "Loose" and loose_name(target) == loose_name(here):
                    continue
                key = (dst_part, target)
                if key in seen:
                    continue
                seen.add(key)
                found.append((src_part, dst_part, rel, target, node.lineno, node.lineno in tc))
    return sorted(found, key=lambda f: (f[2], f[4]))


def module_imports(*, with_type_checking: bool) -> dict[str, set[str]]:
    """Module -> the sportello modules it imports at run time (module level or inside a
    function), plus those under TYPE_CHECKING when asked."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path in sorted(PKG.rglob("*.py")):
        here = module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        tc = type_checking_lines(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                targets = resolve(node, here, path.name == "__init__.py")
            else:
                continue
            if node.lineno in tc and not with_type_checking:
                continue
            graph[here].update(t for t in targets if t in MODULES and t != here)
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(groups)


def main() -> None:
    default = ROOT.parent / "shared" / "structure.json"
    spec_path = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    spec = json.loads(spec_path.read_text()) if spec_path.exists() else {"arrows": [], "never": []}
    drawn = {tuple(a) for a in spec["arrows"]}
    never = {(a, b): why for a, b, why in spec["never"]}

    found = collect()
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for a, b, *_ in found:
        if a != b:
            counts[(a, b)] += 1

    print("| from \\ to | " + " | ".join(ORDER) + " |")
    print("|---|" + "---:|" * len(ORDER))
    for a in ORDER:
        cells = [str(counts.get((a, b), "")) if a != b else "·" for b in ORDER]
        print(f"| **{a}** | " + " | ".join(cells) + " |")

    print("\nLoose modules (sportello.<name>.py beside app.py), who imports them:")
    users: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for a, b, _frm, target, _line, _tc in found:
        if b == "Loose":
            users[loose_name(target)][a] += 1
    for mod in sorted(users):
        print(f"  {mod}: " + ", ".join(f"{p} {n}" for p, n in sorted(users[mod].items())))
    print("Loose modules import:")
    deps: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for a, b, frm, target, _line, _tc in found:
        if a == "Loose":
            deps[frm][b if b != "Loose" else loose_name(target)] += 1
    for frm in sorted(deps):
        print(f"  {frm}: " + ", ".join(f"{p} {n}" for p, n in sorted(deps[frm].items())))

    print("\nArrows to or from the loose modules (structure.json names no part for them):")
    for a, b, frm, target, line, tc in found:
        if "Loose" in (a, b):
            print(f"      {frm}:{line} -> {target}" + ("  [TYPE_CHECKING]" if tc else ""))

    print("\nArrows between the seven drawn parts that structure.json does not draw or forbids:")
    for a, b in sorted(counts, key=lambda k: (ORDER.index(k[0]), ORDER.index(k[1]))):
        if "Loose" in (a, b) or (a, b) in drawn:
            continue
        label = f"FORBIDDEN ({never[(a, b)]})" if (a, b) in never else "not drawn"
        print(f"  {a} -> {b}: {counts[(a, b)]} imports, {label}")
        for x, y, frm, target, line, tc in found:
            if (x, y) == (a, b):
                print(f"      {frm}:{line} -> {target}" + ("  [TYPE_CHECKING]" if tc else ""))
    for label, with_tc in (("run time", False), ("with TYPE_CHECKING imports", True)):
        cycles = import_cycles(module_imports(with_type_checking=with_tc))
        print(f"\nImport cycles between modules ({label}): {len(cycles)}")
        for group in cycles:
            print("  " + " <-> ".join(group))
    missing = sorted(d for d in drawn if d not in counts)
    if missing:
        print("\nDrawn arrows with no import: " + ", ".join(f"{a} -> {b}" for a, b in missing))


if __name__ == "__main__":
    main()
