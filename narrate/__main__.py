"""The `narrate` command: `python -m narrate`, or the console script."""

from __future__ import annotations

import sys


def main() -> None:
    # Ctrl-C while the modules load must not print a traceback either.
    try:
        from .cli import cli
    except KeyboardInterrupt:
        sys.exit(130)
    cli(prog_name="narrate")


if __name__ == "__main__":
    main()
