"""`python -m desktop` starts Claude Desk."""

import sys

from desktop.app import main

sys.exit(main())
