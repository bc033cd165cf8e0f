"""Conversations kept in the browser (Gradio's `BrowserState`, in its localStorage), so a reload or a
second tab of the same browser finds them again; another browser never sees them.

The stored value is plain JSON: `{"users": {user: {"current": id, "chats": [chat, ...]}}}`, where a
chat is `{"id", "title", "created", "turns": [Answer.to_dict(), ...]}`. With a login each user has
their own part (`user` is the login name; "" without a login). Pure functions over that value, so
tests call them without a browser.
"""

from __future__ import annotations

import copy
import uuid
from datetime import datetime
from typing import Any

from ..models import Answer, Citation

KEEP_CHATS = 30  # conversations kept per user, the newest
KEEP_TURNS = 60  # answers kept per conversation, the latest
Store = dict[str, Any]


def empty() -> Store:
    return {"users": {}}


def _mine(store: Store | None, user: str) -> dict[str, Any]:
    """The user's part of the stored value; anything damaged or foreign reads as nothing stored."""
    users = store.get("users") if isinstance(store, dict) else None
    mine = users.get(user) if isinstance(users, dict) else None
    if not isinstance(mine, dict):
        return {"current": None, "chats": []}
    chats = [c for c in mine.get("chats") or [] if isinstance(c, dict) and isinstance(c.get("id"), str)]
    return {"current": mine.get("current"), "chats": chats}


def _put(store: Store | None, user: str, mine: dict[str, Any]) -> Store:
    out = copy.deepcopy(store) if isinstance(store, dict) and isinstance(store.get("users"), dict) else empty()
    out["users"][user] = mine
    return out


def chats(store: Store | None, user: str) -> list[dict[str, Any]]:
    """The user's conversations, newest first."""
    return _mine(store, user)["chats"]


def current(store: Store | None, user: str) -> dict[str, Any] | None:
    """The conversation the user had open, if it is still kept."""
    mine = _mine(store, user)
    return next((c for c in mine["chats"] if c.get("id") == mine["current"]), None)


def choices(store: Store | None, user: str) -> list[tuple[str, str]]:
    """(label, id) per conversation for a drop-down: its title (the first question unless renamed) and date."""
    return [(f"{c.get('title') or 'Untitled'} · {c.get('created', '')}", c["id"]) for c in chats(store, user)]


def save(store: Store | None, user: str, chat_id: str | None, turns: list[Answer]) -> tuple[Store, str | None]:
    """Store `turns` as conversation `chat_id` (a new one when None); returns the store and the id."""
    if not turns:
        return _put(store, user, _mine(store, user)), chat_id
    mine = _mine(store, user)
    found = next((c for c in mine["chats"] if c.get("id") == chat_id), None)
    if found is None:
        chat_id = chat_id or uuid.uuid4().hex[:12]
        found = {"id": chat_id, "title": _title(turns[0].question), "created": f"{datetime.now():%Y-%m-%d %H:%M}"}
        mine["chats"].insert(0, found)
    found["turns"] = [t.to_dict() for t in turns[-KEEP_TURNS:]]
    mine["chats"] = mine["chats"][:KEEP_CHATS]
    mine["current"] = chat_id
    return _put(store, user, mine), chat_id


def open_chat(store: Store | None, user: str, chat_id: str | None) -> tuple[Store, list[Answer]]:
    """Make `chat_id` the open conversation (None: a new one); returns the store and its answers."""
    mine = _mine(store, user)
    mine["current"] = chat_id
    found = next((c for c in mine["chats"] if c.get("id") == chat_id), None)
    return _put(store, user, mine), turns_of(found)


def rename(store: Store | None, user: str, chat_id: str | None, title: str) -> Store:
    mine = _mine(store, user)
    for c in mine["chats"]:
        if c.get("id") == chat_id and title.strip():
            c["title"] = _title(title)
    return _put(store, user, mine)


def delete(store: Store | None, user: str, chat_id: str | None) -> Store:
    """Forget conversation `chat_id`; no conversation is open afterwards."""
    mine = _mine(store, user)
    mine["chats"] = [c for c in mine["chats"] if c.get("id") != chat_id]
    mine["current"] = None
    return _put(store, user, mine)


def turns_of(chat: dict[str, Any] | None) -> list[Answer]:
    """The answers of a stored conversation (entries that no longer read are skipped)."""
    out = []
    for data in (chat or {}).get("turns") or []:
        try:
            out.append(answer_from_dict(data))
        except (TypeError, KeyError, ValueError, AttributeError):
            continue
    return out


def answer_from_dict(data: dict[str, Any]) -> Answer:
    """The `Answer` that `Answer.to_dict()` gave `data`."""
    fields = dict(data)
    fields["text"] = fields.pop("answer")
    fields["citations"] = [_citation(c) for c in fields.get("citations") or []]
    known = Answer.__dataclass_fields__
    return Answer(**{k: v for k, v in fields.items() if k in known})


def _citation(data: dict[str, Any]) -> Citation:
    fields = {k: v for k, v in data.items() if k in Citation.__dataclass_fields__}
    fields["sentence_spans"] = [tuple(s) for s in fields.get("sentence_spans") or []]
    return Citation(**fields)


def _title(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:59] + "…"
