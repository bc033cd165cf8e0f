"""One typed settings object: defaults < `assistant.toml` < environment (`ASSISTANT_*`) < arguments.

Built once by the caller (CLI, UI, tests) and passed in explicitly; nothing reads it at import time.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

ENV_PREFIX = "ASSISTANT_"
CONFIG_FILE = "assistant.toml"


Backend = Literal["extractive", "openai", "ollama", "llamacpp"]


class SettingsError(ValueError):
    """A setting has a bad value or the config file cannot be read."""


class Settings(BaseModel):
    """Every knob of the assistant. Paths are relative to the working directory."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)

    # where things live
    index_dir: Path = Field(Path("vectorstore"), description="Persisted index (Chroma + BM25 + manifest).")
    corpus_dir: Path = Field(Path("corpus"), description="Articles ingested by default.")
    prompts_dir: Path | None = Field(
        None, description="Prompt templates, loaded by name (default: the prompts shipped with the package)."
    )
    upload_dir: Path = Field(Path("uploads"), description="Where the web UI stores uploaded articles.")
    collection: str = Field("articles", description="Chroma collection name.")
    chroma_url: str | None = Field(
        None, description="Use a Chroma server (http://host:port) instead of the embedded store."
    )

    # embedding and chunking
    embedding_model: str = Field(
        "all-MiniLM-L6-v2", description="The bundled all-MiniLM-L6-v2 or a local sentence-transformers folder."
    )
    embedding_backend: Literal["onnx", "torch"] = Field(
        "onnx", description="onnx (int8, exported once from the model on first use; fast start and queries) or torch."
    )
    embedding_batch_size: int = Field(64, ge=1)
    chunk_size: int = Field(200, ge=16, description="Chunk size in tiktoken tokens.")
    chunk_overlap: int = Field(40, ge=0, description="Tokens shared by neighbouring chunks.")
    max_file_mb: float = Field(20.0, gt=0, description="Bigger files are refused at ingest.")

    # web pages and feeds
    allow_private_urls: bool = Field(
        False, description="Fetch addresses on this machine or the local network (refused by default)."
    )
    fetch_timeout: float = Field(15.0, gt=0, description="Seconds to wait for a web page or feed.")
    max_page_mb: float = Field(10.0, gt=0, description="Bigger pages fetched by address are refused.")
    feed_max_entries: int = Field(50, ge=1, description="New feed entries ingested per feed and run.")

    # retrieval
    top_k: int = Field(5, ge=1, le=50, description="Passages passed to the answerer.")
    candidates: int = Field(40, ge=1, description="Candidates fetched from each retriever before fusion.")
    recall_passages: int = Field(
        2,
        ge=0,
        le=10,
        description="Extractive answers: up to this many candidates below the top_k, of the same articles, read too "
        "when one of their sentences is as close to the question as the top_k's best (a short answer inside a passage "
        "about something else), and the top article's lead when one of its sentences comes within 0.2 of it. None "
        "of them when this is 0, a question sets its own k, or `ask -k` is given.",
    )
    dense_weight: float = Field(0.4, ge=0, description="Weight of normalised dense scores in fusion.")
    keyword_weight: float = Field(
        0.6,
        ge=0,
        description="Weight of normalised BM25 scores in fusion (an index of one article gives BM25 a third of this "
        "share: word rarities within one article say little).",
    )

    # answering
    backend: Backend = Field("extractive", description="extractive, openai, ollama or llamacpp.")
    abstain_threshold: float = Field(
        0.5,
        description="Evidence score under which the answer abstains (calibrated on natural and reworded questions "
        "with over-refusal <= 0.05 in each set: benchmarks/calibrate_natural.py fits 0.45; 0.5 keeps off-topic "
        "questions such as recipes declined).",
    )
    partial_threshold: float = Field(
        1.1, description="Evidence score under which an answer is given as partial: what the articles say, hedged."
    )
    max_answer_sentences: int = Field(2, ge=1)
    max_question_chars: int = Field(1000, ge=10, description="Longer questions are cut, with a note.")
    context_tokens: int = Field(1500, ge=64, description="Token budget for passages handed to an LLM.")
    history_turns: int = Field(3, ge=0, description="Earlier turns used to rewrite a follow-up.")

    # LLM backends
    llm_model: str = Field("", description="Model name for the LLM backend.")
    llm_base_url: str = Field("", description="Base URL of an OpenAI-compatible or Ollama server.")
    llm_api_key_env: str = Field("OPENAI_API_KEY", description="Environment variable holding the API key.")
    llm_model_path: str = Field("", description="GGUF file for the llamacpp backend (default: SmolLM2).")
    llm_temperature: float = Field(0.0, ge=0)
    llm_timeout: float = Field(60.0, gt=0)
    llm_max_retries: int = Field(2, ge=0)
    llm_max_tokens: int = Field(256, ge=1)
    unsupported_fallback: Literal["extractive", "abstain"] = Field(
        "extractive", description="extractive or abstain, when no LLM sentence is supported."
    )

    # web UI
    host: str = Field("127.0.0.1")
    port: int = Field(7860, ge=0, le=65535)
    max_upload_mb: float = Field(10.0, gt=0)

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(
                f"chunk_overlap ({self.chunk_overlap}) must be smaller than chunk_size ({self.chunk_size})"
            )
        return self

    @classmethod
    def load(cls, config: str | Path | None = None, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from defaults, the TOML file, the environment and `overrides`, in that order.

        `config` defaults to `$ASSISTANT_CONFIG` or `./assistant.toml` (optional when not named).
        Overrides that are None are ignored, so CLI flags that were not given do not count.
        """
        env = dict(os.environ if env is None else env)
        merged: dict[str, Any] = {}
        merged.update(_read_toml(config or env.get(ENV_PREFIX + "CONFIG"), required=config is not None))
        merged.update(_from_env(env))
        merged.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**merged)
        except ValidationError as exc:
            raise SettingsError(_explain(exc)) from None

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with some fields changed (None values ignored), validated again."""
        data = self.model_dump()
        data.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return type(self)(**data)
        except ValidationError as exc:
            raise SettingsError(_explain(exc)) from None


def _read_toml(path: str | Path | None, required: bool) -> dict[str, Any]:
    path = Path(path or CONFIG_FILE)
    try:
        exists = path.exists()
    except PermissionError:  # a working folder this user may not read (Python 3.11 raises here)
        if required:
            raise SettingsError(f"cannot read config file {path}: permission denied for this user") from None
        return {}
    if not exists:
        if required:
            raise SettingsError(f"config file {path} does not exist")
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"cannot read config file {path}: {exc}") from None
    # Allow either top-level keys or an [assistant] table.
    return dict(data.get("assistant", data))


def _from_env(env: dict[str, str]) -> dict[str, Any]:
    fields = Settings.model_fields
    out: dict[str, Any] = {}
    for key, value in env.items():
        if key.startswith(ENV_PREFIX) and key[len(ENV_PREFIX) :].lower() in fields:
            out[key[len(ENV_PREFIX) :].lower()] = value
    return out


def _explain(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        name = ".".join(str(p) for p in err["loc"]) or "settings"
        parts.append(f"{name}: {err['msg']} (got {err.get('input')!r})" if err["loc"] else err["msg"])
    return "invalid settings: " + "; ".join(parts)
