"""The answer modes a server offers: extractive always, plus the configured LLM backends it can reach.

Shared by the chat page (its backend selector) and the OpenAI-compatible API (`/v1/models`, the
`model` of a request). Each mode is an `Assistant` of its own over the one shared index, built on
first use, so choosing a mode for one conversation changes nothing for the others.

A backend is *configured* when the settings name it (`backend`), or, with the extractive default,
when they point at an OpenAI-compatible server (`llm_base_url`) or hold an OpenAI key: then the
page can offer fluent answers beside the quoted ones. It is *reachable* when its server answers
(or, in process, when llama.cpp and the model file are there); the probe is remembered a little
while so a page load does not wait on a dead server each time.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from ..api import Assistant
from ..settings import Settings

EXTRACTIVE = "extractive"
PROBE_SECONDS = 2.0  # how long a page load waits for an LLM server to answer
PROBE_TTL = 30.0  # seconds a probe's result is reused


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
        self._probes: dict[str, tuple[float, str | None]] = {}

    def configured(self) -> list[str]:
        """The configured backend first (it is the default), then extractive; or extractive, then an LLM."""
        s = self.assistant.settings
        if s.backend != EXTRACTIVE:
            return [str(s.backend), EXTRACTIVE]
        has_key = bool(os.environ.get(s.llm_api_key_env, "").strip())  # read, never kept or shown
        llm: list[str] = ["openai"] if s.llm_base_url or has_key else []
        return [EXTRACTIVE, *llm]

    def available(self) -> list[Mode]:
        """The configured modes that can answer now (extractive always)."""
        return [Mode(n, self.label(n)) for n in self.configured() if self.problem(n) is None]

    def unavailable(self) -> dict[str, str]:
        """Configured modes that cannot answer now, with the reason."""
        return {n: p for n in self.configured() if (p := self.problem(n)) is not None}

    def names(self) -> list[str]:
        return [m.name for m in self.available()]

    def label(self, name: str) -> str:
        """How a mode is shown in the selector."""
        if name == EXTRACTIVE:
            return "extractive — quotes the articles, no LLM"
        return f"{name} — {self.answered_by(name).partition(' · ')[2] or 'LLM'}"

    def answered_by(self, name: str) -> str:
        """The short name shown under an answer of mode `name`: the backend and its model."""
        if name == EXTRACTIVE:
            return "extractive (no LLM)"
        s = self.settings_for(name)
        model = s.llm_model or (Path(s.llm_model_path).name if s.llm_model_path else "")
        where = f" at {s.llm_base_url}" if s.llm_base_url and name != "llamacpp" else ""
        return f"{name} · {model}{where}" if model or where else name

    def settings_for(self, name: str) -> Settings:
        s = self.assistant.settings
        return s if name == s.backend else s.with_overrides(backend=name)

    def problem(self, name: str) -> str | None:
        """Why mode `name` cannot answer now (None when it can), probed at most every PROBE_TTL seconds."""
        if name == EXTRACTIVE:
            return None
        now = time.monotonic()
        with self._lock:
            cached = self._probes.get(name)
        if cached and now - cached[0] < PROBE_TTL:
            return cached[1]
        found = probe(self.settings_for(name))
        with self._lock:
            self._probes[name] = (now, found)
        return found

    def get(self, name: str | None) -> Assistant:
        """The assistant answering in mode `name` (default: the configured one); variants share the index."""
        name = name or self.default
        with self._lock:
            if name in self._variants:
                return self._variants[name]
        if name not in self.names():
            raise ValueError(f"answer mode {name!r} is not offered here; choose one of {self.names()}")
        with self._lock:
            if name not in self._variants:
                self._variants[name] = Assistant(self.settings_for(name), index=self.assistant.index)
            return self._variants[name]


def probe(settings: Settings) -> str | None:
    """Why the LLM backend of `settings` cannot answer now, or None when it can (as far as a quick look tells)."""
    backend, url = settings.backend, settings.llm_base_url.rstrip("/")
    if backend == "llamacpp":
        from ..llm.backends import default_model_path

        if importlib.util.find_spec("llama_cpp") is None:
            return "llama-cpp-python is not installed"
        try:
            path = settings.llm_model_path or default_model_path()
        except Exception as exc:  # the bundled model's package is missing
            return str(exc)
        return None if Path(path).is_file() else f"the model file {path} does not exist"
    if backend == "openai" and not url:
        return None  # OpenAI itself: not called just to see whether it is up
    target = f"{url or 'http://localhost:11434'}/api/tags" if backend == "ollama" else f"{url}/models"
    try:
        reply = httpx.get(target, timeout=PROBE_SECONDS)
    except httpx.HTTPError as exc:
        return f"{url or target} does not answer ({type(exc).__name__})"
    return None if reply.status_code < 500 else f"{url} answered HTTP {reply.status_code}"
