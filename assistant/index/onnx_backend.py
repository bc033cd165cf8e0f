"""The `onnx` embedding backend: the sentence-transformers model exported once to int8 ONNX, run on onnxruntime.

Why not sentence-transformers' own `backend="onnx"`: it needs `optimum-onnx`, which pins
`transformers<4.58` and would downgrade the stack. So the export is done here with the same
tools it uses underneath (`torch.onnx.export`, then onnxruntime's dynamic int8 quantisation,
per channel), from the local model folder: nothing is downloaded. The exported model is cached
in `~/.cache/article-assistant/onnx/` (or `$ARTICLE_ASSISTANT_CACHE`), keyed by the model
folder and the size and time of its files, so the export (about 15 s) happens once per machine.

Running needs only onnxruntime and tokenizers (both already installed with chromadb and
transformers), not torch: a process that answers questions starts seconds faster, and one query
embeds in a few milliseconds instead of tens. On the SQuAD slice the int8 vectors keep a mean
cosine of 0.99 to the torch ones (BENCHMARKS.md has the hit@5 comparison). Dynamic int8 scales
activations per batch, so a text's vector moves slightly (cosine > 0.98) with the texts batched
beside it; rankings do not notice, but vectors are not bit-identical across runs.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import AssistantError, missing_extra

log = logging.getLogger(__name__)
MODEL_FILE = "model_int8.onnx"
FORMAT = "1"  # bump when the export recipe changes, so old cache entries are not reused
MAX_BATCH_TOKENS = 2048  # padded tokens per batch; see `_batches`


def cache_root() -> Path:
    """Where exported models live: `$ARTICLE_ASSISTANT_CACHE`, else the XDG cache folder."""
    if os.environ.get("ARTICLE_ASSISTANT_CACHE"):
        return Path(os.environ["ARTICLE_ASSISTANT_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "article-assistant"


def exported_folder(model_path: str) -> Path:
    """The cache folder of `model_path`'s export; it changes when any file of the model changes."""
    folder = Path(model_path).resolve()
    stamp = [FORMAT, str(folder)]
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        st = f.stat()
        stamp.append(f"{f.relative_to(folder)}:{st.st_size}:{st.st_mtime_ns}")
    digest = hashlib.sha256("\n".join(stamp).encode()).hexdigest()[:16]
    return cache_root() / "onnx" / f"{folder.name}-{digest}"


