"""The PyInstaller bundle starts here: the same `main` as `claude-desk` and `python -m desktop`."""

import multiprocessing
import sys

from desktop.app import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a frozen app must not re-run itself in worker processes
    sys.exit(main())
