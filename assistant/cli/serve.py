"""`assistant serve`: the web UI, on 127.0.0.1:7860 unless told otherwise."""

from __future__ import annotations

import argparse

from .common import make_assistant


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="start the web UI (chat, articles, upload)")
    p.add_argument("--host", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, help="port (default 7860)")
    p.add_argument("--index", dest="index_dir", help="index folder (default: vectorstore/)")
    p.add_argument("--backend", help="extractive (default), openai, ollama or llamacpp")
    p.add_argument("--share", action="store_true", help="also open a public gradio.live link (off by default)")
    p.add_argument(
        "--ingest",
        dest="ingest",
        action="store_true",
        help="first bring the index up to date with the corpus folder (creating it); by default the "
        "index is only read, so several servers can share one",
    )
    p.add_argument("--no-ingest", dest="ingest", action="store_false", help="only read the index (the default)")


def cmd_serve(args: argparse.Namespace) -> int:
    from ..ui.launch import serve  # gradio is a heavy import; other commands do without it

    assistant = make_assistant(args, host=args.host, port=args.port)
    serve(assistant, share=args.share, ingest=args.ingest)  # Gradio prints the URL once it listens
    return 0
