"""Run one bench script in two trees, alternating, and print both sides as one JSON object.

    .venv/bin/python bench/compare.py --old /path/to/old/checkout [--rounds 3]
        ui_bench.py [-- bench arguments]

Each round runs the old tree's copy of the script, then this tree's, with that tree's `src`
first on the path (each script puts its own tree first), so both measure their own code on
the same machine at the same moment: a load that comes and goes hits both sides alike. A
`{tree}` in the bench arguments becomes "old" or "new" (for example a cache file per tree).
The output holds every run's JSON and, for each numeric key present on both sides, the
median of each side and the new/old ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def run_once(tree: Path, script: str, args: list[str], label: str) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(tree / "src"))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    argv = [
        sys.executable,
        str(tree / "bench" / script),
        *(a.replace("{tree}", label) for a in args),
    ]
    done = subprocess.run(argv, cwd=tree, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{label} {script} failed ({done.returncode}): {done.stderr[-2000:]}")
    last = [line for line in done.stdout.splitlines() if line.strip()]
    start = next(i for i, line in enumerate(last) if line.lstrip().startswith("{"))
    return json.loads("\n".join(last[start:]))


def flat(data: Any, prefix: str = "") -> dict[str, float]:
    """Numeric leaves by dotted key (nested objects flattened; lists are skipped)."""
    out: dict[str, float] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            out.update(flat(value, f"{prefix}{key}."))
    elif isinstance(data, (int, float)) and not isinstance(data, bool):
        out[prefix.rstrip(".")] = float(data)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="the previous tree's checkout")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("script", help="a file name in bench/, e.g. ui_bench.py")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="-- then the bench's arguments")
    opts = parser.parse_args()
    args = opts.args[1:] if opts.args[:1] == ["--"] else opts.args
    runs: dict[str, list[dict[str, Any]]] = {"old": [], "new": []}
    for _ in range(opts.rounds):
        runs["old"].append(run_once(opts.old.resolve(), opts.script, args, "old"))
        runs["new"].append(run_once(ROOT, opts.script, args, "new"))
    old = [flat(r) for r in runs["old"]]
    new = [flat(r) for r in runs["new"]]
    medians: dict[str, dict[str, float | None]] = {}
    for key in sorted(set.intersection(*(set(r) for r in old + new))):
        o = statistics.median(r[key] for r in old)
        n = statistics.median(r[key] for r in new)
        medians[key] = {"old": o, "new": n, "ratio": round(n / o, 3) if o else None}
    print(
        json.dumps(
            {"script": opts.script, "rounds": opts.rounds, "medians": medians, "runs": runs},
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
