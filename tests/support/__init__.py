"""What several test folders share: ports, databases, server processes, payloads, keyring.

Imported as `tests.support.…` (the repo root is on sys.path through pyproject's pytest
`pythonpath`); its fixtures are registered once, by `pytest_plugins` in tests/conftest.py.
"""
