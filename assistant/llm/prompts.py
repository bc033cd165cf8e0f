"""Prompts live in `prompts/` as plain text files, loaded by name and rendered strictly.

A prompt file is a Python format string (`{name}` marks a variable, `{{` a literal brace), the
same syntax as LangChain's f-string templates. Rendering with a variable missing raises
`PromptError` instead of sending a half-filled prompt to a model: a typo in a prompt file or in
the code that fills it should fail loudly, in tests, not degrade answers quietly.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from langchain_core.messages import BaseMessage
from langchain_core.prompts import ChatPromptTemplate, PromptTemplate

from ..errors import AssistantError

# Names only, no paths: a prompt name never climbs out of the prompts folder.
NAME = re.compile(r"^[a-z0-9_]+$")


class PromptError(AssistantError):
    """A prompt file is missing or unreadable, or it was rendered with a variable missing."""


def prompt_path(name: str, prompts_dir: str | Path | None) -> Path:
    """The file that holds prompt `name`: `prompts_dir/name.txt`, or the packaged prompt when `prompts_dir` is None."""
    if not NAME.match(name):
        raise PromptError(f"bad prompt name {name!r}: use lower-case letters, digits and underscores")
    return (Path(prompts_dir) if prompts_dir is not None else packaged_prompts_dir()) / f"{name}.txt"


def packaged_prompts_dir() -> Path:
    """The prompts shipped inside the package (the repository's prompts/ folder, installed as `assistant.prompts`)."""
    return Path(str(resources.files("assistant.prompts")))


def prompt_text(name: str, prompts_dir: str | Path | None) -> str:
    """The raw text of prompt `name`, read once per file version (edits are picked up)."""
    path = prompt_path(name, prompts_dir)
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        raise PromptError(
            f"prompt {name!r} not found: expected the file {path} (see the prompts_dir setting)"
        ) from None
    return _read(str(path), mtime)


@lru_cache(maxsize=64)
def _read(path: str, mtime: int) -> str:  # mtime is part of the cache key only
    try:
        return Path(path).read_text(encoding="utf-8").strip("\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise PromptError(f"cannot read prompt file {path}: {exc}") from None


def load_prompt(name: str, prompts_dir: str | Path | None) -> PromptTemplate:
    """Prompt `name` as a LangChain `PromptTemplate` (f-string syntax)."""
    text = prompt_text(name, prompts_dir)
    try:
        return PromptTemplate.from_template(text)
    except (ValueError, KeyError) as exc:
        raise PromptError(f"prompt file {prompt_path(name, prompts_dir)} is not a valid template: {exc}") from None


def render(name: str, prompts_dir: str | Path | None, /, **values: object) -> str:
    """Prompt `name` filled with `values`; a variable the file uses but `values` lacks raises `PromptError`."""
    template = load_prompt(name, prompts_dir)
    _require(template.input_variables, values, name)
    return template.format(**values)


def chat_prompt(system: str, user: str, prompts_dir: str | Path | None) -> ChatPromptTemplate:
    """A system + user chat prompt from two prompt files."""
    return ChatPromptTemplate.from_messages(
        [("system", prompt_text(system, prompts_dir)), ("human", prompt_text(user, prompts_dir))]
    )


def format_messages(prompt: ChatPromptTemplate, /, **values: object) -> list[BaseMessage]:
    """The messages of `prompt` filled with `values`, failing with `PromptError` on a missing variable."""
    _require(prompt.input_variables, values, "chat prompt")
    return prompt.format_messages(**values)


def _require(variables: list[str], values: dict[str, object], what: str) -> None:
    missing = sorted(set(variables) - set(values))
    if missing:
        raise PromptError(f"prompt {what!r} needs the variable(s) {', '.join(missing)}, which were not given")
