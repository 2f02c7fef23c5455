"""`python -m desktop` starts Claude Desk."""

import sys

from desktop.launch import main

sys.exit(main())
