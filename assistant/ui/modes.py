"""The answer modes a server offers: extractive always, plus the configured LLM backend.

Shared by the chat page (its backend selector) and the OpenAI-compatible API (`/v1/models`, the
`model` of a request). Each mode is an `Assistant` of its own over the one shared index, built on
first use, so choosing a mode for one conversation changes nothing for the others.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ..api import Assistant

EXTRACTIVE = "extractive"


@dataclass(frozen=True)
class Mode:
    """One answer mode: its name (the `backend` setting) and a label for people."""

    name: str
    label: str


class AnswerModes:
    """The answer modes of `assistant`'s settings and the assistant answering in each."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.default = assistant.settings.backend
        self._variants: dict[str, Assistant] = {self.default: assistant}
        self._lock = threading.Lock()

    def available(self) -> list[Mode]:
        """The configured backend first (it is the default), then extractive if it is not that."""
        s = self.assistant.settings
        names = [s.backend] + ([EXTRACTIVE] if s.backend != EXTRACTIVE else [])
        return [Mode(n, label(n, s.llm_model)) for n in names]

    def answered_by(self, name: str) -> str:
        """The short name shown under an answer of mode `name`: the backend and its model."""
        model = self.assistant.settings.llm_model
        return "extractive (no LLM)" if name == EXTRACTIVE else f"{name} · {model}" if model else name

    def names(self) -> list[str]:
        return [m.name for m in self.available()]

    def get(self, name: str | None) -> Assistant:
        """The assistant answering in mode `name` (default: the configured one); variants share the index."""
        name = name or self.default
        with self._lock:
            if name not in self._variants:
                if name not in self.names():
                    raise ValueError(f"answer mode {name!r} is not offered here; choose one of {self.names()}")
                settings = self.assistant.settings.with_overrides(backend=name)
                self._variants[name] = Assistant(settings, index=self.assistant.index)
            return self._variants[name]


def label(name: str, model: str = "") -> str:
    """How a mode is shown to people."""
    if name == EXTRACTIVE:
        return "extractive — quotes the articles, no LLM"
    return f"{name} — {model}" if model else name
