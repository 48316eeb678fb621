"""Allow ``python -m oos_analysis.sample OUT_DIR [--seed S] [--end YYYY-MM-DD] [--weeks N]``."""

import sys

from ..cli import main

if __name__ == "__main__":
    sys.exit(main(["sample", *sys.argv[1:]]))
