"""The peer: the plain LangChain tutorial pipeline, which is what most people would write instead.

RecursiveCharacterTextSplitter (1000 characters, 200 overlap, start index kept), then
`Chroma.from_documents` with `HuggingFaceEmbeddings` on the same bundled MiniLM folder, then
`similarity_search(question, k=4)`. No title context, no keyword search, no answer sentences:
it returns four chunks, which is less work per query than our full extractive answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.index.embeddings import resolve_model_path
from assistant.models import Article

TUTORIAL_K = 4


@dataclass
class PeerHit:
    article_id: str
    start: int
    end: int
    text: str


class Peer:
    """One peer index in `folder`; `search` returns chunks with their place in the article text."""

    def __init__(self, folder: Path, model: str = "all-MiniLM-L6-v2") -> None:
        from langchain_huggingface import HuggingFaceEmbeddings

        self.folder = folder
        self.embeddings = HuggingFaceEmbeddings(model_name=resolve_model_path(model), model_kwargs={"device": "cpu"})
        self.store = None

    def split(self, articles: list[Article]) -> list:
        from langchain_core.documents import Document
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        docs = [Document(page_content=a.text, metadata={"article_id": a.id, "title": a.title}) for a in articles]
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200, add_start_index=True)
        return splitter.split_documents(docs)

    def ingest(self, articles: list[Article]) -> int:
        """Split, embed and store, as the tutorial does; returns the number of chunks."""
        from langchain_chroma import Chroma

        chunks = self.split(articles)
        self.store = Chroma.from_documents(chunks, self.embeddings, persist_directory=str(self.folder))
        return len(chunks)

    def search(self, question: str, k: int = TUTORIAL_K) -> list[PeerHit]:
        docs = self.store.similarity_search(question, k=k)  # type: ignore[union-attr]
        return [_hit(d) for d in docs]


def _hit(doc: object) -> PeerHit:
    meta = doc.metadata  # type: ignore[attr-defined]
    text = doc.page_content  # type: ignore[attr-defined]
    start = int(meta.get("start_index", -1))
    return PeerHit(meta["article_id"], start, start + len(text), text)
