"""Cold start of the frozen app: how long from launching the executable to a usable window.

    python bench/frozen_start.py [--bundle dist/sportello] [--runs 5]

Runs the bundle's `sportello --smoke-test` (offscreen Qt, embedded server child, one webhook)
several times and splits each run, from the moment this script spawns the process:
  * app_ready_s: bootloader + Python + Qt loaded, QApplication created;
  * window_s: main window built, connected and synced to a running server, shown;
  * cold_start_to_window_s = app_ready_s + window_s: what an operator waits for when the
    server is already up (the smoke test's own server start and operator creation, which
    a real start does not do, are left out and reported separately as server_start_s);
  * spawn_to_window_s: the whole smoke-test path including those.
Also `--version` (bootloader + Python only). Prints one JSON object; medians and the first
(coldest) run. The page cache is not dropped (that needs root on the host), so "cold" means
a fresh process, not a fresh disk.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def executable(bundle: Path) -> Path:
    return bundle / ("sportello-cli.exe" if sys.platform == "win32" else "sportello")


def isolated_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "SPORTELLO_"))}
    env.update(
        HOME=str(tmp),
        XDG_DATA_HOME=str(tmp / "d"),
        XDG_CONFIG_HOME=str(tmp / "c"),
        XDG_CACHE_HOME=str(tmp / "k"),
        QT_QPA_PLATFORM="offscreen",
    )
    return env


def one_smoke_run(exe: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="sportello-bench-") as tmp:
        spawned = time.time()
        done = subprocess.run(
            [str(exe), "--smoke-test"],
            capture_output=True,
            text=True,
            env=isolated_env(Path(tmp)),
            timeout=300,
            check=False,
        )
        total = time.time() - spawned
    if done.returncode != 0:
        raise SystemExit(f"frozen_start: smoke test failed: {done.stderr.strip()[-300:]}")
    report: dict[str, Any] = json.loads(
        next(ln for ln in done.stdout.splitlines() if ln[:1] == "{")
    )
    app_ready = report["app_ready_at"] - spawned
    window = report["window_shown_s"] - report["console_started_s"]
    return {
        "app_ready_s": app_ready,
        "window_s": window,
        "cold_start_to_window_s": app_ready + window,
        "server_start_s": report["server_ready_s"],
        "spawn_to_window_s": report["window_shown_at"] - spawned,
        "webhook_to_list_s": report["message_shown_s"] - report["window_shown_s"],
        "smoke_test_total_s": total,
    }


def one_version_run(exe: Path) -> float:
    started = time.perf_counter()
    subprocess.run([str(exe), "--version"], capture_output=True, check=True, timeout=60)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=REPO / "dist" / "sportello")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    exe = executable(args.bundle)
    if not exe.exists():
        print(
            f"frozen_start: no frozen executable at {exe}: run packaging/build.py", file=sys.stderr
        )
        return 2
    runs = [one_smoke_run(exe) for _ in range(args.runs)]
    versions = [one_version_run(exe) for _ in range(args.runs)]
    result: dict[str, Any] = {
        "bench": "frozen_start",
        "bundle": str(args.bundle),
        "runs": args.runs,
        "platform": sys.platform,
        "version_s_median": round(statistics.median(versions), 3),
        "first_run": {k: round(v, 3) for k, v in runs[0].items()},
        "median": {k: round(statistics.median(r[k] for r in runs), 3) for k in runs[0]},
        "target_cold_start_to_window_s": 2.0,
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
