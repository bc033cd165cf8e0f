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
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..ingest.chunking import context_text
from ..models import Chunk

log = logging.getLogger(__name__)
Stamp = tuple[int, int, int, int]  # inode, mtime, ctime and size of ids.json


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
        # Which saved files the in-memory index came from, so a search can tell when another process saved a
        # newer one. `_lock` keeps the state, its stamp and the build generation together: a reload started
        # before a build in this process must not put the older index back over the newer one.
        self._version: Stamp | None = None
        self._failed: Stamp | None = None  # files that would not load: said once, not retried on every search
        self._generation = 0
        self._saving = False  # a build of this process is saving (a reload that read its older files must not win)
        self._lock = threading.Lock()
        self._reloading = threading.Lock()  # one reload at a time; other searches use the current index

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

    def build(self, chunks: list[Chunk], save: bool = True) -> None:
        """Index `chunks` and save atomically (a temporary folder renamed over the old one); `save=False`
        keeps it in memory only (a reader of a read-only folder whose saved index is unreadable).

        Only the index's writer saves (`Index` holds the writer lock), so the fixed temporary
        folder names below are never used by two savers at once.
        """
        import bm25s

        bm25 = None
        if chunks:
            tokens = bm25s.tokenize(
                [context_text(c) for c in chunks], stopwords="en", stemmer=self._stemmer, show_progress=False
            )
            bm25 = bm25s.BM25()
            bm25.index(tokens, show_progress=False)
        ids = [c.id for c in chunks]
        with self._lock:
            self._generation += 1
            generation = self._generation
            self._saving = True  # until saved, the files are older than this index: no reload may replace it
            self._set(ids, bm25)
        if not save:  # nothing on disk is newer than what was read: a writer's next save may replace it
            with self._lock:
                self._saving = False
            return
        try:
            stamp = self._save(ids, bm25)
        except BaseException:
            with self._lock:
                self._saving = False
            raise
        with self._lock:
            self._saving = False
            if self._generation == generation:
                self._version = stamp

    def _save(self, ids: list[str], bm25: Any) -> Stamp | None:
        tmp = self.folder.with_name(self.folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if bm25 is not None:
            bm25.save(str(tmp), show_progress=False)
        (tmp / "ids.json").write_text(json.dumps(ids), encoding="utf-8")
        old = self.folder.with_name(self.folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.folder.exists():
            os.replace(self.folder, old)
        os.replace(tmp, self.folder)
        shutil.rmtree(old, ignore_errors=True)
        return self._stamp()

    def _stamp(self) -> Stamp | None:
        """Identity of the saved files: every save renames a new folder into place, so ids.json changes."""
        try:
            st = (self.folder / "ids.json").stat()
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size

    def refresh(self, wait: bool = False) -> bool:
        """Make the in-memory index the saved one; True when it is (False: none saved, or unreadable).

        Called before every search (one stat): an ingest from another process, the CLI while the
        UI runs, is searchable at once. A save caught halfway (no ids.json for a moment) keeps the
        current index; with `wait=False` a search does not wait for another thread's reload.
        """
        stamp = self._stamp()
        if stamp is None or stamp == self._failed:
            return False
        if stamp == self._version:
            return True
        if not self._reloading.acquire(blocking=wait):
            return True  # another thread is loading it right now
        try:
            return self.load()
        finally:
            self._reloading.release()

    def load(self) -> bool:
        """Load the saved index; False when there is none or it is unreadable (the writer then rebuilds it)."""
        import bm25s

        for _attempt in range(3):  # a save by another process may replace the files while they are read
            before = self._stamp()
            if before is None:
                return False
            with self._lock:
                generation = self._generation
            try:
                ids = json.loads((self.folder / "ids.json").read_text(encoding="utf-8"))
                bm25 = bm25s.BM25.load(str(self.folder)) if ids else None
            except (OSError, ValueError) as exc:
                if self._stamp() != before:
                    continue
                if before != self._failed:
                    log.warning("keyword index in %s is unreadable (%s)", self.folder, exc)
                    self._failed = before
                return False
            if self._stamp() != before:  # ids and rows may be of two versions
                continue
            with self._lock:
                # else this process built a newer one meanwhile, or is saving one (or saved it since the
                # check above): keep the one in memory
                if self._generation == generation and not self._saving and self._stamp() == before:
                    self._set(ids, bm25)
                    self._version = before
            return True
        return False

    def knows(self, term: str) -> bool:
        """Whether `term` (a lower-cased word or its stem) occurs in the indexed chunks."""
        bm25 = self._state[2]
        if bm25 is None:
            return False
        stem = self._stemmer.stemWord(term) if self._stemmer else term
        return term in bm25.vocab_dict or stem in bm25.vocab_dict

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

    def search(
        self, query: str, k: int, allowed: set[str] | None = None, also: Iterable[str] = ()
    ) -> list[tuple[str, float]]:
        """Up to `k` (chunk id, BM25 score) pairs, best first; only ids in `allowed` when given. The
        scores of the ids in `also` (say, the dense search's candidates) follow, when they match at all
        and are not among the `k`: from the same scoring pass, so fusion sees every candidate's keyword
        score, not only the `k` best ones'."""
        import bm25s

        ids, row, bm25 = self._state  # one snapshot: an ingest may swap in a new index meanwhile
        if bm25 is None or k <= 0:
            return []
        tokens = bm25s.tokenize([query], stopwords="en", stemmer=self._stemmer, show_progress=False, return_ids=False)
        if not tokens or not tokens[0]:
            return []
        scores = bm25.get_scores(tokens[0])
        if allowed is not None:
            mask = np.zeros(len(ids), dtype=scores.dtype)
            mask[[row[c] for c in allowed if c in row]] = 1
            scores = scores * mask
        best = top_k(scores, k)
        taken = set(best.tolist())
        extra = [r for r in dict.fromkeys(row[c] for c in also if c in row) if r not in taken and scores[r] > 0]
        return [(ids[int(d)], float(scores[d])) for d in [*best.tolist(), *extra]]


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Rows of the `k` best positive scores, best first (ties: lower row first).

    Not bm25s' own selection: `np.argpartition` over 100k scores that are nearly all zero (every
    chunk without a query word) takes ~25 ms, ten times a dense array; the non-zero ones are few.
    """
    rows = np.flatnonzero(scores > 0)
    if len(rows) > k:
        rows = rows[np.argpartition(-scores[rows], k - 1)[:k]]
    return rows[np.lexsort((rows, -scores[rows]))]
