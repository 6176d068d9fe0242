"""`python -m sportello` is the same as the `sportello` command."""

import sys

from sportello.cli import main

sys.exit(main())
