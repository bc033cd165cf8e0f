"""A conversation exported as Markdown or JSON, with the citations of every answer."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..models import Answer

FORMATS = {"markdown": ".md", "json": ".json"}


def to_markdown(turns: Sequence[Answer]) -> str:
    """Questions, answers and, under each answer, its numbered sources with the passages quoted."""
    lines = ["# Conversation with the article assistant", ""]
    for i, answer in enumerate(turns, 1):
        lines += [f"## {i}. {answer.question.strip()}", "", answer.text.strip(), ""]
        if answer.abstained:
            lines += ["_The articles did not hold the answer._", ""]
        if answer.unsupported:
            lines += ["Not supported by the cited passages: " + " | ".join(answer.unsupported), ""]
        lines += [f"> note: {n}" for n in answer.notes] + ([""] if answer.notes else [])
        if answer.citations:
            lines += ["**Sources**", ""]
        for c in answer.citations:
            where = c.url or c.source or c.article_id
            section = f" — {c.section}" if c.section else ""
            page = f", page {c.page}" if c.page else ""
            lines.append(f"{c.n}. **{c.title}**{section} ({where}{page}, chars {c.start}–{c.end})")
            lines += ["   > " + line for line in c.text.strip().splitlines() if line.strip()]
            lines += [f"   - used: “{s}”" for s in c.sentences]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def to_json(turns: Sequence[Answer]) -> str:
    """Every turn as the `Answer` data (question, answer, citations, abstained, notes ...)."""
    data: dict[str, Any] = {"turns": [t.to_dict() for t in turns]}
    return json.dumps(data, ensure_ascii=False, indent=2)


def write_export(turns: Sequence[Answer], fmt: str, folder: Path | None = None) -> Path:
    """Write the conversation in `fmt` ("markdown" or "json") to a new file and return its path.

    Each export gets its own temporary folder by default: Gradio serves files from the system
    temp folder, and separate folders keep two sessions' exports apart.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    folder = folder or Path(tempfile.mkdtemp(prefix="assistant-export-"))
    path = folder / f"conversation-{time.strftime('%Y%m%d-%H%M%S')}{FORMATS[fmt]}"
    path.write_text(to_markdown(turns) if fmt == "markdown" else to_json(turns), encoding="utf-8")
    return path
