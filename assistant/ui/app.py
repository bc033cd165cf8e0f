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
from . import conversations
from .handlers import ChatUpdate, Handlers, describe
from .render import EMPTY_SOURCES, esc, render_article_cards, render_upload_results

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
    buttons: tuple[Any, ...]  # ask, clear, export markdown, export json (download buttons)
    bar: Bar  # the conversations kept in this browser
    table: gr.Dataframe
    remove_pick: gr.Dropdown
    cards: gr.HTML  # the articles as cards, shown instead of the table on a phone


@dataclass
class Bar:
    """The conversations kept in the browser: which one is open, new, rename, delete."""

    store: gr.BrowserState
    picker: gr.Dropdown
    new: gr.Button
    delete: gr.Button
    rename: gr.Textbox


@dataclass
class Removing:
    """Removing articles takes two clicks: the button asks, "Yes, remove" does it."""

    button: gr.Button
    confirm: gr.Column
    question: gr.Markdown
    yes: gr.Button
    no: gr.Button
    result: gr.Markdown


# What `_chat_tab` returns: the chat's fields of `Parts`, in order.
ChatParts = tuple[
    gr.Chatbot, gr.Textbox, gr.State, gr.HTML, gr.Dropdown, gr.Dropdown, gr.Dropdown, gr.Slider, tuple[Any, ...], Bar
]


