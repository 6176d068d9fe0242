"""A small JSON file of secrets readable only by its owner: 0600, in a 0700 folder.

Used by `credentials` for local-server mode when no system keyring works. Written to a
temporary file created 0600 and renamed over the old one, so a crash never leaves a
half-written file and the secrets are never readable by others, whatever the umask.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


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
        folder = self.path.parent
        folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        os.chmod(folder, DIR_MODE)  # an existing folder may have been made 0755
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(secrets, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)
