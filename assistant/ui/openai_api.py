"""The OpenAI-compatible HTTP API, served beside the chat page under `/v1`.

`POST /v1/chat/completions` answers the last user message of `messages` (the earlier user messages
are the conversation, so follow-ups work), `stream: true` sends OpenAI's chunks as server-sent
events; `GET /v1/models` lists the answer modes; `POST /v1/ask` takes a plain JSON question.
Answers carry their citations in an extra `citations` field (and, when streaming, on the last chunk).

A thin layer: every answer comes from `ChatSession`/`Assistant`. The conversation is rebuilt from
the messages on each request (the server keeps nothing between requests): the earlier user turns
are asked again with the extractive answerer, which is fast and deterministic, so a follow-up gets
the same standalone query and last cited answer to lean on as in the chat page.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import secrets
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.routing import BaseRoute, Mount, Route

from ..answer.retrieval import Filters
from ..api import Assistant, ChatSession
from ..models import Answer
from .api_docs import add_docs
from .modes import EXTRACTIVE, AnswerModes

log = logging.getLogger(__name__)
API_KEY_ENV = "ASSISTANT_API_KEY"
REPLAY_TURNS = 8  # earlier user turns asked again to rebuild a conversation (follow-ups look back 3)
Login = tuple[str, str] | Sequence[tuple[str, str]] | None  # the page's login(s), as Gradio takes them
CHECKED = "\n\n(Checked against the articles:) "  # a streamed LLM reply the citation check rewrote


# --- request and response bodies -----------------------------------------------------------------


class Scope(BaseModel):
    """Where to look (extensions of the OpenAI request; all optional)."""

    article_ids: list[str] = Field(
        default_factory=list, description="Only these articles (ids from `assistant articles`)."
    )
    tags: list[str] = Field(default_factory=list, description="Only articles with one of these tags.")
    top_k: int | None = Field(None, ge=1, le=50, description="Passages to retrieve (default: the server's setting).")

    def filters(self) -> Filters | None:
        return Filters(article_ids=self.article_ids, tags=self.tags) or None


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str = ""


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # OpenAI's content parts: only the text ones count
            return "\n".join(p.text for p in self.content if p.type == "text")
        return self.content or ""


class ChatRequest(Scope):
    """OpenAI's chat request; parameters that shape sampling (temperature, max_tokens, ...) are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: str = Field("", description="An answer mode from /v1/models (default: the server's backend).")
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False

    @model_validator(mode="after")
    def _ends_with_a_question(self) -> ChatRequest:
        last = self.messages[-1]
        if last.role != "user" or not last.text().strip():
            raise ValueError("the last message must be a user message with the question as text")
        return self


class AskRequest(Scope):
    question: str = Field(min_length=1, description="The question.")
    history: list[str] = Field(default_factory=list, description="Earlier questions of the conversation, oldest first.")
    model: str = Field("", description="An answer mode from /v1/models (default: the server's backend).")


class AskResponse(BaseModel):
    answer: str = Field(description="The answer, with [n] markers pointing at `citations`.")
    citations: list[dict[str, Any]] = Field(description="n, title, section, the passage text, the sentences used, ...")
    abstained: bool = Field(description="True when the articles do not hold the answer.")
    partial: bool = Field(description="True when they hold something related, not what was asked.")
    backend: str = Field(description="The answer mode that produced the answer.")
    query: str = Field(description="The question as searched (a follow-up rewritten to stand alone).")
    notes: list[str] = Field(description="What was changed about the question or the answer, if anything.")


# --- the app ---------------------------------------------------------------------------------------


