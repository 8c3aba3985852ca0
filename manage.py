#!/usr/bin/env python
"""Development entry point; the installed ``chinhquyen`` command does the same."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from chinhquyen.__main__ import main  # noqa: E402

if __name__ == "__main__":
    main(sys.argv)
