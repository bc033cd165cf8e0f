"""The `onnx` embedding backend: exported locally from the bundled model, close to torch, cached."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant, Settings
from assistant.errors import AssistantError
from assistant.index import onnx_backend
from assistant.index.embeddings import _CACHE, get_embedder, resolve_model_path

from .conftest import SEED

TEXTS = [
    "Which NFL team represented the AFC at Super Bowl 50?",
    "The meeting between Secretary Rubio and Minister Lavrov took place in Malaysia.",
    "word " * 400,
]  # longer than the model's 256 tokens: truncated the same way


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One export per test session (about 10-20 s), in a temporary cache folder."""
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture
def onnx_settings(onnx_cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    monkeypatch.setenv("ARTICLE_ASSISTANT_CACHE", str(onnx_cache))
    for key in [k for k in _CACHE if k[1] == "onnx"]:
        del _CACHE[key]  # the embedder is cached per process; each test sees its own cache folder
    return Settings.load(env={}, index_dir=tmp_path / "index", embedding_backend="onnx")


def test_onnx_vectors_match_torch(onnx_settings: Settings) -> None:
    onnx = get_embedder(onnx_settings).embed(TEXTS)
    torch = get_embedder(onnx_settings.with_overrides(embedding_backend="torch")).embed(TEXTS)
    assert onnx.shape == torch.shape == (3, 384)
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)
    assert (onnx * torch).sum(axis=1).min() > 0.97  # int8 weights: close, not identical
    folder = onnx_backend.exported_folder(resolve_model_path("all-MiniLM-L6-v2"))
    assert folder.is_relative_to(onnx_backend.cache_root()) and (folder / onnx_backend.MODEL_FILE).exists()


def test_export_happens_once(onnx_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    get_embedder(onnx_settings)  # exported by now, in this session's cache
    _CACHE.clear()
    monkeypatch.setattr(onnx_backend, "export", lambda *a: pytest.fail("exported again"))
    assert get_embedder(onnx_settings).embed(["again"]).shape == (1, 384)


def test_ingest_and_answer_with_onnx(onnx_settings: Settings) -> None:
    a = Assistant.from_settings(onnx_settings)
    assert a.ingest([SEED], progress=False).chunks > 5
    answer = a.ask("Where did Rubio and Lavrov meet?")
    assert not answer.abstained and "Malaysia" in answer.text


def test_batches_keep_to_the_token_budget() -> None:
    lengths = [256] * 10 + [20] * 100
    order = np.argsort([-n for n in lengths], kind="stable")
    batches = onnx_backend._batches(order, lengths, most=64, max_tokens=2048)
    # 8 x 256 tokens; the second run starts with a long text too; then 64 short ones at most
    assert [len(b) for b in batches] == [8, 8, 64, 30]
    assert sorted(np.concatenate(batches).tolist()) == list(range(110))


def test_remote_model_name_is_refused(tmp_path: Path) -> None:
    settings = Settings.load(
        env={}, index_dir=tmp_path / "i", embedding_backend="onnx", embedding_model="someone/some-model"
    )
    with pytest.raises(AssistantError, match="needs a local model folder"):
        get_embedder(settings)


def test_export_leaves_the_process_logging_alone(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """onnxruntime's quantiser logs through the root logger, which would install a handler for good."""
    import logging

    root = logging.getLogger()
    before = list(root.handlers)
    with caplog.at_level(logging.WARNING):
        onnx_backend.export(resolve_model_path("all-MiniLM-L6-v2"), tmp_path / "export")
    assert (tmp_path / "export" / onnx_backend.MODEL_FILE).exists()
    assert root.handlers == before
    assert not [r for r in caplog.records if "pre-processing" in r.getMessage()]
    assert any("exporting" in r.getMessage() for r in caplog.records)  # our own notice still shows
