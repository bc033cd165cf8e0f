"""BM25 keyword search with `bm25s`, persisted next to the vector index.

bm25s has no incremental add, so the index is rebuilt from the manifest's chunk rows after an
ingest that changed something (a few seconds for 100k chunks) and loaded as-is on start.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
from pathlib import Path

import numpy as np

from .chunking import context_text
from .models import Chunk

log = logging.getLogger(__name__)


def _stemmer():
    try:
        import Stemmer

        return Stemmer.Stemmer("english")
    except ImportError:  # stemming is a nicety; BM25 still works on plain tokens
        return None


class KeywordIndex:
    """BM25 over chunk texts (with title and section), addressed by chunk id."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ids: list[str] = []
        self._row: dict[str, int] = {}
        self._bm25 = None
        self._stemmer = _stemmer()

    def __len__(self) -> int:
        return len(self.ids)

    def build(self, chunks: list[Chunk]) -> None:
        """Index `chunks` and save atomically (a temporary folder renamed over the old one)."""
        import bm25s

        self.ids = [c.id for c in chunks]
        self._row = {cid: i for i, cid in enumerate(self.ids)}
        if not chunks:
            self._bm25 = None
        else:
            tokens = bm25s.tokenize([context_text(c) for c in chunks], stopwords="en", stemmer=self._stemmer,
                                    show_progress=False)
            self._bm25 = bm25s.BM25()
            self._bm25.index(tokens, show_progress=False)
        self._save()

    def _save(self) -> None:
        tmp = self.folder.with_name(self.folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self._bm25 is not None:
            self._bm25.save(str(tmp), show_progress=False)
        (tmp / "ids.json").write_text(json.dumps(self.ids), encoding="utf-8")
        old = self.folder.with_name(self.folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.folder.exists():
            os.replace(self.folder, old)
        os.replace(tmp, self.folder)
        shutil.rmtree(old, ignore_errors=True)

    def load(self) -> bool:
        """Load the saved index; False when there is none or it is unreadable (the caller rebuilds)."""
        import bm25s

        ids_file = self.folder / "ids.json"
        if not ids_file.exists():
            return False
        try:
            self.ids = json.loads(ids_file.read_text(encoding="utf-8"))
            self._bm25 = bm25s.BM25.load(str(self.folder)) if self.ids else None
        except (OSError, ValueError) as exc:
            log.warning("keyword index in %s is unreadable (%s); it will be rebuilt", self.folder, exc)
            return False
        self._row = {cid: i for i, cid in enumerate(self.ids)}
        return True

    def idf(self, terms: set[str]) -> dict[str, float]:
        """BM25 inverse document frequency of stemmed terms (unknown terms get the highest)."""
        if self._bm25 is None:
            return dict.fromkeys(terms, 1.0)
        vocab, indptr = self._bm25.vocab_dict, self._bm25.scores["indptr"]
        n = self._bm25.scores["num_docs"]
        out = {}
        for t in terms:
            i = vocab.get(t)
            df = int(indptr[i + 1] - indptr[i]) if i is not None and i + 1 < len(indptr) else 0
            out[t] = math.log(1 + (n - df + 0.5) / (df + 0.5))
        return out

    def search(self, query: str, k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """Up to `k` (chunk id, BM25 score) pairs, best first; only ids in `allowed` when given."""
        import bm25s

        if self._bm25 is None or k <= 0:
            return []
        tokens = bm25s.tokenize([query], stopwords="en", stemmer=self._stemmer, show_progress=False,
                                return_ids=False)
        if not tokens or not tokens[0]:
            return []
        mask = None
        if allowed is not None:
            mask = np.zeros(len(self.ids), dtype=np.float32)
            mask[[self._row[c] for c in allowed if c in self._row]] = 1.0
        k = min(k, len(self.ids))
        docs, scores = self._bm25.retrieve(tokens, k=k, show_progress=False, weight_mask=mask, n_threads=0)
        return [(self.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