def build_app(assistant: Assistant, runs_dir: Path | None = None) -> gr.Blocks:
    """The web app over `assistant`, not launched. Its `Handlers` are on `app.handlers` for tests."""
    h = Handlers(assistant)
    owners = conversations.Owners(salt=f"article-assistant:{assistant.settings.collection}")
    with gr.Blocks(title="Article assistant", analytics_enabled=False) as app:
        header = gr.HTML(_header(h), elem_id="app-header")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                chat = _chat_tab(h)
            with gr.Tab("Articles", id="articles"):
                table, cards, remove_pick, upload, results, removing, web = _articles_tab(h)
            _eval_tab(assistant, runs_dir or Path("runs"))
        parts = Parts(header, *chat, table, remove_pick, cards)
        _wire_chat(h, parts, owners)
        _restore(app, h, parts, owners)
        _wire_articles(h, parts, upload, results, removing)
        _wire_web(h, parts, results, *web)
        _wire_api(h)
        app.load(lambda: _refresh(h), outputs=_refresh_outputs(parts), **internal("load"))
        # An LLM server started (or stopped) after the app shows up (or goes) at the next page load.
        app.load(lambda: gr.update(**h.backend_menu()), outputs=[parts.backend], **internal("backends"))
    app.handlers = h
    app.owners = owners  # launch() gives it the page's logins, whose conversations it seals
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
            bar = _conversation_bar(h)
            examples = h.examples()
            chatbot = gr.Chatbot(
                label="Chat",
                elem_id="chat",
                height=None,
                min_height=300,  # an empty chat is a short box with the suggested questions, not a tall blank one
                max_height=620,
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
                # Download buttons, refreshed after every answer: one click saves the conversation.
                export_md = gr.DownloadButton("Export Markdown", size="sm", elem_id="export-md", interactive=False)
                export_json = gr.DownloadButton("Export JSON", size="sm", elem_id="export-json", interactive=False)
            with gr.Accordion("Search scope and answer settings", open=False, elem_id="settings"):
                with gr.Row():
                    article_filter = gr.Dropdown(
                        label="Only these articles", multiselect=True, choices=[], elem_id="article-filter"
                    )
                    tag_filter = gr.Dropdown(
                        label="Only articles tagged", multiselect=True, choices=[], elem_id="tag-filter"
                    )
                with gr.Row():
                    backend = gr.Dropdown(label="Answer backend", elem_id="backend", **h.backend_menu())
                    top_k = gr.Slider(
                        1, 20, value=min(s.top_k, 20), step=1, label="Passages to retrieve", elem_id="top-k"
                    )
        with gr.Column(scale=5, min_width=320):
            sources = gr.HTML(EMPTY_SOURCES, elem_id="sources-panel", label="Sources")
    session = gr.State(None)
    buttons = (ask, clear, export_md, export_json)
    return chatbot, message, session, sources, article_filter, tag_filter, backend, top_k, buttons, bar


def _conversation_bar(h: Handlers) -> Bar:
    # A fixed key and secret: conversations must outlive a restart of the server (a random one would not).
    store = gr.BrowserState(
        conversations.empty(),
        storage_key="article-assistant-conversations",
        secret=f"article-assistant:{h.assistant.settings.collection}",
    )
    with gr.Row(equal_height=True, elem_id="conversation-bar"):
        picker = gr.Dropdown(
            label="Conversation", choices=[], value=None, elem_id="conversation", scale=5, min_width=200
        )
        rename = gr.Textbox(
            label="Rename it", placeholder="a name, then Enter", elem_id="rename-chat", scale=3, min_width=140
        )
        with gr.Column(scale=1, min_width=110):
            new = gr.Button("New chat", size="sm", elem_id="new-chat")
            delete = gr.Button("Delete", size="sm", elem_id="delete-chat")
    return Bar(store, picker, new, delete, rename)


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
    cards = gr.HTML(elem_id="articles-cards")  # CSS shows it, not the table, below 700 px
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
            with gr.Column(visible=False, elem_id="remove-confirm") as confirm:
                question = gr.Markdown(elem_id="remove-question")
                with gr.Row():
                    yes = gr.Button("Yes, remove", variant="stop", size="sm", elem_id="remove-yes")
                    no = gr.Button("Cancel", size="sm", elem_id="remove-cancel")
            remove_msg = gr.Markdown(elem_id="remove-result")
    removing = Removing(remove_btn, confirm, question, yes, no, remove_msg)
    return table, cards, remove_pick, upload, results, removing, (address, feed)


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


def _wire_chat(h: Handlers, p: Parts, owners: conversations.Owners) -> None:
    ask, clear, export_md, export_json = p.buttons
    bar = p.bar
    inputs = [p.message, p.chatbot, p.session, p.article_filter, p.tag_filter, p.backend, p.top_k]
    outputs = [p.message, p.chatbot, p.session, p.sources]
    # "always_last": a question sent while the last one is still being answered (a slow LLM, a busy machine, or an
    # empty message just sent) is asked when that answer is done; Gradio's default ("once") dropped it silently
    opts: dict[str, Any] = {
        "concurrency_id": "answers",
        "concurrency_limit": 4,
        "show_progress": "minimal",
        "trigger_mode": "always_last",
    }

    def after(session: Any, store: Any, chat_id: Any, request: gr.Request) -> tuple[Any, ...]:
        """Keep the conversation in the browser and refresh the export buttons."""
        owner = owners.of(_login(request))
        store, chat_id = conversations.save(store, owner, chat_id, list(session.turns) if session else [])
        paths = [h.export(session, fmt) for fmt in ("markdown", "json")]
        exports = (gr.update(value=path, interactive=path is not None) for path in paths)
        return (*exports, store, gr.update(choices=conversations.choices(store, owner), value=chat_id))

    def then_after(event: Any, name: str) -> Any:
        kept = [export_md, export_json, bar.store, bar.picker]
        return event.then(after, [p.session, bar.store, bar.picker], kept, **internal(f"after_{name}"))

    then_after(p.message.submit(h.chat, inputs, outputs, **opts, **internal("submit")), "submit")
    then_after(ask.click(h.chat, inputs, outputs, **opts, **internal("ask")), "ask")

    def from_example(
        history: Any, session: Any, article_ids: Any, tags: Any, backend: Any, k: Any, data: gr.SelectData
    ) -> Iterator[ChatUpdate]:
        yield from h.chat(str((data.value or {}).get("text", "")), history, session, article_ids, tags, backend, k)

    then_after(p.chatbot.example_select(from_example, inputs[1:], outputs, **opts, **internal("example")), "example")

    def show(store: Any, chat_id: Any, request: gr.Request) -> tuple[Any, ...]:
        """Open conversation `chat_id` (None: a new, empty one)."""
        owner = owners.of(_login(request))
        store, turns = conversations.open_chat(store, owner, chat_id)
        session = h.session_with(turns)
        menu = gr.update(choices=conversations.choices(store, owner), value=chat_id)
        return store, h.messages(turns), session, h.sources(session), menu

    shown = [bar.store, p.chatbot, p.session, p.sources, bar.picker]
    bar.picker.input(show, [bar.store, bar.picker], shown, **internal("open_chat"))

    def start(store: Any, request: gr.Request) -> tuple[Any, ...]:
        return show(store, None, request)

    then_after(bar.new.click(start, [bar.store], shown, **internal("new_chat")), "new")
    # "Clear chat" and the chat's trash icon start a new conversation; the old one stays in the list.
    then_after(clear.click(start, [bar.store], shown, **internal("clear")), "clear")
    then_after(p.chatbot.clear(start, [bar.store], shown, **internal("trash")), "trash")

    def delete(store: Any, chat_id: Any, request: gr.Request) -> tuple[Any, ...]:
        return show(conversations.delete(store, owners.of(_login(request)), chat_id), None, request)

    then_after(bar.delete.click(delete, [bar.store, bar.picker], shown, **internal("delete_chat")), "delete")

    def rename(store: Any, chat_id: Any, title: str, request: gr.Request) -> tuple[Any, ...]:
        owner = owners.of(_login(request))
        store = conversations.rename(store, owner, chat_id, title or "")
        return store, gr.update(choices=conversations.choices(store, owner), value=chat_id), ""

    bar.rename.submit(
        rename, [bar.store, bar.picker, bar.rename], [bar.store, bar.picker, bar.rename], **internal("rename_chat")
    )


def _restore(app: gr.Blocks, h: Handlers, p: Parts, owners: conversations.Owners) -> None:
    """At page load, reopen the conversation this browser (this user, with a login) had open."""

    def restore(store: Any, request: gr.Request) -> tuple[Any, ...]:
        owner = owners.of(_login(request))
        chat = conversations.current(store, owner)
        turns = conversations.turns_of(chat)
        session = h.session_with(turns)
        menu = gr.update(choices=conversations.choices(store, owner), value=chat["id"] if chat else None)
        return h.messages(turns), session, h.sources(session), menu

    outputs = [p.chatbot, p.session, p.sources, p.bar.picker]
    app.load(restore, [p.bar.store], outputs, **internal("restore"))


def _login(request: gr.Request | None) -> str:
    """Who is signed in: the login name, or "" without a login."""
    return str(getattr(request, "username", None) or "")


def _wire_articles(h: Handlers, p: Parts, upload: gr.File, results: gr.HTML, r: Removing) -> None:
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

    def ask_first(ids: list[str] | None) -> tuple[Any, ...]:
        question = h.remove_question(ids)
        if question is None:
            return gr.update(visible=False), "", "Pick one or more articles to remove first."
        return gr.update(visible=True), question, ""

    hide = gr.update(visible=False)
    r.button.click(ask_first, [p.remove_pick], [r.confirm, r.question, r.result], **internal("remove_ask"))
    p.remove_pick.change(lambda: hide, None, [r.confirm], **internal("remove_pick"))  # it asked about other articles
    r.no.click(lambda: (hide, "Nothing was removed."), None, [r.confirm, r.result], **internal("remove_cancel"))
    r.yes.click(lambda: hide, None, [r.confirm], **internal("remove_hide")).then(
        h.remove, [p.remove_pick], [r.result], concurrency_id="ingest", **internal("remove")
    ).then(lambda ids, tags: _refresh(h, ids, tags), chosen, refresh, **internal("refresh_remove"))


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
    return [p.header, p.table, p.article_filter, p.tag_filter, p.remove_pick, p.chatbot, p.cards]


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
        render_article_cards(infos),
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
