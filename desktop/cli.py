"""The command line of one run of the app (argparse loads only when there are arguments)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from desktop.version import APP_NAME, app_version

THEMES = ("light", "dark", "system")

if TYPE_CHECKING:
    import argparse


@dataclass(frozen=True, slots=True)
class Options:
    base_url: str | None = None
    portable: bool = False
    smoke: bool = False
    theme: str | None = None  # "light", "dark" or "system"; None: the saved choice


def parse_args(argv: Sequence[str]) -> Options:
    """Options from the command line; `--help` and `--version` print and exit."""
    if not argv:  # the usual launch: no argparse (~2 ms of the first paint)
        return Options()
    namespace = _parser().parse_args(list(argv))
    return Options(
        base_url=namespace.base_url,
        portable=namespace.portable,
        smoke=namespace.smoke,
        theme=namespace.theme,
    )


def _parser() -> argparse.ArgumentParser:
    import argparse

    class VersionAction(argparse.Action):
        """`--version`, looked up only when asked (package metadata costs ~30 ms at startup)."""

        def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
            super().__init__(option_strings, dest, nargs=0, help=str(kwargs.get("help", "")))

        def __call__(self, parser: argparse.ArgumentParser, *_args: object, **_kw: object) -> None:
            print(f"{APP_NAME} {app_version()}")
            parser.exit()

    parser = argparse.ArgumentParser(prog="claude-desk", description="Chat with Claude.")
    parser.add_argument("--version", action=VersionAction, help="show the version and exit")
    parser.add_argument("--base-url", help="API base URL (default: ANTHROPIC_BASE_URL or the API)")
    parser.add_argument("--portable", action="store_true", help="keep all data beside the app")
    parser.add_argument(
        "--smoke", action="store_true", help="send one message to --base-url, check, and exit"
    )
    parser.add_argument(
        "--theme",
        choices=THEMES,
        type=str.lower,
        help="light, dark, or follow the system (this run only; default: View › Theme)",
    )
    return parser
