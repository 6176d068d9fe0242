#!/bin/sh
# Put Sportello in the desktop menu: sportello.desktop and the hicolor icons from this
# bundle's share/ into $XDG_DATA_HOME (default ~/.local/share), with Exec pointing at this
# bundle's executable. Icon=sportello is what menus and notifications look up.
# Usage: ./install-desktop-entry.sh            (this user)
#        ./install-desktop-entry.sh --uninstall
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data_home=${XDG_DATA_HOME:-$HOME/.local/share}
desktop="$data_home/applications/sportello.desktop"

if [ "${1:-}" = "--uninstall" ]; then
  rm -f "$desktop"
  find "$data_home/icons/hicolor" -path '*/apps/sportello.*' -delete 2>/dev/null || true
  echo "removed $desktop and the Sportello icons"
  exit 0
fi

[ -x "$here/sportello" ] || { echo "install-desktop-entry.sh: no executable at $here/sportello" >&2; exit 1; }
mkdir -p "$data_home/applications"
# Desktop Entry Exec: quote the path (it may contain spaces); escape what the spec requires.
exec_path=$(printf '%s' "$here/sportello" | sed 's/[\\"`$]/\\\\&/g')
sed -e "s|^Exec=.*|Exec=\"$exec_path\"|" -e "s|^TryExec=.*|TryExec=$here/sportello|" \
  "$here/share/applications/sportello.desktop" > "$desktop.tmp"
mv "$desktop.tmp" "$desktop"
if [ -d "$here/share/icons/hicolor" ]; then
  mkdir -p "$data_home/icons"
  cp -R "$here/share/icons/hicolor" "$data_home/icons/"
fi
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data_home/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$data_home/icons/hicolor" || true
echo "installed $desktop"
