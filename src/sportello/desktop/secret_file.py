"""A small JSON file of secrets readable only by its owner: 0600, in a 0700 folder.

Used by `credentials` for local-server mode when no system keyring works. Written
through `private_files` (a 0600 temporary file renamed over the old one), so a crash never
leaves a half-written file and the secrets are never readable by others, whatever the umask.
"""

from __future__ import annotations

import json
from pathlib import Path

from sportello.system.private_files import make_private_dir, write_private_text


class SecretFile:
    """{name: secret} kept in one owner-only file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> dict[str, str]:
        """The stored secrets; {} when the file does not exist or is not ours to trust."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError:
            return {}  # damaged: as if empty, the next write replaces it
        if not isinstance(data, dict):
            return {}
        return {str(k): str(v) for k, v in data.items() if isinstance(v, str)}

    def write(self, secrets: dict[str, str]) -> None:
        """Replace the file's content (the file is removed when nothing is left)."""
        if not secrets:
            self.path.unlink(missing_ok=True)
            return
        make_private_dir(self.path.parent)
        write_private_text(self.path, json.dumps(secrets))
