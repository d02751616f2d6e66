#!/usr/bin/env python3
"""Write docs/CLI.md from the ``--help`` of every command, or check that it is current.

    .venv/bin/python scripts/cli_reference.py           # rewrite docs/CLI.md
    .venv/bin/python scripts/cli_reference.py --check   # exit 1 if docs/CLI.md is stale

Every command of the click group is included, so a new command needs no change here.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from handouts.cli import cli

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "CLI.md"
PROG = "handouts"
WIDTH = 78  # as click prints --help on any terminal of 80 columns or more
REFRESH = ".venv/bin/python scripts/cli_reference.py"


def _contexts(command: click.Command, ctx: click.Context) -> Iterator[click.Context]:
    """The context of ``command``, then of each subcommand, in the order ``--help`` lists them."""
    yield ctx
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from _contexts(sub, _context(sub, name, ctx))


def _context(command: click.Command, name: str, parent: click.Context | None) -> click.Context:
    settings: dict[str, Any] = {**command.context_settings, "terminal_width": WIDTH,
                                "max_content_width": WIDTH}
    return click.Context(command, info_name=name, parent=parent, **settings)


def render() -> str:
    """The whole reference as Markdown."""
    root = _context(cli, PROG, None)
    parts = ["# Command-line reference\n\n"
             f"Generated from `{PROG} --help` and each command's `--help`; do not edit."
             f" Refresh it with `{REFRESH}`. `python generate.py` takes the same commands"
             " and options.\n"]
    for ctx in _contexts(cli, root):
        parts.append(f"\n## {ctx.command_path}\n\n```text\n{ctx.get_help()}\n```\n")
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if the file is out of date")
    parser.add_argument("path", nargs="?", type=Path, default=REFERENCE)
    args = parser.parse_args(argv)
    text = render()
    current = args.path.read_text("utf-8") if args.path.is_file() else None
    if args.check:
        if current == text:
            return 0
        print(f"{args.path} is out of date with the commands' --help; run: {REFRESH}",
              file=sys.stderr)
        return 1
    if current != text:
        args.path.write_text(text, "utf-8")
        print(f"Wrote {args.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