def build_api(assistant: Assistant, login: Login = None, api_key: str | None = None) -> FastAPI:
    """The `/v1` app over `assistant`. With a `login` or an `api_key`, every call must present one of them."""
    modes = AnswerModes(assistant)
    api = FastAPI(
        title="Article assistant API",
        description="OpenAI-compatible chat over the articles, with citations. "
        "Authenticate with HTTP basic (the page's login) or `Authorization: Bearer <ASSISTANT_API_KEY>` when set.",
        dependencies=[Depends(require_auth(login, api_key))],
        docs_url=None,  # served from local files by add_docs: the default page loads Swagger UI from a CDN
        redoc_url=None,
    )
    add_docs(api)
    api.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    api.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]

    @api.get("/models", summary="The answer modes (extractive, and the configured LLM backend)")
    def list_models() -> dict[str, Any]:
        data = [
            {"id": m.name, "object": "model", "created": 0, "owned_by": "article-assistant", "description": m.label}
            for m in modes.available()
        ]
        return {"object": "list", "data": data}

    @api.post("/chat/completions", summary="Chat with the articles (OpenAI's chat completions)", response_model=None)
    def chat_completions(body: ChatRequest) -> dict[str, Any] | StreamingResponse:
        session, mode = _conversation(modes, body), body.model or modes.default
        question = body.messages[-1].text()
        if body.stream:
            chunks = _stream(session, question, body, mode)
            return StreamingResponse(chunks, media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
        answer = _answering(lambda: session.ask(question, filters=body.filters(), k=body.top_k))
        return _completion(answer, mode)

    @api.post("/ask", summary="Answer one question, with citations")
    def ask(body: AskRequest) -> AskResponse:
        assistant = _mode(modes, body.model)
        history = _replay(modes, body.history, body.filters())
        session = ChatSession(assistant)
        session.turns = history.turns
        answer = _answering(lambda: session.ask(body.question, filters=body.filters(), k=body.top_k))
        return AskResponse(**_answer_fields(answer), answer=answer.text)

    return api


def routes(assistant: Assistant, login: Login = None, api_key: str | None = None) -> list[BaseRoute]:
    """The routes to add to the page's server: the API under /v1, and /docs pointing at its documentation."""
    api = build_api(assistant, login, api_key)
    return [Mount("/v1", app=api), Route("/docs", lambda request: RedirectResponse("/v1/docs"))]


def api_key_from_env(env: Mapping[str, str] | None = None) -> str | None:
    """The bearer key API clients must send, from ASSISTANT_API_KEY (None when unset)."""
    return ((os.environ if env is None else env).get(API_KEY_ENV) or "").strip() or None


# --- auth --------------------------------------------------------------------------------------------


def require_auth(login: Login, api_key: str | None) -> Callable[[Request], None]:
    """A dependency refusing calls without the page's login (HTTP basic) or the API key (bearer)."""

    logins = [login] if isinstance(login, tuple) else list(login or [])

    def check(request: Request) -> None:
        if not logins and not api_key:
            return
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and api_key and secrets.compare_digest(value.strip().encode(), api_key.encode()):
            return
        if scheme.lower() == "basic" and logins and _basic_matches(value.strip(), logins):
            return
        ways = (["HTTP basic with the page's login"] if logins else []) + (
            [f"Authorization: Bearer <the key in {API_KEY_ENV}>"] if api_key else []
        )
        raise HTTPException(
            401,
            "missing or wrong credentials: send " + " or ".join(ways),
            headers={"WWW-Authenticate": 'Basic realm="article assistant"'} if logins else None,
        )

    return check


def _basic_matches(value: str, logins: Sequence[tuple[str, str]]) -> bool:
    try:
        user, _, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    matches = [
        secrets.compare_digest(user.encode(), name.encode()) & secrets.compare_digest(password.encode(), word.encode())
        for name, word in logins
    ]
    return any(matches)


# --- answering -----------------------------------------------------------------------------------------


def _mode(modes: AnswerModes, name: str) -> Assistant:
    try:
        return modes.get(name or None)
    except ValueError as exc:
        raise HTTPException(404, str(exc)) from None


def _replay(modes: AnswerModes, questions: list[str], filters: Filters | None) -> ChatSession:
    """A conversation holding `questions` as its earlier turns, asked again with the extractive answerer."""
    session = modes.get(EXTRACTIVE).chat() if EXTRACTIVE in modes.names() else modes.get(None).chat()
    for question in [q for q in questions if q.strip()][-REPLAY_TURNS:]:
        session.ask(question, filters=filters)
    return session


def _conversation(modes: AnswerModes, body: ChatRequest) -> ChatSession:
    """A session in the request's mode whose history is the earlier user messages."""
    session = ChatSession(_mode(modes, body.model))
    earlier = [m.text() for m in body.messages[:-1] if m.role == "user"]
    session.turns = _replay(modes, earlier, body.filters()).turns
    return session


def _answering(ask: Callable[[], Answer]) -> Answer:
    """Run `ask`; a failing backend becomes a 502 that says why (the server goes on)."""
    try:
        return ask()
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    except Exception as exc:
        log.exception("answering through the API failed")
        raise HTTPException(502, f"the answer backend failed: {_describe(exc)}") from None


def _answer_fields(answer: Answer) -> dict[str, Any]:
    return {
        "citations": [c.to_dict() for c in answer.citations],
        "abstained": answer.abstained,
        "partial": answer.partial,
        "backend": answer.backend,
        "query": answer.query,
        "notes": list(answer.notes),
    }


def _completion(answer: Answer, mode: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": mode,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.text}, "finish_reason": "stop"}],
        **_answer_fields(answer),
    }


def _stream(session: ChatSession, question: str, body: ChatRequest, mode: str) -> Iterator[str]:
    """OpenAI's chunks as server-sent events: the text as it comes, then a last chunk with the citations."""
    base = {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion.chunk", "created": int(time.time())}
    base["model"] = mode

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return _event({**base, "choices": [choice], **extra})

    yield chunk({"role": "assistant", "content": ""})
    streamed, answer = "", None
    try:
        for piece in session.stream(question, filters=body.filters(), k=body.top_k):
            if isinstance(piece, Answer):
                answer = piece
            elif piece:
                streamed += piece
                yield chunk({"content": piece})
    except Exception as exc:  # the status line is sent already: the error goes in the stream, as OpenAI does
        log.exception("streaming through the API failed")
        yield _event({"error": {"message": f"the answer backend failed: {_describe(exc)}", "type": "server_error"}})
        return
    if answer is not None:
        rest = _rest(streamed, answer.text)
        if rest:
            yield chunk({"content": rest})
        yield chunk({}, "stop", **_answer_fields(answer))
    yield "data: [DONE]\n\n"


def _rest(streamed: str, final: str) -> str:
    """What to send after `streamed` so the reader ends with the checked `final` text.

    An LLM's raw reply streams as it comes; the citation check may renumber its markers or replace
    it. Text cannot be taken back from a stream, so a changed reply is followed by the checked one.
    """
    if final.startswith(streamed):
        return final[len(streamed) :]
    return CHECKED + final if final.strip() != streamed.strip() else ""


def _event(data: dict[str, Any]) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# --- errors in OpenAI's shape: {"error": {"message", "type", "param", "code"}} --------------------------


ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    422: "invalid_request_error",
}


def _error(
    status: int, message: str, headers: Mapping[str, str] | None = None, param: str | None = None
) -> JSONResponse:
    kind = ERROR_TYPES.get(status, "server_error")
    body = {"error": {"message": message, "type": kind, "param": param, "code": None}}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    return _error(exc.status_code, str(exc.detail), exc.headers)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """A 422 that says which field is wrong and how, in words: `messages.0.role: Input should be ...`."""
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        message = err.get("msg", "invalid").removeprefix("Value error, ")
        if err.get("type") == "json_invalid":  # its location is a character position, not a field
            where, message = "", f"the body is not valid JSON ({err.get('ctx', {}).get('error', 'cannot parse')})"
        elif not where and err.get("type") == "model_attributes_type":
            message = "the body must be a JSON object, sent with Content-Type: application/json"
        problems.append(f"{where}: {message}" if where else message)
    return _error(422, "invalid request: " + "; ".join(problems))
