"""Entry point for ``python -m index_tts``."""

import sys

from .interface.cli import main

sys.exit(main())
