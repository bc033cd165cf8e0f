"""The `assistant` command line (thin: every behaviour lives behind `Assistant`)."""

from .main import main

__all__ = ["main"]
