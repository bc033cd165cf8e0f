"""Synthetic corpora grown from the SQuAD slice, and the vector reuse that makes 100k chunks affordable.

Copy 0 is the slice itself. Copy j >= 1 of each article gets a new title, its sentences shuffled
across its paragraphs, and about one word in ten of each sentence replaced by another word of
the same article: new text for chunking, BM25 and de-duplication, on the same topics.

Embedding 100k chunks for real (about 480k texts with their sentences) takes hours on 2 shared
cores, so big sizes can be built with `ReusingEmbedder`: a text of copy 0 gets its real vector;
a perturbed sentence gets the real vector of the sentence it came from plus Gaussian noise
(cosine ~0.93 to it); a chunk gets the normalised mean of its sentences' vectors plus noise.
Anything it cannot trace (a sentence cut by a chunk boundary) is embedded for real. Everything
else in the ingest (chunking, sentence splitting, SQLite, Chroma, BM25) runs as usual, and the
questions are embedded by the real model, so query latency and memory are real at that size.
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Sequence

import numpy as np

from assistant.index.embeddings import Embedder
from assistant.ingest.articles import build_article, slugify
from assistant.ingest.chunking import sentence_spans
from assistant.models import Article

NOISE = 0.02  # per component, on unit vectors of 384 dimensions: cosine ~0.93 to the original
REPLACE = 0.1  # share of words replaced in each perturbed sentence
WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")


def grow(base: list[Article], copies: int, seed: int = 0) -> tuple[list[Article], dict[str, str]]:
    """`base` plus `copies - 1` perturbed copies, and each perturbed sentence's original sentence."""
    out, origin = list(base), {}
    for j in range(1, copies):
        for i, article in enumerate(base):
            rng = random.Random(seed * 1_000_003 + j * 1009 + i)
            out.append(_perturbed(article, j, rng, origin))
    return out, origin


def _perturbed(article: Article, j: int, rng: random.Random, origin: dict[str, str]) -> Article:
    paragraphs = [[s.text[a:b] for a, b in sentence_spans(s.text)] for s in article.sections]
    vocab = sorted({w for p in paragraphs for s in p for w in WORD.findall(s)})
    pool = [s for p in paragraphs for s in p]
    rng.shuffle(pool)
    sections, at = [], 0
    for p in paragraphs:
        new = [_swap_words(s, vocab, rng) for s in pool[at : at + len(p)]]
        origin.update(zip(new, pool[at : at + len(p)], strict=True))
        at += len(p)
        sections.append(("", " ".join(new)))
    title = f"{article.title} {rng.choice(vocab).title()} {rng.choice(vocab).title()} {j}"
    return build_article(
        id=f"{slugify(title)}", title=title, source=f"synthetic/{j}/{article.id}", sections=sections, faq=[]
    )


def _swap_words(sentence: str, vocab: list[str], rng: random.Random) -> str:
    words = sentence.split(" ")
    for _ in range(max(1, round(len(words) * REPLACE)) if len(words) >= 5 else 0):
        k = rng.randrange(len(words))
        if WORD.fullmatch(words[k]):
            words[k] = rng.choice(vocab)
    return " ".join(words)


class ReusingEmbedder(Embedder):
    """Vectors traced back to real ones (see the module note); questions go to the real model."""

    def __init__(self, real: Embedder, known: dict[str, np.ndarray], origin: dict[str, str]) -> None:
        super().__init__(real.model, real.name, real.batch_size)
        self.real, self.known, self.origin = real, known, origin
        self.reused = self.embedded = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        missing = []
        for i, text in enumerate(texts):
            vector = self._trace(text)
            if vector is None:
                missing.append(i)
            else:
                out[i] = vector
        if missing:
            out[missing] = self.real.embed([texts[i] for i in missing])
        self.reused += len(texts) - len(missing)
        self.embedded += len(missing)
        return out

    def embed_one(self, text: str) -> np.ndarray:
        return self.real.embed_one(text)

    def _trace(self, text: str) -> np.ndarray | None:
        if text in self.known:
            return self.known[text]
        if text in self.origin and self.origin[text] in self.known:
            return _noisy(self.known[self.origin[text]], text)
        if "\n" in text:  # a chunk's context text: "title[ - section]\nbody"
            body = text.split("\n", 1)[1]
            parts = [self._trace(body[a:b]) for a, b in sentence_spans(body)]
            parts = [p for p in parts if p is not None]
            if parts:
                return _noisy(np.mean(parts, axis=0), text)
        return None


def _noisy(vector: np.ndarray, text: str) -> np.ndarray:
    rng = np.random.default_rng(zlib.crc32(text.encode("utf-8")))
    v = vector / np.linalg.norm(vector) + rng.normal(0.0, NOISE, vector.shape)
    return (v / np.linalg.norm(v)).astype(np.float32)
