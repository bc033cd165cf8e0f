"""The Gradio app factory: `build_app(assistant)` lays out the page and wires events to `Handlers`.

The UI only translates: every behaviour lives in `handlers.Handlers`, which calls the
`Assistant` API. Launching (host, login, upload limit, styles) is `launch.launch()`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.components.chatbot import ExampleMessage

from ..api import Assistant
from ..ingest.articles import SUPPORTED_SUFFIXES
from .handlers import ChatUpdate, Handlers, describe
from .render import EMPTY_SOURCES, esc, render_upload_results

log = logging.getLogger(__name__)
TABLE_HEADERS = ["Title", "Author", "Date", "Tags", "Chunks", "FAQ chunks", "Id"]


def internal(name: str) -> dict[str, Any]:
    """Options of an event only the page uses: not in the API docs, under a name no public one takes."""
    return {"api_name": f"ui_{name}", "api_visibility": "private"}


@dataclass
class Parts:
    """The components events read and update, across tabs."""

    header: gr.HTML
    chatbot: gr.Chatbot
    message: gr.Textbox
    session: gr.State
    sources: gr.HTML
    article_filter: gr.Dropdown
    tag_filter: gr.Dropdown
    backend: gr.Dropdown
    top_k: gr.Slider
    buttons: tuple[Any, ...]  # ask, clear, export markdown, export json, the export file
    table: gr.Dataframe
    remove_pick: gr.Dropdown


# What `_chat_tab` returns: the chat's fields of `Parts`, in order.
ChatParts = tuple[
    gr.Chatbot, gr.Textbox, gr.State, gr.HTML, gr.Dropdown, gr.Dropdown, gr.Dropdown, gr.Slider, tuple[Any, ...]
]


def build_app(assistant: Assistant, runs_dir: Path | None = None) -> gr.Blocks:
    """The web app over `assistant`, not launched. Its `Handlers` are on `app.handlers` for tests."""
    h = Handlers(assistant)
    with gr.Blocks(title="Article assistant", analytics_enabled=False) as app:
        header = gr.HTML(_header(h), elem_id="app-header")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                chat = _chat_tab(h)
            with gr.Tab("Articles", id="articles"):
                table, remove_pick, upload, results, remove_btn, remove_msg, web = _articles_tab(h)
            _eval_tab(assistant, runs_dir or Path("runs"))
        parts = Parts(header, *chat, table, remove_pick)
        _wire_chat(h, parts)
        _wire_articles(h, parts, upload, results, remove_btn, remove_msg)
        _wire_web(h, parts, results, *web)
        _wire_api(h)
        app.load(lambda: _refresh(h), outputs=_refresh_outputs(parts), **internal("load"))
    app.handlers = h
    return app


# --- layout -------------------------------------------------------------------------------------


def _header(h: Handlers) -> str:
    infos = h.articles()
    count = (
        f"{len(infos)} article{'s' * (len(infos) != 1)}" if infos else "no articles yet: add some in the Articles tab"
    )
    return (
        f"<h1>Article assistant</h1><p>Ask about the articles; every answer cites the passages it comes "
        f"from. {esc(count)}.</p>"
    )


def _chat_tab(h: Handlers) -> ChatParts:
    s = h.assistant.settings
    with gr.Row(equal_height=False):
        with gr.Column(scale=7, min_width=420):
            examples = h.examples()
            chatbot = gr.Chatbot(
                label="Chat",
                elem_id="chat",
                height=560,
                show_label=False,
                feedback_options=None,
                buttons=[],
                examples=_example_messages(examples),
                placeholder=_placeholder(examples),
            )
            with gr.Row(equal_height=True):
                message = gr.Textbox(
                    placeholder="Ask about the articles…",
                    show_label=False,
                    scale=8,
                    lines=1,
                    max_lines=6,
                    autofocus=True,
                    elem_id="question",
                    container=False,
                )
                ask = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="ask")
            with gr.Row():
                clear = gr.Button("Clear chat", size="sm", elem_id="clear")
                export_md = gr.Button("Export Markdown", size="sm", elem_id="export-md")
                export_json = gr.Button("Export JSON", size="sm", elem_id="export-json")
            export_file = gr.File(label="Conversation export", visible=False, interactive=False, elem_id="export-file")
            with gr.Accordion("Search scope and answer settings", open=False, elem_id="settings"):
                with gr.Row():
                    article_filter = gr.Dropdown(
                        label="Only these articles", multiselect=True, choices=[], elem_id="article-filter"
                    )
                    tag_filter = gr.Dropdown(
                        label="Only articles tagged", multiselect=True, choices=[], elem_id="tag-filter"
                    )
                with gr.Row():
                    backend = gr.Dropdown(
                        label="Answer backend",
                        choices=h.backends(),
                        value=s.backend,
                        elem_id="backend",
                        interactive=len(h.backends()) > 1,
                    )
                    top_k = gr.Slider(
                        1, 20, value=min(s.top_k, 20), step=1, label="Passages to retrieve", elem_id="top-k"
                    )
        with gr.Column(scale=5, min_width=320):
            sources = gr.HTML(EMPTY_SOURCES, elem_id="sources-panel", label="Sources")
    session = gr.State(None)
    buttons = (ask, clear, export_md, export_json, export_file)
    return chatbot, message, session, sources, article_filter, tag_filter, backend, top_k, buttons


def _articles_tab(h: Handlers) -> tuple[Any, ...]:
    mb = h.assistant.settings.max_upload_mb
    table = gr.Dataframe(
        headers=TABLE_HEADERS,
        datatype="str",
        interactive=False,
        wrap=True,
        max_height=420,
        label="Ingested articles",
        elem_id="articles-table",
        show_search="search",
        column_widths=["30%", "12%", "10%", "24%", "7%", "7%", "10%"],
    )
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            gr.Markdown(
                f"### Add articles\n<span class='hint'>{' '.join(sorted(SUPPORTED_SUFFIXES))} files, up to "
                f"{mb:g} MB each. Uploading a file again updates its articles.</span>"
            )
            upload = gr.File(
                label="Upload articles",
                show_label=False,
                file_count="multiple",
                file_types=sorted(SUPPORTED_SUFFIXES),  # the picker offers only what can be read
                elem_id="upload",
                height=140,
            )
            results = gr.HTML(elem_id="upload-results")
            # Textboxes with their own button (submit_btn): Enter or a click both add
            address = gr.Textbox(
                label="Add from address", placeholder="https://...", elem_id="address", submit_btn="Add", max_lines=1
            )
            feed = gr.Textbox(
                label="Follow a feed", placeholder="RSS or Atom feed address", elem_id="feed", submit_btn="Follow"
            )
        with gr.Column(scale=2):
            gr.Markdown("### Remove articles")
            remove_pick = gr.Dropdown(label="Articles to remove", multiselect=True, choices=[], elem_id="remove-pick")
            remove_btn = gr.Button("Remove from the index", variant="stop", size="sm", elem_id="remove")
            remove_msg = gr.Markdown(elem_id="remove-result")
    return table, remove_pick, upload, results, remove_btn, remove_msg, (address, feed)


def _eval_tab(assistant: Assistant, runs_dir: Path) -> None:
    """The Evaluate tab (imported here: its reports need matplotlib, which the chat does not)."""
    from .eval_tab import build_eval_tab

    build_eval_tab(lambda: assistant, runs_dir)


def _example_messages(questions: list[str]) -> list[ExampleMessage]:
    return [{"text": q} for q in questions]


def _placeholder(examples: list[str]) -> str:
    lead = "<b>Ask a question about the articles.</b>"
    return lead + ("<br>Or start from one of these questions from their FAQs:" if examples else "")


# --- events -------------------------------------------------------------------------------------


def _wire_chat(h: Handlers, p: Parts) -> None:
    ask, clear, export_md, export_json, export_file = p.buttons
    inputs = [p.message, p.chatbot, p.session, p.article_filter, p.tag_filter, p.backend, p.top_k]
    outputs = [p.message, p.chatbot, p.session, p.sources]
    opts: dict[str, Any] = {"concurrency_id": "answers", "concurrency_limit": 4, "show_progress": "minimal"}
    p.message.submit(h.chat, inputs, outputs, **opts, **internal("submit"))
    ask.click(h.chat, inputs, outputs, **opts, **internal("ask"))

    def from_example(
        history: Any, session: Any, article_ids: Any, tags: Any, backend: Any, k: Any, data: gr.SelectData
    ) -> Iterator[ChatUpdate]:
        yield from h.chat(str((data.value or {}).get("text", "")), history, session, article_ids, tags, backend, k)

    p.chatbot.example_select(from_example, inputs[1:], outputs, **opts, **internal("example"))
    clear.click(h.clear, [p.session], [p.chatbot, p.session, p.sources], **internal("clear"))
    # The chat's own trash icon empties the messages; the session's history must go with them.
    p.chatbot.clear(h.clear, [p.session], [p.chatbot, p.session, p.sources], **internal("trash"))
    for button, fmt in ((export_md, "markdown"), (export_json, "json")):
        button.click(
            lambda session, fmt=fmt: _export(h, session, fmt), [p.session], [export_file], **internal(f"export_{fmt}")
        )


def _export(h: Handlers, session: Any, fmt: str) -> dict[str, Any]:
    path = h.export(session, fmt)
    if path is None:
        gr.Info("Nothing to export yet: ask a question first.")
    return gr.update(value=path, visible=path is not None)


def _wire_articles(
    h: Handlers, p: Parts, upload: gr.File, results: gr.HTML, remove_btn: gr.Button, remove_msg: gr.Markdown
) -> None:
    refresh = _refresh_outputs(p)

    def on_upload(files: list[Any] | None, progress: gr.Progress = gr.Progress()) -> str:  # noqa: B008 (Gradio's idiom)
        def report(done: int, total: int, title: str) -> None:
            progress((done, total), desc=f"Indexing {title}", unit="chunks")

        progress(0, desc="Reading files")
        return render_upload_results(h.upload(files, report))

    chosen = [p.article_filter, p.tag_filter]
    upload.upload(on_upload, [upload], [results], concurrency_id="ingest", **internal("upload")).then(
        lambda ids, tags: (None, *_refresh(h, ids, tags)), chosen, [upload, *refresh], **internal("refresh_upload")
    )
    remove_btn.click(h.remove, [p.remove_pick], [remove_msg], concurrency_id="ingest", **internal("remove")).then(
        lambda ids, tags: _refresh(h, ids, tags), chosen, refresh, **internal("refresh_remove")
    )


def _wire_web(h: Handlers, p: Parts, results: gr.HTML, address: gr.Textbox, feed: gr.Textbox) -> None:
    """ "Add from address" and "Follow a feed": fetched and ingested, one result row per address."""
    chosen = [p.article_filter, p.tag_filter]
    refresh = _refresh_outputs(p)
    for box, run, name in ((address, h.add_address, "address"), (feed, h.follow_feed, "feed")):

        def on_submit(text: str, progress: gr.Progress = gr.Progress(), run: Any = run) -> tuple[str, str]:  # noqa: B008
            progress(0, desc="Fetching")
            return render_upload_results(run(text)), ""

        box.submit(on_submit, [box], [results, box], concurrency_id="ingest", **internal(name)).then(
            lambda ids, tags: _refresh(h, ids, tags), chosen, refresh, **internal(f"refresh_{name}")
        )


def _refresh_outputs(p: Parts) -> list[Any]:
    return [p.header, p.table, p.article_filter, p.tag_filter, p.remove_pick, p.chatbot]


def _refresh(h: Handlers, chosen_ids: list[str] | None = None, chosen_tags: list[str] | None = None) -> tuple[Any, ...]:
    """What changes when articles do: header, table, filter and remove choices, example questions.

    Filter choices that no longer exist are dropped: a dropdown refuses a value outside its choices.
    """
    infos = h.articles()
    rows = [[a.title, a.author, a.date, ", ".join(a.tags), a.chunks, a.faq_chunks, a.id] for a in infos]
    titles = [(a.title if [b.title for b in infos].count(a.title) == 1 else f"{a.title} ({a.id})", a.id) for a in infos]
    tags = sorted({t for a in infos for t in a.tags}, key=str.lower)
    examples = h.examples()
    return (
        _header(h),
        rows,
        gr.update(choices=titles, value=[i for i in chosen_ids or [] if i in {a.id for a in infos}]),
        gr.update(choices=tags, value=[t for t in chosen_tags or [] if t in tags]),
        gr.update(choices=titles, value=[]),
        gr.update(examples=_example_messages(examples), placeholder=_placeholder(examples)),
    )


def _wire_api(h: Handlers) -> None:
    """`/ask` and `/clear` for `gradio_client`; each client has its own conversation."""
    with gr.Column(visible=False):
        question = gr.Textbox(label="question")
        article_ids = gr.JSON(label="article_ids")
        tags = gr.JSON(label="tags")
        top_k = gr.Number(label="top_k", value=None, precision=0)  # None: the settings' top_k
        session = gr.State(None)
        answer = gr.Textbox(label="answer")
        citations = gr.JSON(label="citations")
        ask, clear = gr.Button("ask"), gr.Button("clear")

    def api_ask(
        question: str,
        article_ids: list[str] | None = None,
        tags: list[str] | None = None,
        top_k: int | None = None,
        session: Any = None,
    ) -> tuple[Any, ...]:
        """Answer `question` (optionally only from `article_ids` / `tags`, with `top_k` passages)."""
        try:
            return h.api_ask(question, article_ids, tags, top_k, session)
        except ValueError as exc:  # bad arguments: the caller gets the reason
            raise gr.Error(str(exc)) from None
        except Exception as exc:  # the caller gets the reason, not a bare "error"; the server goes on
            log.exception("/ask failed")
            raise gr.Error(describe(exc)) from None

    ask.click(
        api_ask,
        [question, article_ids, tags, top_k, session],
        [answer, citations, session],
        api_name="ask",
        concurrency_id="answers",
        concurrency_limit=4,
    )
    clear.click(lambda session: None, [session], [session], api_name="clear")
