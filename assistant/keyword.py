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
from typing import Any

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
        self._state: tuple[list[str], dict[str, int], Any] = ([], {}, None)  # ids, row of each id, BM25
        self._stemmer = _stemmer()
        self._version: tuple[int, int] | None = None  # (inode, mtime) of the ids.json loaded or saved last

    @property
    def ids(self) -> list[str]:
        """The chunk ids, in BM25 row order."""
        return self._state[0]

    def __len__(self) -> int:
        return len(self.ids)

    def _set(self, ids: list[str], bm25: Any) -> None:
        # One assignment: a search in another thread sees the old index or the new one, never the new ids
        # with the old BM25 rows (which gave wrong ids, IndexError or a weight_mask ValueError mid-ingest).
        self._state = (ids, {cid: i for i, cid in enumerate(ids)}, bm25)

    def build(self, chunks: list[Chunk]) -> None:
        """Index `chunks` and save atomically (a temporary folder renamed over the old one)."""
        import bm25s

        bm25 = None
        if chunks:
            tokens = bm25s.tokenize([context_text(c) for c in chunks], stopwords="en", stemmer=self._stemmer,
                                    show_progress=False)
            bm25 = bm25s.BM25()
            bm25.index(tokens, show_progress=False)
        self._set([c.id for c in chunks], bm25)
        self._save()

    def _save(self) -> None:
        tmp = self.folder.with_name(self.folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        ids, _, bm25 = self._state
        if bm25 is not None:
            bm25.save(str(tmp), show_progress=False)
        (tmp / "ids.json").write_text(json.dumps(ids), encoding="utf-8")
        old = self.folder.with_name(self.folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.folder.exists():
            os.replace(self.folder, old)
        os.replace(tmp, self.folder)
        shutil.rmtree(old, ignore_errors=True)
        self._version = self._stamp()

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = (self.folder / "ids.json").stat()
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns

    def refresh(self) -> None:
        """Reload when another process saved a newer index (an ingest from the CLI while the UI runs).

        One stat per search. Every save renames a new folder into place, so ids.json's inode
        changes; a save caught halfway (no ids.json for a moment) keeps the current index.
        """
        stamp = self._stamp()
        if stamp is not None and stamp != self._version:
            self.load(quiet=True)

    def load(self, quiet: bool = False) -> bool:
        """Load the saved index; False when there is none or it is unreadable (the caller rebuilds)."""
        import bm25s

        ids_file = self.folder / "ids.json"
        before = self._stamp()
        if before is None:
            return False
        try:
            ids = json.loads(ids_file.read_text(encoding="utf-8"))
            bm25 = bm25s.BM25.load(str(self.folder)) if ids else None
        except (OSError, ValueError) as exc:
            if not quiet:
                log.warning("keyword index in %s is unreadable (%s); it will be rebuilt", self.folder, exc)
            return False
        if self._stamp() != before:  # another process saved meanwhile: ids and rows may be of two versions
            return False if quiet else self.load()
        self._set(ids, bm25)
        self._version = before
        return True

    def idf(self, terms: set[str]) -> dict[str, float]:
        """BM25 inverse document frequency of stemmed terms (unknown terms get the highest)."""
        bm25 = self._state[2]
        if bm25 is None:
            return dict.fromkeys(terms, 1.0)
        vocab, indptr = bm25.vocab_dict, bm25.scores["indptr"]
        n = bm25.scores["num_docs"]
        out = {}
        for t in terms:
            i = vocab.get(t)
            df = int(indptr[i + 1] - indptr[i]) if i is not None and i + 1 < len(indptr) else 0
            out[t] = math.log(1 + (n - df + 0.5) / (df + 0.5))
        return out

    def search(self, query: str, k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """Up to `k` (chunk id, BM25 score) pairs, best first; only ids in `allowed` when given."""
        import bm25s

        ids, row, bm25 = self._state  # one snapshot: an ingest may swap in a new index meanwhile
        if bm25 is None or k <= 0:
            return []
        tokens = bm25s.tokenize([query], stopwords="en", stemmer=self._stemmer, show_progress=False,
                                return_ids=False)
        if not tokens or not tokens[0]:
            return []
        scores = bm25.get_scores(tokens[0])
        if allowed is not None:
            mask = np.zeros(len(ids), dtype=scores.dtype)
            mask[[row[c] for c in allowed if c in row]] = 1
            scores = scores * mask
        return [(ids[int(d)], float(scores[d])) for d in top_k(scores, k)]


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Rows of the `k` best positive scores, best first (ties: lower row first).

    Not bm25s' own selection: `np.argpartition` over 100k scores that are nearly all zero (every
    chunk without a query word) takes ~25 ms, ten times a dense array; the non-zero ones are few.
    """
    rows = np.flatnonzero(scores > 0)
    if len(rows) > k:
        rows = rows[np.argpartition(-scores[rows], k - 1)[:k]]
    return rows[np.lexsort((rows, -scores[rows]))]
