"""The API's interactive docs (Swagger UI) served from this server, so `/docs` works offline.

FastAPI's default docs page loads Swagger UI's script and stylesheet from a CDN: with no internet
it stays blank. The PyPI package `fastapi-offline` ships those files (Swagger UI 5, which reads the
OpenAPI 3.1 schema FastAPI writes); they are mounted beside the API and the page points at them.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

ASSETS_PATH = "/docs-assets"  # under the API's own prefix (/v1)


def swagger_ui_folder() -> Path:
    """The folder holding swagger-ui-bundle.js and swagger-ui.css, inside the installed `fastapi_offline`."""
    import importlib.util

    spec = importlib.util.find_spec("fastapi_offline")  # located, not imported: only its files are used
    if spec is None or spec.origin is None:
        raise RuntimeError("the API docs need the package fastapi-offline: pip install fastapi-offline")
    return Path(spec.origin).parent / "static"


def add_docs(api: FastAPI, path: str = "/docs") -> None:
    """Serve Swagger UI for `api` at `path` from local files (`api` is built with `docs_url=None`).

    Plain routes, not API operations: the API's auth dependency does not cover them, as it does not
    cover FastAPI's own docs, and they stay out of the schema.
    """
    api.mount(ASSETS_PATH, StaticFiles(directory=swagger_ui_folder()), name="docs-assets")

    def docs(request: Request) -> HTMLResponse:
        root = str(request.scope.get("root_path", "")).rstrip("/")  # "/v1" when mounted there
        return get_swagger_ui_html(
            openapi_url=f"{root}{api.openapi_url}",
            title=f"{api.title} - docs",
            swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
        )

    api.add_route(path, docs, include_in_schema=False)
