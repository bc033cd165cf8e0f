"""Command line: argument parsing and printing only; every behaviour lives behind `Assistant`.

Each command module adds its sub-parsers and names the function that runs each command; this
module only puts them together (commands never import this module, so there is no cycle).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from ..errors import AssistantError
from ..settings import SettingsError
from . import ask, eval, index_cmds, serve

Command = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, Command] = {
    "ingest": index_cmds.cmd_ingest,
    "articles": index_cmds.cmd_articles,
    "remove": index_cmds.cmd_remove,
    "feeds": index_cmds.cmd_feeds,
    "ask": ask.cmd_ask,
    "chat": ask.cmd_chat,
    "eval": eval.cmd_eval,
    "serve": serve.cmd_serve,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="Answers questions about articles, citing them.")
    parser.add_argument("--config", help="TOML settings file (default: ./assistant.toml when present)")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in (index_cmds, ask, eval, serve):
        module.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `assistant` console script."""
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (AssistantError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", 2)  # the index-path errors have their own codes (errors.py)
    except KeyboardInterrupt as exc:  # Ctrl-C: stop quietly, with the shell's exit code for SIGINT
        print(f"interrupted: {exc}" if str(exc) else "interrupted", file=sys.stderr)
        return 130
