"""Allow ``python -m oos_analysis``."""

import sys

from .cli import main

sys.exit(main())
