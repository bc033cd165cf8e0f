"""The manifest: what is ingested, with content hashes, chunk rows and sentence spans.

SQLite (standard library) because ingest must survive a SIGKILL at any point: every state change
is one transaction. An article is `pending` while its vectors are written and `done` after; a
pending article found on open is rolled back (see `Index.recover`). Chunk texts live here too, so
the keyword index can be rebuilt and neighbours looked up without asking the vector store.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import CorruptIndex, ForeignIndex, IndexReadOnly, StoreError
from ..models import ArticleInfo, Chunk
from ..settings import Settings

log = logging.getLogger(__name__)

# (chunk, sentence spans in the chunk text, one unit vector per sentence)
SentenceRow = tuple[Chunk, list[tuple[int, int]], np.ndarray]

SCHEMA_VERSION = "1"
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, hash TEXT, status TEXT NOT NULL,
    info TEXT NOT NULL, chunks INTEGER DEFAULT 0, faq_chunks INTEGER DEFAULT 0, updated REAL);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY, article_id TEXT NOT NULL, position INTEGER NOT NULL, title TEXT, section TEXT,
    text TEXT NOT NULL, start INTEGER, "end" INTEGER, kind TEXT, tokens INTEGER, sentences TEXT, vectors BLOB);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id, position);
"""
# Columns of the tables SCHEMA creates: a database with other tables, or these without them, is another program's.
_COLUMNS = {
    "meta": {"key", "value"},
    "articles": {"id", "source", "hash", "status", "info", "chunks", "faq_chunks", "updated"},
    "chunks": {
        "id",
        "article_id",
        "position",
        "title",
        "section",
        "text",
        "start",
        "end",
        "kind",
        "tokens",
        "sentences",
        "vectors",
    },
}


