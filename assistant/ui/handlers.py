"""What the web UI's events do. Plain methods over one `Assistant`, so tests call them directly.

Per-browser-session state is a `ChatSession` (held by Gradio in a `gr.State`, created on the
first question): two people never share a history. Chat, upload and remove catch their own
errors and turn them into messages: an exception escaping a handler would leave the page with a
bare error while the server itself is fine.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from ..answer.retrieval import Filters
from ..api import Assistant, ChatSession
from ..models import Answer, ArticleInfo
from .export import write_export
from .modes import AnswerModes
from .render import render_answer, render_error, render_question, render_sources, render_streaming
from .uploads import FileResult, Progress, follow_feed, ingest_addresses, ingest_uploads

log = logging.getLogger(__name__)
Message = dict[str, Any]  # {"role": "user" | "assistant", "content": str}, Gradio's chat message
ChatUpdate = tuple[Any, ...]  # textbox, chat messages, session, sources panel (or gr.skip() for each)
EXAMPLES = 6  # suggested questions shown in an empty chat


class Handlers:
    """The UI's behaviour, over `assistant` (all of it goes through the `Assistant` API)."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.modes = AnswerModes(assistant)
        s = assistant.settings
        # Served so source cards can link to the article files; nothing else on disk is reachable.
        self.file_roots: list[Path] = [Path(s.corpus_dir).resolve(), Path(s.upload_dir).resolve()]

    # --- settings ----------------------------------------------------------------------------
    def backends(self) -> list[tuple[str, str]]:
        """(label, value) of the answer modes on offer: the configured backend, and extractive."""
        return [(m.label, m.name) for m in self.modes.available()]

    def backend_menu(self) -> dict[str, Any]:
        """The backend selector as it should be now: choices, the default, and what is configured but down."""
        choices = self.backends()
        names = [n for _, n in choices]
        down = self.modes.unavailable()
        info = "; ".join(f"{n} is configured but cannot answer now: {why}" for n, why in down.items())
        return {
            "choices": choices,
            "value": self.modes.default if self.modes.default in names else names[0],
            "interactive": len(choices) > 1,
            "info": info or "Changes the answers of this conversation only.",
        }

    def assistant_for(self, backend: str | None) -> Assistant:
        """The assistant answering with `backend`; variants share the one index."""
        return self.modes.get(backend)

    # --- chat --------------------------------------------------------------------------------
    def chat(
        self,
        message: str,
        history: list[Message] | None,
        session: ChatSession | None,
        article_ids: Sequence[str] = (),
        tags: Sequence[str] = (),
        backend: str | None = None,
        k: int | None = None,
    ) -> Iterator[ChatUpdate]:
        """Answer `message` in `session`, streaming: yields (textbox, chat, session, sources) updates.

        Only the first update clears the textbox and only the last one redraws the sources panel
        (the others skip them), so typing the next question or reading a source is not undone
        while an answer streams in.
        """
        if not (message or "").strip():  # nothing to ask: change nothing (an answer may be streaming)
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        session = session or self.assistant.chat()
        history = [
            *(history or []),
            {"role": "user", "content": render_question(message)},
            {"role": "assistant", "content": render_streaming("")},
        ]
        yield "", list(history), session, gr.skip()
        try:
            session.assistant = self.assistant_for(backend)
            filters = Filters(article_ids=list(article_ids or []), tags=list(tags or [])) or None
            text = ""
            # the slider left at the settings' top_k asks nothing of its own (recalled passages are read too)
            own_k = int(k) if k and int(k) != self.assistant.settings.top_k else None
            for piece in session.stream(message, filters=filters, k=own_k):
                if isinstance(piece, Answer):
                    history[-1] = {
                        "role": "assistant",
                        "content": render_answer(piece, len(session.turns), self.modes.answered_by(piece.backend)),
                    }
                    yield gr.skip(), list(history), session, self.sources(session)
                else:
                    text += piece
                    history[-1] = {"role": "assistant", "content": render_streaming(text)}
                    yield gr.skip(), list(history), gr.skip(), gr.skip()
        except Exception as exc:  # shown in the chat; the app keeps serving the next question
            log.exception("answering %r failed", message[:200])
            history[-1] = {"role": "assistant", "content": render_error(describe(exc))}
            yield gr.skip(), list(history), session, gr.skip()

    def session_with(self, turns: Sequence[Answer]) -> ChatSession | None:
        """A conversation that goes on from `turns` (restored from the browser); None when there are none."""
        if not turns:
            return None
        session = self.assistant.chat()
        session.turns = list(turns)
        return session

    def messages(self, turns: Sequence[Answer]) -> list[Message]:
        """The chat messages that show `turns`, as the chat showed them."""
        out: list[Message] = []
        for i, answer in enumerate(turns, 1):
            out.append({"role": "user", "content": render_question(answer.question or "")})
            out.append(
                {"role": "assistant", "content": render_answer(answer, i, self.modes.answered_by(answer.backend))}
            )
        return out

    def sources(self, session: ChatSession | None) -> str:
        """The sources panel for `session` (its latest cited answer shown)."""
        return render_sources(session.turns if session else [], file_roots=self.file_roots)

    def clear(self, session: ChatSession | None) -> tuple[list[Message], ChatSession | None, str]:
        """Forget the conversation of this session only."""
        if session:
            session.clear()
        return [], session, self.sources(session)

    def export(self, session: ChatSession | None, fmt: str) -> str | None:
        """Write the conversation as `fmt` ("markdown" or "json"); the file's path, None if empty."""
        if not session or not session.turns:
            return None
        return str(write_export(session.turns, fmt))

    # --- API ---------------------------------------------------------------------------------
    def api_ask(
        self,
        question: str,
        article_ids: Any = None,
        tags: Any = None,
        top_k: Any = None,
        session: ChatSession | None = None,
    ) -> tuple[str, list[dict[str, Any]], ChatSession]:
        """`/ask`: the answer text and its citations; follow-ups lean on the caller's own session."""
        ids, tag_list = _str_list(article_ids, "article_ids"), _str_list(tags, "tags")
        k = _top_k(top_k)
        session = session or self.assistant.chat()
        answer = session.ask(question or "", filters=Filters(article_ids=ids, tags=tag_list) or None, k=k)
        return answer.text, [c.to_dict() for c in answer.citations], session

    # --- articles ----------------------------------------------------------------------------
    def articles(self) -> list[ArticleInfo]:
        return self.assistant.articles()

    def upload(self, files: Sequence[Any] | None, progress: Progress | None = None) -> list[FileResult]:
        """Ingest uploaded files; one result per file (a failure of the whole run becomes one result)."""
        pairs = [(Path(_path_of(f)), _name_of(f)) for f in (files or [])]
        if not pairs:
            return []
        try:
            return ingest_uploads(self.assistant, pairs, progress)
        except Exception as exc:
            log.exception("upload failed")
            return [FileResult(name, "failed", describe(exc)) for _, name in pairs]

    def add_address(self, text: str | None, progress: Progress | None = None) -> list[FileResult]:
        """Fetch and ingest the web addresses in `text` (one or more, separated by spaces or lines)."""
        urls = (text or "").split()
        if not urls:
            return [FileResult("", "refused", "type a web address (https://...) first")]
        try:
            return ingest_addresses(self.assistant, urls, progress)
        except Exception as exc:
            log.exception("adding %s failed", urls)
            return [FileResult(u, "failed", describe(exc)) for u in urls]

    def follow_feed(self, text: str | None, progress: Progress | None = None) -> list[FileResult]:
        """Follow the RSS/Atom feed at `text` and ingest its new entries."""
        url = (text or "").strip()
        if not url:
            return [FileResult("", "refused", "type the address of an RSS or Atom feed first")]
        try:
            return follow_feed(self.assistant, url, progress)
        except Exception as exc:
            log.exception("following %s failed", url)
            return [FileResult(url, "failed", describe(exc))]

    def remove_question(self, article_ids: Sequence[str] | None) -> str | None:
        """What to ask before removing `article_ids` (None when none is picked): which articles, and what follows."""
        ids = list(article_ids or [])
        if not ids:
            return None
        infos = {a.id: a for a in self.assistant.articles()}
        titles = ", ".join(f"“{infos[i].title}”" if i in infos else f"`{i}`" for i in ids)
        corpus = Path(self.assistant.settings.corpus_dir).resolve()
        in_corpus = any(i in infos and Path(infos[i].source).resolve().is_relative_to(corpus) for i in ids)
        many = len(ids) > 1
        return f"**Remove {titles} from the index?** Answers will no longer cite {'them' if many else 'it'}." + (
            " Files in the corpus folder return when the app next starts." if in_corpus else ""
        )

    def remove(self, article_ids: Sequence[str] | None) -> str:
        """Remove articles from the index; a sentence saying what happened."""
        ids = list(article_ids or [])
        if not ids:
            return "Pick one or more articles to remove first."
        try:
            infos = {a.id: a for a in self.assistant.articles()}
            removed = self.assistant.remove(ids)
        except Exception as exc:
            log.exception("remove failed")
            return f"Could not remove: {describe(exc)}"
        if not removed:
            return "Those articles were not in the index (already removed?)."
        titles = ", ".join(f"“{infos[i].title}”" for i in removed if i in infos)
        corpus = Path(self.assistant.settings.corpus_dir).resolve()
        if any(i in infos and Path(infos[i].source).resolve().is_relative_to(corpus) for i in removed):
            return f"Removed {titles}. Its file is in the corpus folder, so it returns when the app next starts."
        return f"Removed {titles}."

    def examples(self) -> list[str]:
        """Suggested questions: the FAQ questions of the articles, taken in turn from each article."""
        per_article = list(self.assistant.faq_questions().values())
        picked: list[str] = []
        for depth in range(max((len(q) for q in per_article), default=0)):
            picked += [qs[depth] for qs in per_article if depth < len(qs) and qs[depth] not in picked]
            if len(picked) >= EXAMPLES:
                break
        return picked[:EXAMPLES]


def describe(exc: BaseException) -> str:
    """An exception as one line for people: its type and message."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _path_of(item: Any) -> str:
    """The local path of an upload: a str, a Path, or a file object / FileData with `.path`/`.name`."""
    if isinstance(item, str | Path):
        return str(item)
    return str(getattr(item, "path", None) or item.name)


def _name_of(item: Any) -> str:
    """The name the user gave the file (Gradio's `orig_name` when known, else the base name)."""
    return str(getattr(item, "orig_name", None) or Path(_path_of(item)).name)


def _str_list(value: Any, name: str) -> list[str]:
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ValueError(f"{name} must be a list of strings, got {value!r}")


def _top_k(value: Any) -> int | None:
    """None (the settings' top_k) when not given; 0 is refused, as the command line refuses `-k 0`."""
    if value is None or value == "":
        return None
    try:
        k = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"top_k must be a whole number, got {value!r}") from None
    if not 1 <= k <= 50:
        raise ValueError(f"top_k must be between 1 and 50, got {k}")
    return k
