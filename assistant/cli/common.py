"""What every command shares: building the `Assistant` the flags describe, and the index flags."""

from __future__ import annotations

import argparse
from typing import Any

from ..api import Assistant
from ..settings import Settings


def index_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", dest="index_dir", help="index folder (default: vectorstore/)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def make_assistant(args: argparse.Namespace, **extra: Any) -> Assistant:
    """The assistant the flags describe: settings file, environment, then flags."""
    keys = ("index_dir", "backend", "chroma_url", "top_k", "llm_model", "llm_base_url")
    flags = {k: getattr(args, k) for k in keys if getattr(args, k, None) is not None}
    if "top_k" in flags:
        flags["recall_passages"] = 0  # `-k N` reads N passages, exactly
    return Assistant.from_settings(Settings.load(config=args.config, **flags, **extra))
