"""Starting the web UI: index the corpus if needed, then serve on 127.0.0.1 unless told otherwise.

Shared by `python app.py` and `assistant serve`, so both start the same app the same way.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gradio as gr

from ..api import Assistant
from ..errors import AssistantError
from ..models import IngestReport
from .app import build_app
from .assets import CSS, JS
from .openai_api import api_key_from_env, routes

log = logging.getLogger(__name__)
# Fonts bundled with Gradio: the page must not fetch anything from the internet.
THEME = gr.themes.Soft(
    primary_hue="indigo",
    neutral_hue="slate",
    font=[gr.themes.LocalFont("IBM Plex Sans", weights=(400, 600)), "system-ui", "sans-serif"],
)
USER_ENV, PASSWORD_ENV = "ASSISTANT_UI_USERNAME", "ASSISTANT_UI_PASSWORD"


def auth_from_env(env: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """The login the page asks for: both variables set gives one, neither gives none."""
    env = os.environ if env is None else env
    user, password = env.get(USER_ENV, ""), env.get(PASSWORD_ENV, "")
    if bool(user) != bool(password):
        missing = PASSWORD_ENV if user else USER_ENV
        raise AssistantError(
            f"{missing} is not set: set both {USER_ENV} and {PASSWORD_ENV} to require a login, "
            "or neither for an open page on this machine"
        )
    return (user, password) if user else None


def ingest_corpus(assistant: Assistant, progress: bool = True) -> IngestReport | None:
    """Bring the index up to date with the corpus folder (fast when nothing changed); None if no folder."""
    corpus = Path(assistant.settings.corpus_dir)
    if not corpus.is_dir():
        log.warning("corpus folder %s does not exist; serving the index as it is", corpus)
        return None
    return assistant.ingest([corpus], progress=progress)


def launch(
    app: gr.Blocks,
    assistant: Assistant,
    *,
    share: bool = False,
    auth: tuple[str, str] | None = None,
    prevent_thread_lock: bool = False,
    quiet: bool = False,
) -> tuple[Any, str, str | None]:
    """Serve `app` on the settings' host and port; returns Gradio's (app, local URL, share URL).

    The upload size limit is enforced by the server itself, before a handler sees the file;
    only the corpus and upload folders are served (so source cards can link to articles). The
    OpenAI-compatible API is served by the same server under /v1 (docs at /docs), behind the same
    login, or the bearer key of ASSISTANT_API_KEY.
    """
    s = assistant.settings
    api_routes = routes(assistant, login=auth, api_key=api_key_from_env())
    if not quiet:
        print(f"* OpenAI-compatible API at http://{s.host}:{s.port}/v1 (docs at /docs)")
    Path(s.upload_dir).mkdir(parents=True, exist_ok=True)
    served = [str(Path(d).resolve()) for d in (s.corpus_dir, s.upload_dir) if Path(d).is_dir()]
    return app.launch(
        server_name=s.host,
        server_port=s.port,
        share=share,
        auth=auth,
        prevent_thread_lock=prevent_thread_lock,
        quiet=quiet,
        max_file_size=int(s.max_upload_mb * 2**20),
        allowed_paths=served,
        css=CSS,
        js=JS,
        theme=THEME,
        footer_links=["api", "settings"],
        run_history=False,
        show_error=True,
        auth_message="Sign in to the article assistant.",
        app_kwargs={"routes": api_routes},  # before Gradio's own routes, which have no catch-all
    )


def serve(
    assistant: Assistant,
    *,
    share: bool = False,
    ingest: bool = True,
    prevent_thread_lock: bool = False,
    quiet: bool = False,
) -> tuple[Any, str, str | None]:
    """Index the corpus (unless `ingest` is False), build the app and serve it."""
    auth = auth_from_env()
    if ingest:
        report = ingest_corpus(assistant)
        if report and report.failed:
            for failure in report.failed:
                log.warning("could not ingest %s: %s", failure.path, failure.error)
    return launch(
        build_app(assistant), assistant, share=share, auth=auth, prevent_thread_lock=prevent_thread_lock, quiet=quiet
    )
