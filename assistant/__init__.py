"""An assistant that answers questions about articles, citing the passages it used.

The package is laid out by pipeline stage; imports flow one way, down this list:

    settings, models, errors, text   the typed settings, the dataclasses that flow between stages, errors, text helpers
    ingest/   files (txt, md, html, json, jsonl) -> `Article`; chunking (tiktoken, section-aware, FAQ pairs apart)
    index/    embeddings (onnx/torch), the Chroma store (embedded or server), BM25, the manifest that keeps them consistent
    answer/   retrieval and fusion, question routing, the extractive answerer and summaries, follow-ups, citation checks
    llm/      LangChain chat models from settings, the LLM answer chain, the prompt loader (prompts/ ships as package data)
    api       the `Assistant` facade: the one object everything below calls
    eval/     test sets, metrics, run records, reports and comparisons
    ui/, cli/ thin layers over the Python API: the Gradio app (and its HTTP API), the command line
"""

from .answer.retrieval import Filters
from .api import Assistant, ChatSession
from .errors import AssistantError, LLMError
from .models import Answer, ArticleInfo, Citation, IngestReport
from .settings import Settings

__all__ = [
    "Answer",
    "ArticleInfo",
    "Assistant",
    "AssistantError",
    "ChatSession",
    "Citation",
    "Filters",
    "IngestReport",
    "LLMError",
    "Settings",
]
__version__ = "0.1.0"
