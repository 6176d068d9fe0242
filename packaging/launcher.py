"""Entry script of the frozen app: the same `sportello` command as the console script.

PyInstaller needs a script file; the package's own `__main__` would do, but a separate file
keeps the spec independent of how the package is laid out.
"""

import sys

from sportello.cli import main

if __name__ == "__main__":
    sys.exit(main())
