"""How long local-server mode takes before the console can connect; prints JSON.

    .venv/bin/python bench/local_mode_start.py [--runs 3]

first_start: an empty data dir (spawn `sportello server`, create the SQLite schema, create
the local operator with `sportello operator add`, log in). next_start: the same data dir
after a clean stop (spawn, health check, stored token: no login). adopt: the UI crashed and
restarts while the server still runs (health check + secret probe only). Keyring: a file
backend in a temp dir (the product uses the OS keyring).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]  # tests.support and friends

import keyring  # noqa: E402
from tests.support.file_keyring import ENV_FILE, FileKeyring  # noqa: E402
from tests.support.ports import free_port  # noqa: E402

from sportello.desktop.local_operator import ensure_webhook_secret, provision_local_profile  # noqa: E402
from sportello.desktop.local_server import LocalServerConfig, LocalServerSupervisor  # noqa: E402


async def one_run() -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="sportello-bench-"))
    os.environ[ENV_FILE] = str(folder / "keyring.json")
    keyring.set_keyring(FileKeyring(folder / "keyring.json"))
    config = LocalServerConfig(folder / "data", port=free_port())
    timings: dict[str, float] = {}

    started = time.perf_counter()
    supervisor = LocalServerSupervisor(config, ensure_webhook_secret())
    await supervisor.start()
    profile = await provision_local_profile(config.base_url, config.database_url)
    timings["first_start_s"] = time.perf_counter() - started
    await supervisor.stop()

    started = time.perf_counter()
    supervisor = LocalServerSupervisor(config, ensure_webhook_secret())
    await supervisor.start()
    await provision_local_profile(config.base_url, config.database_url, profile.user_id)
    timings["next_start_s"] = time.perf_counter() - started
    supervisor.detach()  # as if the UI died: the server keeps running

    started = time.perf_counter()
    adopting = LocalServerSupervisor(config, ensure_webhook_secret())
    await adopting.start()
    await provision_local_profile(config.base_url, config.database_url, profile.user_id)
    timings["adopt_s"] = time.perf_counter() - started
    assert adopting.adopted
    await adopting.stop()
    return timings


async def main(runs: int) -> dict[str, object]:
    results = [await one_run() for _ in range(runs)]
    summary: dict[str, object] = {"bench": "local_mode_start", "runs": runs}
    for key in results[0]:
        values = sorted(r[key] for r in results)
        summary[key] = {"median": round(statistics.median(values), 3), "max": round(values[-1], 3)}
    return summary


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.runs))))
