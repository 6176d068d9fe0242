#!/usr/bin/env bash
# Install everything the tests need, then run the whole test suite.
# Extra arguments go to pytest (for example: scripts/test.sh tests/unit -x).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test || exit 1
.venv/bin/python -m pytest "$@"
status=$?
if [ $status -eq 5 ]; then
  echo "test.sh: pytest collected no tests: that is a failure, not a success" >&2
  exit 1
fi
exit $status
