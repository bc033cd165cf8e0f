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
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

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


class PortUnavailable(AssistantError):
    """The server could not listen on its host and port: another program has the port, or it is not allowed."""


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


HEALTH_PATH = "/health"


def health_route(assistant: Assistant) -> Route:
    """`GET /health`: the replica's `Assistant.health()` as JSON; 200 when it can answer, else 503.

    A plain HTTP route (outside Gradio's API and its login) for a load balancer's health check: it
    says no more than counts, the index generation, whether the vector store is reachable and, when
    it is not, the error (which names the store's URL, never a key).
    """

    def health(request: Request) -> JSONResponse:
        try:
            data = assistant.health()
        except Exception as exc:  # an index that cannot be opened: not ready, and why
            data = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        return JSONResponse(data, status_code=200 if data.get("ok") else 503)

    return Route(HEALTH_PATH, health, methods=["GET"])


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
    if hasattr(app, "owners"):  # each login's conversations in the browser sealed with a key from its password
        app.owners.use(auth)
    api_routes = routes(assistant, login=auth, api_key=api_key_from_env())
    if not quiet:
        print(f"* OpenAI-compatible API at http://{s.host}:{s.port}/v1 (docs at /docs)")
    try:
        Path(s.upload_dir).mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a read-only replica: it answers, uploads are refused with the reason
        log.warning("cannot create the upload folder %s (%s); uploads will fail on this server", s.upload_dir, exc)
    served = [str(Path(d).resolve()) for d in (s.corpus_dir, s.upload_dir) if Path(d).is_dir()]
    try:
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
            # before Gradio's own routes (matched first; Gradio's have no catch-all)
            app_kwargs={"routes": [health_route(assistant), *api_routes]},
        )
    except OSError as exc:
        # Gradio's one error for a port it could not bind (taken, or below 1024 for a user): its advice,
        # GRADIO_SERVER_PORT, does not apply here, where the port always comes from the settings.
        if not str(exc).startswith("Cannot find empty port"):
            raise
        raise PortUnavailable(
            f"cannot listen on {s.host}:{s.port}: another program uses that port, or it is not allowed. "
            "Choose another with --port (or ASSISTANT_PORT)."
        ) from exc


def serve(
    assistant: Assistant,
    *,
    share: bool = False,
    ingest: bool = True,
    prevent_thread_lock: bool = False,
    quiet: bool = False,
) -> tuple[Any, str, str | None]:
    """Index the corpus (unless `ingest` is False: then the index must exist), build the app and serve it."""
    auth = auth_from_env()
    if ingest:
        report = ingest_corpus(assistant)
        if report and report.failed:
            for failure in report.failed:
                log.warning("could not ingest %s: %s", failure.path, failure.error)
    index = assistant.index  # a missing or unreadable index fails here, with its message, before serving
    _ = index.store  # and so does a vector store it cannot open (a read-only folder without a Chroma server)
    if not ingest and not assistant.settings.chroma_url:  # a server beside a separate ingest job
        log.warning(
            "vectors come from the Chroma store embedded in %s: articles another process ingests are found "
            "by keywords at once but by meaning only after this server restarts (the embedded store reads "
            "its files once, when it opens). Several servers on one index need a Chroma server (chroma_url).",
            assistant.settings.index_dir,
        )
    log.info(
        "serving the index in %s (opened %s)",
        assistant.settings.index_dir,
        "read-only" if index.readonly else "for writing",
    )
    return launch(
        build_app(assistant), assistant, share=share, auth=auth, prevent_thread_lock=prevent_thread_lock, quiet=quiet
    )
