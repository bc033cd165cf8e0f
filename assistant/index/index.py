"""The index: vectors in Chroma, BM25 keywords, and the manifest that keeps them consistent.

Ingest is incremental and crash-safe. Per group of articles: mark them pending (committed), write
their vectors, then mark them done with their chunk rows (committed). A crash leaves at most one
group pending, and `recover()` on the next open deletes its vectors, so no article is ever half
indexed and the next ingest simply redoes it.

One writer at a time per index folder, across processes: ingest and remove hold `.writer.lock`
(an OS file lock, released when the process dies), and `recover()` repairs only when it can take
that lock at once. Without it, opening the index (a UI start, `assistant ask`) while another
process ingested rolled back that ingest's in-flight articles: 300 reported added, 172 kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout
from tqdm.auto import tqdm

from ..errors import IndexReadOnly, IngestInterrupted
from ..ingest.articles import load_articles
from ..ingest.chunking import chunk_article, context_text, sentence_spans
from ..ingest.fetch import FetchOptions, is_url
from ..models import Article, ArticleInfo, Chunk, Duplicate, Failure, IngestReport
from ..settings import Settings
from .embeddings import Embedder, get_embedder
from .folder import prepare_for_writing, require_index
from .keyword import KeywordIndex
from .manifest import Manifest, SentenceRow, check_model
from .store import VectorStore, open_store

log = logging.getLogger(__name__)
Progress = Callable[[int, int, str], None]  # (done, total, message)


@dataclass
class _Planned:
    article: Article
    digest: str
    existed: bool
    chunks: list[Chunk]


class Index:
    """One index folder: open with `Index.open(settings)`; safe to share between threads."""

    def __init__(
        self, settings: Settings, manifest: Manifest, store: VectorStore | None, keyword: KeywordIndex
    ) -> None:
        self.settings = settings
        self.manifest = manifest
        self._store = store  # None: opened on first use (a reader listing articles needs no vectors)
        self._store_lock = threading.Lock()
        self.keyword = keyword
        self._embedder: Embedder | None = None
        self._write_lock = threading.Lock()  # threads of this process; `_writer` adds other processes
        self._file_lock = FileLock(Path(settings.index_dir) / ".writer.lock", thread_local=False)
        self.missing_vectors: set[str] = set()  # chunk ids the manifest lists and the vector store lacks

    @classmethod
    def open(cls, settings: Settings, readonly: bool = False) -> Index:
        """Open the index folder named by `settings.index_dir`.

        For writing (the default: ingest), the folder is created if needed and a crashed ingest is
        repaired. With `readonly` (ask, chat, articles, serve) nothing is created or changed: a
        missing index is `IndexMissing`, and a folder this process cannot write still answers
        (see `open_readonly`). Each way the path can fail raises its own `StoreError` subclass.
        """
        if readonly:
            return cls.open_readonly(settings)
        folder = Path(settings.index_dir)
        prepare_for_writing(folder)
        manifest = Manifest(folder / "manifest.sqlite3")
        check_model(manifest, settings)
        index = cls(settings, manifest, open_store(settings), KeywordIndex(folder / "bm25"))
        index.recover()
        return index

    @classmethod
    def open_readonly(cls, settings: Settings) -> Index:
        """An existing index, opened to answer questions: SQLite `mode=ro`, the keyword index as saved, no
        repairs, no lock file. Writing through it later (an upload) first reopens it for writing."""
        folder = Path(settings.index_dir)
        require_index(folder)
        manifest = Manifest(folder / "manifest.sqlite3", readonly=True)
        check_model(manifest, settings)
        index = cls(settings, manifest, None, KeywordIndex(folder / "bm25"))
        if not index.keyword.refresh(wait=True):
            log.warning("the keyword index in %s is missing or unreadable; built in memory for this process", folder)
            index.keyword.build(manifest.all_chunks(), save=False)
        with contextlib.suppress(IndexReadOnly):
            _ = index.store  # opened (and compared with the manifest) now, as for writing; except that an
            # embedded store in a read-only folder fails only when searched: listing articles needs no vectors
        return index

    @property
    def store(self) -> VectorStore:
        """The vector store; a read-only index opens it (and compares it with the manifest) on first use."""
        if self._store is None:
            with self._store_lock:
                if self._store is None:
                    self._store = open_store(self.settings, readonly=self.readonly)
                    self.check_store()
        return self._store

    @property
    def readonly(self) -> bool:
        """True while the index is open for reading only (see `open_readonly`)."""
        return self.manifest.readonly

    def _make_writable(self) -> None:
        """Reopen a read-only index for writing, or say why this process cannot write it."""
        if not self.manifest.readonly:
            return
        folder = Path(self.settings.index_dir)
        prepare_for_writing(folder)
        manifest = Manifest(folder / "manifest.sqlite3")
        check_model(manifest, self.settings)
        self.manifest = manifest  # the read-only connection stays open for searches that hold it

    @contextmanager
    def _writer(self, wait: bool = True) -> Iterator[bool]:
        """Hold the index's write locks (this process's threads, then other processes); yields whether held.

        Whoever takes the lock first repairs what a writer that died left (`_repair`): a pending
        article is a crash's leftover only when nobody holds the lock. `wait=False` gives up at once
        when another process holds it; otherwise it says so and waits.
        """
        with self._write_lock:
            self._make_writable()
            try:
                self._file_lock.acquire(timeout=0)
            except Timeout:
                if not wait:
                    yield False
                    return
                log.warning(
                    "another process is writing to the index in %s; waiting for it to finish", self.settings.index_dir
                )
                self._file_lock.acquire()
            try:
                self._repair()
                yield True
            finally:
                self._file_lock.release()

    @property
    def embedder(self) -> Embedder:
        """The embedding model, loaded on first use (listing articles does not need it)."""
        if self._embedder is None:
            self._embedder = get_embedder(self.settings)
        return self._embedder

    def recover(self) -> None:
        """Undo a crashed ingest (pending articles), rebuild a stale keyword index and check the vector store.

        Pending articles are only a crash's leftovers when no other process is writing: while one
        is, they are its work in flight, and the index is used as it is (the writer finishes it).
        """
        with self._writer(wait=False) as mine:
            if not mine:
                log.info(
                    "another process is writing to the index in %s; opening it without repairs", self.settings.index_dir
                )
                self.keyword.refresh(wait=True)

    def _repair(self) -> None:
        """Roll back pending articles, rebuild a stale keyword index, check the store; under the writer lock."""
        pending = self.manifest.pending()
        if pending:
            log.warning("rolling back %d article(s) an interrupted ingest left unfinished", len(pending))
            self.store.delete_articles(pending)
            with self.manifest.transaction() as db:
                self.manifest.remove(db, pending)
            self.manifest.set_meta("keyword_dirty", "1")
        stale = self.manifest.get_meta("keyword_dirty") == "1" or not self.keyword.refresh(wait=True)
        if stale or len(self.keyword) != self.manifest.count_chunks():
            self._rebuild_keywords()
        self.check_store()

    def check_store(self) -> None:
        """Compare the vector store with the manifest; note (and say) which chunks lack vectors.

        A Chroma server can be reset, or `chroma_url` pointed at another one, while the manifest in
        the index folder still lists every article as done. Such chunks are found by keywords only
        until the next ingest re-embeds them from the manifest (`resync`), without their files.
        """
        recorded = self.manifest.get_meta("vector_store")
        have, want = self.store.count(), self.manifest.count_chunks()
        if have != want:
            listed = self.manifest.chunk_ids()
            stored = self.store.all_ids()
            self.missing_vectors = set(listed) - stored
            _warn_inconsistent(self, recorded, len(listed), len(self.missing_vectors), len(stored - set(listed)))
        if recorded != self.store.location and not self.missing_vectors and not self.readonly:
            self.manifest.set_meta("vector_store", self.store.location)

    def resync(self) -> int:
        """Embed and store the chunks whose vectors the store lacks (see `check_store`); returns how many."""
        missing = sorted(self.missing_vectors)
        for lo in range(0, len(missing), 1024):
            rows = self.manifest.chunks_by_id(missing[lo : lo + 1024])
            chunks = [rows[cid][0] for cid in missing[lo : lo + 1024] if cid in rows]
            self.store.add(chunks, self.embedder.embed([context_text(c) for c in chunks]))
        log.warning("re-embedded %d chunk(s) missing from the vector store %s", len(missing), self.store.location)
        self.missing_vectors = set()
        self.manifest.set_meta("vector_store", self.store.location)
        return len(missing)

    @property
    def generation(self) -> int:
        """A number that grows with every ingest or removal that changed the articles (0 for a new index):
        replicas behind a load balancer report it, so one that lags behind shows."""
        return int(self.manifest.get_meta("generation") or 0)

    def _bump_generation(self, report: IngestReport) -> None:
        if report.added or report.updated or report.removed:
            self.manifest.set_meta("generation", str(self.generation + 1))

    def _rebuild_keywords(self) -> None:
        self.keyword.build(self.manifest.all_chunks())
        self.manifest.set_meta("keyword_dirty", "0")

    # --- reading -------------------------------------------------------------------------------
    def articles(self) -> list[ArticleInfo]:
        return self.manifest.articles()

    def chunk_rows(self, ids: Iterable[str]) -> dict[str, SentenceRow]:
        return self.manifest.chunks_by_id(ids)

    # --- writing -------------------------------------------------------------------------------
    def ingest(
        self, paths: Sequence[str | Path], prune: bool = False, progress: bool | Progress = True
    ) -> IngestReport:
        """Ingest files and folders; unchanged articles are skipped, changed ones replaced."""
        fetch = FetchOptions.from_settings(self.settings)
        articles, failures = load_articles(paths, int(self.settings.max_file_mb * 2**20), progress is True, fetch)
        return self.ingest_articles(articles, failures, prune=prune, progress=progress)

    def ingest_articles(
        self,
        articles: list[Article],
        failures: Sequence[Failure] = (),
        prune: bool = False,
        progress: bool | Progress = True,
    ) -> IngestReport:
        """Ingest already parsed articles (what `ingest` does after reading the files)."""
        started = time.perf_counter()
        with self._writer():
            report = IngestReport(failed=list(failures))
            if self.missing_vectors:
                self.resync()
            known = self.manifest.hashes()
            plan, stale = self._plan(articles, failures, known, report, progress is True)
            if prune:
                # web pages and feed entries have no file to be gone: they stay until removed
                stale |= {aid for aid, (src, _, _) in known.items() if not is_url(src) and not Path(src).exists()}
            self.manifest.set_meta("keyword_dirty", "1")
            try:
                self._remove(sorted(stale), report)
                self._write(plan, report, progress)
            except KeyboardInterrupt:
                raise IngestInterrupted from None  # the command that was stopped, whichever, says how to resume
            finally:
                self._rebuild_keywords()
                self._bump_generation(report)
        report.seconds = round(time.perf_counter() - started, 3)
        return report

    def remove(self, article_ids: Sequence[str]) -> list[str]:
        """Delete articles by id; returns the ids that existed."""
        with self._writer():
            report = IngestReport()
            known = self.manifest.hashes()
            self.manifest.set_meta("keyword_dirty", "1")
            self._remove([a for a in article_ids if a in known], report)
            self._rebuild_keywords()
            self._bump_generation(report)
        return report.removed

    def _plan(
        self,
        articles: list[Article],
        failures: Sequence[Failure],
        known: dict,
        report: IngestReport,
        show: bool = False,
    ) -> tuple[list[_Planned], set[str]]:
        failed_files = {f.path.rsplit(":", 1)[0] for f in failures} | {f.path for f in failures}
        plan, seen_sources, ids = [], set(), set()
        by_content = {
            digest: aid
            for aid, (src, digest, status) in known.items()
            if digest and status == "done" and not _moved_away(src)
        }
        # Chunking counts tokens (about 1 ms a chunk): a minute for 100k chunks, so it gets a bar too.
        for article in tqdm(articles, desc="chunking", unit="article", disable=not show or len(articles) < 50):
            _avoid_collision(article, known)
            ids.add(article.id)
            seen_sources.add(article.source)
            digest = self._digest(article)
            prior = known.get(article.id)
            if prior and prior[1] == digest and prior[2] == "done" and prior[0] == article.source:
                report.unchanged.append(article.id)
                continue
            twin = by_content.get(digest)
            if twin is not None and twin != article.id:  # the same article from another file: index it once
                report.duplicates.append(Duplicate(article.source, article.title, twin))
                ids.discard(article.id)
                continue
            by_content[digest] = article.id
            chunks = chunk_article(article, self.settings.chunk_size, self.settings.chunk_overlap)
            plan.append(_Planned(article, digest, prior is not None, chunks))
        # Articles that a re-parsed file no longer contains; a file that failed (even partly) keeps its old ones.
        stale = {
            aid
            for aid, (src, _, _) in known.items()
            if src in seen_sources and src not in failed_files and aid not in ids
        }
        return plan, stale

    def _digest(self, article: Article) -> str:
        """The hash of what an article says and how it is chunked and embedded; not of where it came from,
        so the same article from two files has one hash (the second is reported as a duplicate)."""
        s = self.settings
        content = {k: v for k, v in article.metadata().items() if k not in ("id", "source", "url")}
        payload = json.dumps(
            [content, article.teaser, article.text, s.chunk_size, s.chunk_overlap, s.embedding_model], sort_keys=True
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def _remove(self, article_ids: Sequence[str], report: IngestReport) -> None:
        if not article_ids:
            return
        # Pending first: if the process dies once the vectors are gone, `recover` finishes the removal on open
        # (deleting the vectors first left the articles listed as done, without vectors).
        with self.manifest.transaction() as db:
            self.manifest.mark_removing(db, article_ids)
        self.store.delete_articles(list(article_ids))
        with self.manifest.transaction() as db:
            self.manifest.remove(db, article_ids)
        report.removed.extend(article_ids)

    def _write(self, plan: list[_Planned], report: IngestReport, progress: bool | Progress) -> None:
        total = sum(len(p.chunks) for p in plan)
        done = 0
        if total:
            _ = self.embedder  # loaded (or exported, the first time) before the bar starts, not inside it
        # One group is one embedding call of ~4 batches: memory stays flat however big the folder,
        # and a Ctrl-C loses at most the group in flight (its articles are pending, rolled back on open).
        with tqdm(total=total, unit="chunk", desc="embedding", disable=progress is not True or total == 0) as bar:
            for group in _groups(plan, max_chunks=max(self.settings.embedding_batch_size * 4, 64)):
                self._write_group(group)
                for p in group:
                    (report.updated if p.existed else report.added).append(p.article.id)
                    report.chunks += len(p.chunks)
                    report.faq_chunks += sum(c.is_faq for c in p.chunks)
                n = sum(len(p.chunks) for p in group)
                done += n
                bar.update(n)
                if callable(progress):
                    progress(done, total, group[-1].article.title)

    def _write_group(self, group: list[_Planned]) -> None:
        chunks = [c for p in group for c in p.chunks]
        spans = [sentence_spans(c.text) for c in chunks]
        sentences = [c.text[a:b] for c, ss in zip(chunks, spans, strict=True) for a, b in ss]
        vectors = self.embedder.embed([context_text(c) for c in chunks] + sentences)
        chunk_vecs, sent_vecs = vectors[: len(chunks)], vectors[len(chunks) :]
        with self.manifest.transaction() as db:
            for p in group:
                self.manifest.mark_pending(db, p.article.id, p.article.source, p.article.metadata())
        self.store.delete_articles([p.article.id for p in group])
        self.store.add(chunks, chunk_vecs)
        rows: dict[str, list[SentenceRow]] = {}
        offset, i = 0, 0
        for p in group:
            rows[p.article.id] = []
            for c in p.chunks:
                n = len(spans[i])
                rows[p.article.id].append((c, spans[i], sent_vecs[offset : offset + n]))
                offset += n
                i += 1
        with self.manifest.transaction() as db:
            for p in group:
                self.manifest.mark_done(db, p.article.id, p.digest, rows[p.article.id])


def _groups(plan: list[_Planned], max_chunks: int) -> Iterable[list[_Planned]]:
    """Consecutive articles in groups of about `max_chunks` chunks (one embedding call each)."""
    group: list[_Planned] = []
    size = 0
    for p in plan:
        group.append(p)
        size += len(p.chunks)
        if size >= max_chunks:
            yield group
            group, size = [], 0
    if group:
        yield group


def _moved_away(source: str) -> bool:
    """True for an article whose file is gone: the same content at a new path is the article moved, not a copy."""
    path = source.split("#", 1)[0]
    return not is_url(source) and ("/" in path or "\\" in path) and not Path(path).exists()


def _avoid_collision(article: Article, known: dict) -> None:
    """Give an article a distinct id when another existing file already owns its id."""
    prior = known.get(article.id)
    if prior and prior[0] != article.source and Path(prior[0]).exists():
        article.id = f"{article.id}-{hashlib.sha1(article.source.encode()).hexdigest()[:6]}"


def _warn_inconsistent(index: Index, recorded: str | None, listed: int, missing: int, extra: int) -> None:
    where = index.store.location
    if missing:
        built = f" (it was built against {recorded})" if recorded and recorded != where else ""
        log.warning(
            "the vector store %s lacks the vectors of %d of the %d chunks that the index in %s lists%s: the server "
            "was reset or is another one. Those passages are found by keywords only until the next "
            "`assistant ingest`, which re-embeds them from the index folder.",
            where,
            missing,
            listed,
            index.settings.index_dir,
            built,
        )
    if extra:
        log.warning(
            "the vector store %s holds %d vector(s) the index in %s does not list (another index shares "
            "the collection?); searches ignore them",
            where,
            extra,
            index.settings.index_dir,
        )
