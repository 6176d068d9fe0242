"""Shared test setup: the fixtures of tests/support (real databases for every test that asks
for `db`, the qasync loop `qt_loop`, an aiohttp session `http`) and the in-process servers of
tests/server (`make_server`) and the seed stand-in of tests/interop (`seed`), registered once
for every test folder.

`src/` and the repo root are on sys.path through pyproject's pytest `pythonpath`.
"""

from __future__ import annotations

import hypothesis  # noqa: F401

# hypothesis is imported here, before any test runs, on purpose: its pytest plugin imports
# it at the end of the session otherwise, and CPython 3.11.7's compiler then fails with
# "SystemError: AST constructor recursion depth mismatch" after the Qt/qasync tests
# (pytest exits 1 although every test passed).

pytest_plugins = [
    "tests.support.fixtures",
    "tests.server.server_fixtures",
    "tests.interop.seed_fixtures",
]
