"""The PyInstaller bundle starts here: the same `main` as `claude-desk` and `python -m desktop`."""

import multiprocessing
import sys

if sys.argv[1:2] == ["--stream-child"]:  # the streaming child: no Qt, no window
    from desktop.api.stream_child import main as child_main

    sys.exit(child_main())

from desktop.launch import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a frozen app must not re-run itself in worker processes
    sys.exit(main())
