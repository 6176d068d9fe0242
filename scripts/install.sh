#!/usr/bin/env bash
# Install Sportello into ./.venv (and, on Debian/Ubuntu as root or with sudo, the system
# libraries Qt needs). Usage: scripts/install.sh [--test]   (--test adds the test tools,
# the desktop-test packages and the Node.js interop harness).
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

qt_libs="libxcb-cursor0 libxkbcommon-x11-0 libegl1 libgl1 libpulse0 libxcb-icccm4 libxcb-image0
libxcb-keysyms1 libxcb-render-util0 libxcb-shape0 libxcb-randr0 libxcb-xinerama0 libxcb-xkb1
libfontconfig1 libdbus-1-3 fonts-dejavu-core"
# opus-tools: opusenc makes the real Ogg Opus voice notes of the media webhook tests.
test_pkgs="xvfb dbus-x11 dunst trayer x11-utils xdotool espeak-ng sox nsis pulseaudio opus-tools"

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then sudo="sudo"; else
      echo "install.sh: missing system packages (${missing[*]}) and no root/sudo to install them" >&2
      return 1
    fi
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

if command -v apt-get >/dev/null && command -v dpkg >/dev/null; then
  # shellcheck disable=SC2086
  apt_install $qt_libs
  # shellcheck disable=SC2086
  [ $want_test -eq 1 ] && apt_install $test_pkgs
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
if [ $want_test -eq 1 ]; then
  .venv/bin/python -m pip install -q -e ".[test]"
  if command -v npm >/dev/null && [ -f tests/interop/node/package-lock.json ]; then
    npm ci --prefix tests/interop/node --no-audit --no-fund --loglevel=error >/dev/null
  fi
else
  .venv/bin/python -m pip install -q -e .
fi