class Manifest:
    """A SQLite file in the index folder. Thread-safe; one connection guarded by a lock.

    `readonly=True` opens it read-only and never writes, nor creates a file (readers: ask, chat, serve).
    While a writer has the database open (its `-wal` file exists) SQLite reads through the writer's
    `-shm` file (`mode=ro`); otherwise the file is opened `immutable=1`, exact while no writer is
    connected, which also works in a folder this process cannot write. The connection is replaced
    whenever a writer comes or goes (the `-wal` file appears or disappears) or the file changes.
    """

    def __init__(self, path: Path, readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        self._lock = threading.RLock()
        self._writes = 0  # own commits; SQLite's data_version only counts other connections'
        self._opened = 0  # connections opened so far: a reopened read-only file is a new version too
        # (writer connected, file stamp) when the connection was opened, in a folder this process cannot write
        self._watched: tuple[bool, tuple[int, int, int]] | None = None
        self._cache: dict[str, tuple[tuple[int, int, int], object]] = {}
        try:
            self._conn = self._connect()
            self._check_foreign()  # before anything is written: never change another program's database
            if not readonly:
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.executescript(SCHEMA)
            self._check_version()
        except sqlite3.DatabaseError as exc:
            raise CorruptIndex(
                f"{path} is not a readable manifest ({exc}). The index folder is corrupt or was not made by this "
                "assistant: move it away or point --index at an empty folder, then ingest again."
            ) from None

    def _connect(self) -> sqlite3.Connection:
        self._opened += 1
        if not self.readonly:
            return sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        uri = self.path.resolve().as_uri()
        self._watched = self._state()
        if self._watched[0]:  # a writer is connected: read through its `-shm`, as SQLite readers do
            db = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False, isolation_level=None, timeout=30)
            try:
                db.execute("SELECT count(*) FROM sqlite_master").fetchone()
                return db
            except sqlite3.OperationalError as exc:
                # a `-wal` left by a writer that died, and no `-shm` this process may read: read the file alone
                log.warning(
                    "reading %s without its write-ahead log (%s): its last writer did not close it", self.path, exc
                )
                db.close()
        # No writer: the file is read as it is. `mode=ro` would need SQLite's `-shm` file, which it cannot make in
        # a folder this process may not write (and would leave behind in one it may); `_db` reopens the file once
        # a writer appears or the file changes.
        return sqlite3.connect(
            f"{uri}?immutable=1", uri=True, check_same_thread=False, isolation_level=None, timeout=30
        )

    def _state(self) -> tuple[bool, tuple[int, int, int]]:
        """Whether a writer is connected (the `-wal` file exists), and the file's inode, mtime and size."""
        st = self.path.stat()
        return self.path.with_name(self.path.name + "-wal").exists(), (st.st_ino, st.st_mtime_ns, st.st_size)

    @property
    def _db(self) -> sqlite3.Connection:
        """The connection; a read-only one is replaced once a writer came or went, or the file changed."""
        if self._watched is not None:
            with self._lock:
                if self._watched is not None and self._changed(self._watched):
                    self._conn.close()
                    self._conn = self._connect()
        return self._conn

    def _changed(self, watched: tuple[bool, tuple[int, int, int]]) -> bool:
        writer, stamp = self._state()
        # With a writer connected, SQLite itself follows the changes (through `-shm`); without one, the
        # immutable connection must be replaced whenever the file changed.
        return writer != watched[0] or (not writer and stamp != watched[1])

    def _check_foreign(self) -> None:
        """StoreError when the file is an SQLite database of another program (other tables or columns)."""
        tables = {
            r[0]
            for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
        }
        columns = {t: {r[1] for r in self._db.execute(f'PRAGMA table_info("{t}")')} for t in tables & set(_COLUMNS)}
        ours = set(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", SCHEMA))
        if tables - ours or any(not _COLUMNS[t] <= have for t, have in columns.items()):
            raise ForeignIndex(
                f"{self.path} is not a manifest of this assistant (it holds the tables {', '.join(sorted(tables))}): "
                "the index folder belongs to another program. Point --index at an empty or new folder."
            )

    def _check_version(self) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is None and self.readonly:
            raise CorruptIndex(
                f"{self.path} is an unfinished manifest (no schema version): the index folder was never "
                "fully created. Run `assistant ingest` into it, or point --index at the right folder."
            )
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        elif row[0] != SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has manifest schema {row[0]}, this version reads {SCHEMA_VERSION}: it was "
                "made by another version of the assistant. Use that version, or point --index at a new "
                "folder and ingest again."
            )

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        if self.readonly:
            raise IndexReadOnly(f"{self.path} was opened read-only; it cannot be changed through this connection")
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            finally:
                self._writes += 1
            self._db.execute("COMMIT")

    def _version(self) -> tuple[int, int, int]:
        """Changes whenever this or any other connection (another process) commits a change."""
        return int(self._db.execute("PRAGMA data_version").fetchone()[0]), self._writes, self._opened

    def _cached(self, key: str, compute: Callable[[], Any]) -> Any:
        """`compute()` once per version of the file: every question reads these, few change them."""
        with self._lock:
            version = self._version()
            hit = self._cache.get(key)
            if hit is None or hit[0] != version:
                hit = (version, compute())
                self._cache[key] = hit
            return hit[1]

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # --- key/value state -------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        if self.readonly:
            raise IndexReadOnly(f"{self.path} was opened read-only; cannot set {key!r}")
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
            self._writes += 1

    # --- articles --------------------------------------------------------------------------
    def hashes(self) -> dict[str, tuple[str, str | None, str]]:
        """article id -> (source, hash, status)."""
        with self._lock:
            rows = self._db.execute("SELECT id, source, hash, status FROM articles").fetchall()
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def mark_pending(self, db: sqlite3.Connection, article_id: str, source: str, info: dict) -> None:
        db.execute(
            "INSERT OR REPLACE INTO articles (id, source, hash, status, info, updated) VALUES (?, ?, NULL, 'pending', ?, ?)",
            (article_id, source, json.dumps(info), time.time()),
        )

    def mark_done(self, db: sqlite3.Connection, article_id: str, digest: str, rows: list[SentenceRow]) -> None:
        """Store an article's chunks with their sentence spans and sentence vectors, and mark it done."""
        chunks = [c for c, _, _ in rows]
        db.execute("DELETE FROM chunks WHERE article_id=?", (article_id,))
        db.executemany(
            'INSERT INTO chunks (id, article_id, position, title, section, text, start, "end", kind, tokens, sentences, '
            "vectors) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    c.id,
                    c.article_id,
                    c.position,
                    c.title,
                    c.section,
                    c.text,
                    c.start,
                    c.end,
                    c.kind,
                    c.tokens,
                    json.dumps(spans),
                    np.asarray(vectors, dtype=np.float16).tobytes(),
                )
                for c, spans, vectors in rows
            ],
        )
        faq = sum(c.is_faq for c in chunks)
        db.execute(
            "UPDATE articles SET hash=?, status='done', chunks=?, faq_chunks=?, updated=? WHERE id=?",
            (digest, len(chunks), faq, time.time(), article_id),
        )

    def mark_removing(self, db: sqlite3.Connection, article_ids: Iterable[str]) -> None:
        """Mark articles pending before their vectors are deleted (a crash then rolls the removal forward)."""
        db.executemany("UPDATE articles SET status='pending' WHERE id=?", [(a,) for a in article_ids])

    def remove(self, db: sqlite3.Connection, article_ids: Iterable[str]) -> None:
        ids = [(a,) for a in article_ids]
        db.executemany("DELETE FROM chunks WHERE article_id=?", ids)
        db.executemany("DELETE FROM articles WHERE id=?", ids)

    def pending(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT id FROM articles WHERE status='pending'")]

    def articles(self) -> list[ArticleInfo]:
        """Done articles by id. Cached per file version: answers look sources up here on every question."""
        return list(self._cached("articles", self._read_articles))

    def _read_articles(self) -> list[ArticleInfo]:
        with self._lock:
            rows = self._db.execute(
                "SELECT info, chunks, faq_chunks, hash FROM articles WHERE status='done' ORDER BY id"
            ).fetchall()
        out = []
        for info, n, faq, digest in rows:
            meta = json.loads(info)
            out.append(
                ArticleInfo(
                    **{k: meta.get(k, "") for k in ("id", "title", "source", "author", "date", "url")},
                    tags=list(meta.get("tags", [])),
                    pages=[(int(a), int(b)) for a, b in meta.get("pages", [])],
                    chunks=n,
                    faq_chunks=faq,
                    content_hash=digest,
                )
            )
        return out

    # --- chunks ----------------------------------------------------------------------------
    def all_chunks(self) -> list[Chunk]:
        """Every chunk of every done article, in a stable order (the keyword index's row order)."""
        with self._lock:
            rows = self._db.execute(
                'SELECT c.id, c.article_id, c.title, c.section, c.text, c.position, c.start, c."end", c.kind, c.tokens '
                "FROM chunks c JOIN articles a ON a.id = c.article_id WHERE a.status='done' "
                "ORDER BY c.article_id, c.position"
            ).fetchall()
        return [_chunk(r) for r in rows]

    def chunk_ids(self) -> dict[str, str]:
        """chunk id -> article id, for every chunk of a done article."""
        with self._lock:
            rows = self._db.execute(
                "SELECT c.id, c.article_id FROM chunks c JOIN articles a ON a.id = c.article_id WHERE a.status='done'"
            ).fetchall()
        return dict(rows)

    def chunks_by_id(self, ids: Iterable[str]) -> dict[str, SentenceRow]:
        """chunk id -> (chunk, sentence spans within the chunk text, sentence vectors as float32)."""
        ids = list(ids)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with self._lock:
            rows = self._db.execute(
                'SELECT id, article_id, title, section, text, position, start, "end", kind, tokens, sentences, vectors '
                f"FROM chunks WHERE id IN ({marks})",
                ids,
            ).fetchall()
        out = {}
        for r in rows:
            spans = [(int(a), int(b)) for a, b in json.loads(r[10])]
            out[r[0]] = (_chunk(r[:10]), spans, _vectors(r[11], len(spans)))
        return out

    def article_rows(self, article_id: str) -> list[SentenceRow]:
        """Every chunk of one article in order, with its sentence spans and vectors (for summaries)."""
        with self._lock:
            ids = [
                r[0]
                for r in self._db.execute(
                    "SELECT id FROM chunks WHERE article_id=? ORDER BY position", (article_id,)
                ).fetchall()
            ]
        rows = self.chunks_by_id(ids)
        return [rows[i] for i in ids if i in rows]

    def mentions(self, word: str) -> bool:
        """Whether a chunk holds a word starting with `word`, in any case: a scan of the texts, asked only for the few
        words of a question that the articles may spell another way."""
        with self._lock:
            rows = self._db.execute(
                "SELECT text FROM chunks WHERE instr(lower(text), ?) > 0 LIMIT 50", (word.lower(),)
            ).fetchall()
        starts = re.compile(rf"\b{re.escape(word)}", re.I)
        return any(starts.search(r[0]) for r in rows)

    def neighbours(self, article_id: str, positions: Iterable[int]) -> list[Chunk]:
        """The chunks of one article at the given positions (missing ones are skipped)."""
        wanted = sorted(set(positions))
        marks = ",".join("?" * len(wanted))
        with self._lock:
            rows = self._db.execute(
                'SELECT id, article_id, title, section, text, position, start, "end", kind, tokens '
                f"FROM chunks WHERE article_id=? AND position IN ({marks}) ORDER BY position",
                [article_id, *wanted],
            ).fetchall()
        return [_chunk(r) for r in rows]

    def count_chunks(self) -> int:
        """Chunks of done articles (pending ones are being written). Cached like `articles()`."""
        return self._cached("count", lambda: sum(a.chunks for a in self._read_articles_cached()))

    def _read_articles_cached(self) -> list[ArticleInfo]:
        return self._cached("articles", self._read_articles)


def _vectors(blob: bytes | None, count: int) -> np.ndarray:
    # float16 halves the file; cosine scores move by < 1e-3, far below any threshold we use.
    flat = np.frombuffer(blob or b"", dtype=np.float16).astype(np.float32)
    return flat.reshape(count, -1) if count else flat.reshape(0, 0)


def _chunk(r: tuple) -> Chunk:
    return Chunk(
        id=r[0],
        article_id=r[1],
        title=r[2],
        section=r[3],
        text=r[4],
        position=r[5],
        start=r[6],
        end=r[7],
        kind=r[8],
        tokens=r[9],
    )


def check_model(manifest: Manifest, settings: Settings) -> None:
    """Record the embedding model and backend of a new index; refuse another model's vectors."""
    backend = manifest.get_meta("embedding_backend")
    if backend is None:
        if not manifest.readonly:
            manifest.set_meta("embedding_backend", settings.embedding_backend)
    elif backend != settings.embedding_backend:
        # Same model, other runtime: vectors agree to cosine ~0.99, so mixing is allowed, but said.
        log.info("the index was built with embedding_backend %r; now %r", backend, settings.embedding_backend)
    built_with = manifest.get_meta("embedding_model")
    if built_with is None:
        if not manifest.readonly:
            manifest.set_meta("embedding_model", settings.embedding_model)
    elif built_with != settings.embedding_model:
        raise StoreError(
            f"the index in {settings.index_dir} was built with embedding model {built_with!r} but the settings ask "
            f"for {settings.embedding_model!r}; vectors of different models cannot be mixed. Use another --index "
            "folder, or delete this one and ingest again."
        )
