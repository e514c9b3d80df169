"""Entry point for ``python -m index_tts``."""

import sys

from .cli import main

sys.exit(main())