class OnnxEncoder:
    """The subset of `SentenceTransformer` that `Embedder` uses: `encode` and the dimension."""

    def __init__(self, folder: Path, threads: int | None = None, max_tokens: int = MAX_BATCH_TOKENS) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        self.dimension = int(meta["dimension"])
        self.pooling = meta["pooling"]
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(int(meta["max_seq_length"]))
        # tokenizer.json may carry its own padding (MiniLM's pads every text to 128): batches pad here, to
        # their longest text, and the lengths below must be real lengths.
        self.tokenizer.no_padding()
        self.max_tokens = max_tokens
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(os.cpu_count() or 1, 4)
        # No busy-waiting between ops: on a shared machine spinning threads steal the cores they wait for.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(folder / MODEL_FILE), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}

    def get_embedding_dimension(self) -> int:
        return self.dimension

    def encode(
        self, texts: Sequence[str], batch_size: int = 64, normalize_embeddings: bool = True, **_ignored: object
    ) -> np.ndarray:
        """Embeddings in input order; texts are batched longest first so padding stays small."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        encoded = self.tokenizer.encode_batch(list(texts))
        order = np.argsort([-len(e.ids) for e in encoded], kind="stable")
        for idx in _batches(order, [len(e.ids) for e in encoded], batch_size, self.max_tokens):
            out[idx] = self._run([encoded[i] for i in idx])
        if normalize_embeddings:
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out

    def _run(self, encoded: list) -> np.ndarray:
        width = max(len(e.ids) for e in encoded)
        ids = np.zeros((len(encoded), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, e in enumerate(encoded):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = e.attention_mask
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run(None, feed)[0]
        if self.pooling == "cls":
            return hidden[:, 0]
        weights = mask[..., None].astype(np.float32)
        return (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)


def _batches(order: np.ndarray, lengths: list[int], most: int, max_tokens: int) -> list[np.ndarray]:
    """Consecutive runs of `order` with at most `most` texts and `max_tokens` padded tokens each.

    Attention memory grows with batch x length^2: 64 chunks of 256 tokens took ~800 MB of
    activations and ran slower than eight batches of 8 (measured: 2,048 tokens per batch was the
    fastest budget and peaked at 350 MB), while 64 short sentences are cheap. A token budget keeps
    both fast and memory flat.
    """
    out, lo = [], 0
    while lo < len(order):
        width = lengths[order[lo]]  # the longest of the run: texts come longest first
        size = max(1, min(most, max_tokens // max(width, 1)))
        out.append(order[lo : lo + size])
        lo += size
    return out


def load(model_path: str, threads: int | None = None) -> OnnxEncoder:
    """The int8 ONNX encoder of a local sentence-transformers folder, exporting it on first use."""
    folder = exported_folder(model_path)
    if not (folder / MODEL_FILE).exists():
        export(model_path, folder)
    try:
        return OnnxEncoder(folder, threads)
    except ImportError as exc:
        raise missing_extra(exc.name or "onnxruntime", "the onnx embedding backend") from None


# --- export (once per machine and model) ---------------------------------------------------------
def export(model_path: str, folder: Path) -> None:
    """Export `model_path` to `folder` as int8 ONNX; atomic, so a crash never leaves half a model."""
    source = Path(model_path)
    if not (source / "tokenizer.json").exists():
        raise AssistantError(
            f"the onnx backend needs a local model folder with tokenizer.json; {model_path!r} has "
            "none. Use embedding_backend = 'torch' for this model."
        )
    meta = _model_meta(source)
    log.warning("exporting %s to int8 ONNX in %s (once per machine, about 15 s)", source.name, folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=folder.name + ".tmp"))
    try:
        _export_fp32(source, tmp / "model.onnx")
        _quantize(tmp / "model.onnx", tmp / MODEL_FILE)
        (tmp / "model.onnx").unlink()
        shutil.copy(source / "tokenizer.json", tmp / "tokenizer.json")
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        if not (folder / MODEL_FILE).exists():  # another process may have finished first
            shutil.rmtree(folder, ignore_errors=True)
            os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _model_meta(source: Path) -> dict[str, object]:
    """Sequence length, pooling and dimension, read from the sentence-transformers config files."""
    bert = _json(source / "sentence_bert_config.json")
    pooling = _json(source / "1_Pooling" / "config.json")
    if pooling.get("pooling_mode_cls_token"):
        mode = "cls"
    elif pooling.get("pooling_mode_mean_tokens", True):
        mode = "mean"
    else:
        raise AssistantError(
            f"the onnx backend supports mean or CLS pooling; {source} uses another. "
            "Use embedding_backend = 'torch' for this model."
        )
    config = _json(source / "config.json")
    dimension = pooling.get("word_embedding_dimension") or config.get("hidden_size")
    if dimension is None:
        raise AssistantError(
            f"{source} gives no embedding dimension: expected word_embedding_dimension in 1_Pooling/config.json "
            "or hidden_size in config.json"
        )
    return {"max_seq_length": int(bert.get("max_seq_length", 256)), "pooling": mode, "dimension": int(dimension)}


def _json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _export_fp32(source: Path, target: Path) -> None:
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise missing_extra(exc.name or "torch", "exporting the embedding model to ONNX") from None

    class LastHidden(torch.nn.Module):
        # transformers 5 models take keyword arguments only; the exporter passes positional ones.
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    model = AutoModel.from_pretrained(str(source), local_files_only=True).eval()
    sample = torch.ones((2, 8), dtype=torch.int64)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "sequence"} for n in [*names, "last_hidden_state"]}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes about Python control flow; the graph is checked after
        torch.onnx.export(
            LastHidden(model),
            (sample, sample, torch.zeros_like(sample)),
            str(target),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


def _quantize(source: Path, target: Path) -> None:
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:  # onnxruntime's quantiser needs the `onnx` package
        raise missing_extra(exc.name or "onnx", "exporting the embedding model to int8 ONNX") from None
    # onnxruntime logs a pre-processing hint through the root logger, which installs a stderr handler on
    # it for the rest of the process (and then every library's debug lines print): both are undone here.
    root = logging.getLogger()
    handlers = list(root.handlers)

    def hint(record: logging.LogRecord) -> bool:
        return "pre-processing before quantization" not in record.getMessage()

    root.addFilter(hint)
    try:
        # Per-channel int8 weights: mean cosine 0.993 to fp32 on SQuAD text, against 0.960 per tensor.
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.removeFilter(hint)
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
