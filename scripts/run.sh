#!/usr/bin/env bash
# Install Sportello into ./.venv and start the desktop app. Arguments go to `sportello`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/sportello "$@"
