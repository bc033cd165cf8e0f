"""The vector store: a Chroma collection, embedded in the index folder or on a Chroma server."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import StoreError
from .models import Chunk

if TYPE_CHECKING:
    from .settings import Settings

log = logging.getLogger(__name__)


class VectorStore:
    """Chunk vectors with their metadata; ids are chunk ids, so re-adding replaces."""

    def __init__(self, client: object, name: str) -> None:
        self.client = client
        self.name = name
        self.collection = client.get_or_create_collection(  # type: ignore[attr-defined]
            name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        self._max_batch = int(client.get_max_batch_size())  # type: ignore[attr-defined]

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        for lo in range(0, len(chunks), self._max_batch):
            part = chunks[lo : lo + self._max_batch]
            self.collection.upsert(
                ids=[c.id for c in part],
                embeddings=vectors[lo : lo + self._max_batch],
                documents=[c.text for c in part],
                metadatas=[_metadata(c) for c in part],
            )

    def delete_articles(self, article_ids: Sequence[str]) -> None:
        if article_ids:
            self.collection.delete(where={"article_id": {"$in": list(article_ids)}})

    def search(self, vector: np.ndarray, k: int, article_ids: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """Up to `k` (chunk id, cosine similarity) pairs, best first."""
        count = self.count()
        if count == 0 or k <= 0:
            return []
        where = {"article_id": {"$in": list(article_ids)}} if article_ids is not None else None
        if article_ids is not None and not article_ids:
            return []
        res = self.collection.query(query_embeddings=[vector], n_results=min(k, count), where=where,
                                    include=["distances"])
        return [(cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], res["distances"][0], strict=True)]

    def count(self) -> int:
        return int(self.collection.count())

    def ids_of(self, article_ids: Sequence[str]) -> list[str]:
        if not article_ids:
            return []
        return list(self.collection.get(where={"article_id": {"$in": list(article_ids)}}, include=[])["ids"])


def _metadata(c: Chunk) -> dict[str, object]:
    return {"article_id": c.article_id, "title": c.title, "section": c.section, "position": c.position,
            "start": c.start, "end": c.end, "kind": c.kind}


def _persistent(settings: Settings) -> object:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    folder = Path(settings.index_dir) / "chroma"
    folder.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(folder), settings=ChromaSettings(anonymized_telemetry=False))


def _http(settings: Settings) -> object:
    from urllib.parse import urlparse

    import chromadb
    from chromadb.config import Settings as ChromaSettings

    url = urlparse(settings.chroma_url or "")
    if not url.hostname:
        raise StoreError(f"chroma_url {settings.chroma_url!r} is not a URL like http://127.0.0.1:8000")
    return chromadb.HttpClient(host=url.hostname, port=url.port or 8000, ssl=url.scheme == "https",
                               settings=ChromaSettings(anonymized_telemetry=False))


CLIENTS = {"persistent": _persistent, "http": _http}


def open_store(settings: Settings) -> VectorStore:
    """The Chroma collection named in the settings, on a server when `chroma_url` is set."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    kind = "http" if settings.chroma_url else "persistent"
    try:
        client = CLIENTS[kind](settings)
        return VectorStore(client, settings.collection)
    except StoreError:
        raise
    except Exception as exc:
        where = settings.chroma_url or str(Path(settings.index_dir) / "chroma")
        hint = ("is the server running (chroma run --path DIR --port N)?" if kind == "http" else
                "the folder may be corrupt or from another program; move it away and ingest again")
        raise StoreError(f"cannot open the Chroma store at {where}: {exc}. {hint}") from None
