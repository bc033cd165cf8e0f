"""The vector store: a Chroma collection, embedded in the index folder or on a Chroma server."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import CorruptIndex, IndexMissing, IndexReadOnly, StoreError
from ..models import Chunk
from .folder import why_read_only

if TYPE_CHECKING:
    from ..settings import Settings

log = logging.getLogger(__name__)


class VectorStore:
    """Chunk vectors with their metadata; ids are chunk ids, so re-adding replaces.

    `location` names where the vectors live (a folder, or a server URL with the collection), so the
    manifest can tell when it is opened against another store than the one it was built with.
    """

    def __init__(self, client: object, name: str, location: str = "", remote: bool = False) -> None:
        self.client = client
        self.name = name
        self.location = location or name
        self.remote = remote
        self.collection = client.get_or_create_collection(  # type: ignore[attr-defined]
            name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        self._max_batch = int(client.get_max_batch_size())  # type: ignore[attr-defined]

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        for lo in range(0, len(chunks), self._max_batch):
            part = chunks[lo : lo + self._max_batch]
            with self._guard("write vectors to"):
                self.collection.upsert(
                    ids=[c.id for c in part],
                    embeddings=vectors[lo : lo + self._max_batch],
                    documents=[c.text for c in part],
                    metadatas=[_metadata(c) for c in part],
                )

    def delete_articles(self, article_ids: Sequence[str]) -> None:
        if article_ids:
            with self._guard("delete vectors from"):
                self.collection.delete(where={"article_id": {"$in": list(article_ids)}})

    def search(self, vector: np.ndarray, k: int, article_ids: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """Up to `k` (chunk id, cosine similarity) pairs, best first."""
        if k <= 0 or (article_ids is not None and not article_ids):
            return []
        where = {"article_id": {"$in": list(article_ids)}} if article_ids is not None else None
        # No count() first: Chroma returns fewer than n_results when it holds fewer, and on a server
        # every call is a round trip.
        with self._guard("search"):
            res = self.collection.query(query_embeddings=[vector], n_results=k, where=where, include=["distances"])
        return [(cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], res["distances"][0], strict=True)]

    def count(self) -> int:
        with self._guard("count vectors in"):
            return int(self.collection.count())

    def ids_of(self, article_ids: Sequence[str]) -> list[str]:
        if not article_ids:
            return []
        with self._guard("read"):
            return list(self.collection.get(where={"article_id": {"$in": list(article_ids)}}, include=[])["ids"])

    def all_ids(self, page: int = 5000) -> set[str]:
        """Every chunk id in the collection (paged: a server caps the size of one answer)."""
        out: set[str] = set()
        while True:
            with self._guard("read"):
                ids = self.collection.get(include=[], limit=page, offset=len(out))["ids"]
            out.update(ids)
            if len(ids) < page:
                return out

    @contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        """Turn a server that stopped answering into a `StoreError` that says what to do."""
        try:
            yield
        except StoreError:
            raise
        except Exception as exc:
            if not self.remote or not _unreachable(exc):
                raise
            raise StoreError(
                f"could not {action} the Chroma server at {self.location} ({type(exc).__name__}: "
                f"{exc}). Is it running? Start it with: chroma run --path DIR --host HOST --port PORT"
            ) from None


def _unreachable(exc: Exception) -> bool:
    """Connection refused, reset or timed out, as httpx or chromadb word it."""
    names = {type(e).__name__ for e in (exc, exc.__cause__, exc.__context__) if e is not None}
    text = str(exc).lower()
    return (
        bool(
            names
            & {
                "ConnectError",
                "ConnectTimeout",
                "ReadTimeout",
                "RemoteProtocolError",
                "ReadError",
                "ConnectionError",
                "ConnectionRefusedError",
            }
        )
        or "could not connect" in text
    )


def _metadata(c: Chunk) -> dict[str, object]:
    return {
        "article_id": c.article_id,
        "title": c.title,
        "section": c.section,
        "position": c.position,
        "start": c.start,
        "end": c.end,
        "kind": c.kind,
    }


def chroma_folder(settings: Settings) -> Path:
    """The embedded store's folder inside the index folder."""
    return Path(settings.index_dir) / "chroma"


def _persistent(settings: Settings, readonly: bool = False) -> object:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    folder = chroma_folder(settings)
    if readonly and not folder.is_dir():
        raise IndexMissing(
            f"the index in {settings.index_dir} has no embedded vector store ({folder}): it was built with a "
            "Chroma server, or never finished. Set chroma_url to that server, or run `assistant ingest` first."
        )
    reason = why_read_only(folder, ("chroma.sqlite3",)) if readonly else ""
    if reason:
        # Chroma's embedded store (1.x) writes to its SQLite file when it opens, even to read: it cannot
        # serve from a folder it may not write ("attempt to write a readonly database").
        raise IndexReadOnly(
            f"cannot answer from the index in {settings.index_dir} with the embedded Chroma store: "
            f"{reason}, and the embedded store cannot open read-only. A read-only (or shared) "
            "index folder needs the Chroma server: run `chroma run --path DIR --host HOST --port PORT`, ingest "
            "with chroma_url set to it, and set chroma_url (ASSISTANT_CHROMA_URL) for the readers too."
        )
    folder.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(folder), settings=ChromaSettings(anonymized_telemetry=False))


def _http_url(settings: Settings) -> tuple[str, int, bool]:
    from urllib.parse import urlparse

    url = urlparse(settings.chroma_url or "")
    if url.scheme not in ("http", "https") or not url.hostname:
        raise StoreError(f"chroma_url {settings.chroma_url!r} is not a URL like http://127.0.0.1:8000")
    return url.hostname, url.port or (443 if url.scheme == "https" else 8000), url.scheme == "https"


def _http(settings: Settings, readonly: bool = False) -> object:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    host, port, ssl = _http_url(settings)
    return chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=ChromaSettings(anonymized_telemetry=False))


CLIENTS = {"persistent": _persistent, "http": _http}


def open_store(settings: Settings, readonly: bool = False) -> VectorStore:
    """The Chroma collection named in the settings, on a server when `chroma_url` is set. With `readonly`
    the embedded store must already exist, in a folder this process may write (see `_persistent`)."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    kind = "http" if settings.chroma_url else "persistent"
    where = location(settings)
    try:
        client = CLIENTS[kind](settings, readonly)
        return VectorStore(client, settings.collection, where, remote=kind == "http")
    except StoreError:
        raise
    except Exception as exc:
        if kind == "http":
            raise StoreError(
                f"cannot reach the Chroma server at {settings.chroma_url} ({exc}). Start it with "
                "`chroma run --path DIR --host HOST --port PORT`, or unset chroma_url to use the "
                "store embedded in the index folder."
            ) from None
        raise CorruptIndex(
            f"cannot open the Chroma store in {chroma_folder(settings)} (collection "
            f"{settings.collection!r}): {exc}. The folder may be corrupt or from another program; move "
            "it away and ingest again."
        ) from None


def location(settings: Settings) -> str:
    """Where the settings put the vectors: `server URL#collection`, or `embedded#collection` for the
    store inside the index folder (which moves with the folder, so no absolute path)."""
    if settings.chroma_url:
        return f"{settings.chroma_url.rstrip('/')}#{settings.collection}"
    return f"embedded#{settings.collection}"
