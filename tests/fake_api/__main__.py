"""Run the fake API by hand: `python -m tests.fake_api --port 8765`.

Then `ANTHROPIC_BASE_URL=http://127.0.0.1:8765 ANTHROPIC_API_KEY=test claude-desk`; a message
starting with `/fault ` picks a fault (see tests.fake_api.answers.FAULT_HELP).
"""

from __future__ import annotations

import argparse
import contextlib
import threading

from tests.fake_api.answers import FAULT_HELP
from tests.fake_api.server import FakeAnthropic


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fake_api", description=__doc__)
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--delay", type=float, default=0.02, help="seconds between events")
    parser.add_argument("--key", action="append", help="accepted API key (repeatable; default any)")
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    args = parser.parse_args(argv)
    api = FakeAnthropic(set(args.key) if args.key else None, port=args.port)
    api.default_delay = args.delay
    api.log_requests = not args.quiet
    with api:
        print(api.base_url, flush=True)
        print(FAULT_HELP, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
