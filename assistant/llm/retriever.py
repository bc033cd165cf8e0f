"""LangChain adapter: the assistant's hybrid search as a `BaseRetriever`, for use in any LangChain chain.

Its own module so that asking questions does not import langchain_core (about 0.4 s of cold start).
"""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from ..answer.retrieval import Filters, Retriever


class ArticleRetriever(BaseRetriever):
    """LangChain adapter: the same hybrid search as the assistant, returning `Document`s."""

    retriever: Retriever
    k: int = 5
    filters: Filters | None = None

    model_config = {"arbitrary_types_allowed": True}

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        found = self.retriever.search(query, self.k, self.filters)
        return [
            Document(
                page_content=p.chunk.text,
                id=p.chunk.id,
                metadata={
                    "article_id": p.chunk.article_id,
                    "title": p.chunk.title,
                    "section": p.chunk.section,
                    "start": p.chunk.start,
                    "end": p.chunk.end,
                    "kind": p.chunk.kind,
                    "score": p.score,
                },
            )
            for p in found.passages
        ]
