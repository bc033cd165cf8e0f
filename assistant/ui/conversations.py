"""Conversations kept in the browser (Gradio's `BrowserState`, in its localStorage), so a reload or a
second tab of the same browser finds them again; another browser never sees them.

The stored value is JSON: `{"users": {user: {"current": id, "chats": [chat, ...], "pending": title}}}`,
where a chat is `{"id", "title", "created", "turns": [Answer.to_dict(), ...]}` and `pending` is the name given to
a new conversation before its first question (None otherwise). With a login each user has their
own part (`user` is the login name; "" without a login), sealed with a key derived from that user's
password: `{"sealed": token}`. Gradio encrypts the whole value with a secret the page itself holds,
so without the seal another user of the same browser could read it from the browser's storage.
Pure functions over that value, so tests call them without a browser.
"""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from cryptography.fernet import Fernet, InvalidToken

from ..models import Answer, Citation

KEEP_CHATS = 30  # conversations kept per user, the newest
KEEP_TURNS = 60  # answers kept per conversation, the latest
Store = dict[str, Any]


class Owner(NamedTuple):
    """Whose conversations: the login name ("" without a login) and the key that seals them (None: kept open)."""

    name: str
    key: Fernet | None = None


User = str | Owner  # a bare name: conversations kept unsealed, as without a login


def owner(name: str, password: str | None, salt: str) -> Owner:
    """The owner `name`, with a key derived from their `password` when there is one (`salt`: this app's)."""
    return Owner(name, _key(name, password, salt) if name and password else None)


@functools.lru_cache(maxsize=64)
def _key(name: str, password: str, salt: str) -> Fernet:
    # scrypt: slow to guess from a copied browser storage, derived once per login (cached)
    raw = hashlib.scrypt(password.encode(), salt=f"{salt}\0{name}".encode(), n=2**14, r=8, p=1, dklen=32)
    return Fernet(base64.urlsafe_b64encode(raw))


class Owners:
    """Who owns which conversations on this page: `launch()` hands over the page's logins with `use`."""

    def __init__(self, salt: str) -> None:
        self.salt = salt
        self.passwords: dict[str, str] = {}

    def use(self, logins: tuple[str, str] | Sequence[tuple[str, str]] | None) -> None:
        """Seal each login's conversations with a key from its password (None: no login, nothing sealed)."""
        self.passwords = dict([logins] if isinstance(logins, tuple) else list(logins or []))

    def of(self, name: str) -> Owner:
        return owner(name, self.passwords.get(name), self.salt)


def empty() -> Store:
    return {"users": {}}


def _mine(store: Store | None, user: User) -> dict[str, Any]:
    """The user's part of the stored value; anything damaged, foreign or sealed for another key reads as nothing."""
    who = Owner(user) if isinstance(user, str) else user
    users = store.get("users") if isinstance(store, dict) else None
    mine = _unseal(users.get(who.name), who.key) if isinstance(users, dict) else None
    if not isinstance(mine, dict):
        return {"current": None, "chats": [], "pending": None}
    chats = [c for c in mine.get("chats") or [] if isinstance(c, dict) and isinstance(c.get("id"), str)]
    pending = mine.get("pending") if isinstance(mine.get("pending"), str) else None
    return {"current": mine.get("current"), "chats": chats, "pending": pending}


def _unseal(part: Any, key: Fernet | None) -> Any:
    if key is None:
        return None if isinstance(part, dict) and "sealed" in part else part
    try:
        return json.loads(key.decrypt(str(part.get("sealed")).encode())) if isinstance(part, dict) else None
    except (InvalidToken, ValueError):  # another key (a changed password) or damaged: nothing stored
        return None


def _put(store: Store | None, user: User, mine: dict[str, Any]) -> Store:
    who = Owner(user) if isinstance(user, str) else user
    out = copy.deepcopy(store) if isinstance(store, dict) and isinstance(store.get("users"), dict) else empty()
    if who.key is None:
        out["users"][who.name] = mine
    else:
        out["users"][who.name] = {"sealed": who.key.encrypt(json.dumps(mine).encode()).decode()}
    return out


def chats(store: Store | None, user: User) -> list[dict[str, Any]]:
    """The user's conversations, newest first."""
    return _mine(store, user)["chats"]


def current(store: Store | None, user: User) -> dict[str, Any] | None:
    """The conversation the user had open, if it is still kept."""
    mine = _mine(store, user)
    return next((c for c in mine["chats"] if c.get("id") == mine["current"]), None)


def choices(store: Store | None, user: User) -> list[tuple[str, str]]:
    """(label, id) per conversation for a drop-down: its title (the first question unless renamed) and date."""
    return [(f"{c.get('title') or 'Untitled'} · {c.get('created', '')}", c["id"]) for c in chats(store, user)]


def save(store: Store | None, user: User, chat_id: str | None, turns: list[Answer]) -> tuple[Store, str | None]:
    """Store `turns` as conversation `chat_id` (a new one when None); returns the store and the id."""
    if not turns:
        return _put(store, user, _mine(store, user)), chat_id
    mine = _mine(store, user)
    found = next((c for c in mine["chats"] if c.get("id") == chat_id), None)
    if found is None:
        chat_id = chat_id or uuid.uuid4().hex[:12]
        title = mine["pending"] or _title(turns[0].question)  # named before its first answer, or its question
        found = {"id": chat_id, "title": title, "created": f"{datetime.now():%Y-%m-%d %H:%M}"}
        mine["chats"].insert(0, found)
        mine["pending"] = None
    found["turns"] = [t.to_dict() for t in turns[-KEEP_TURNS:]]
    mine["chats"] = mine["chats"][:KEEP_CHATS]
    mine["current"] = chat_id
    return _put(store, user, mine), chat_id


def open_chat(store: Store | None, user: User, chat_id: str | None) -> tuple[Store, list[Answer]]:
    """Make `chat_id` the open conversation (None: a new one); returns the store and its answers."""
    mine = _mine(store, user)
    mine["current"] = chat_id
    mine["pending"] = None  # a name typed for a conversation never saved goes with it
    found = next((c for c in mine["chats"] if c.get("id") == chat_id), None)
    return _put(store, user, mine), turns_of(found)


def rename(store: Store | None, user: User, chat_id: str | None, title: str) -> Store:
    """Name conversation `chat_id`; a new conversation, not saved yet (nothing asked), takes the name when it is."""
    mine = _mine(store, user)
    if not title.strip():
        return _put(store, user, mine)
    found = next((c for c in mine["chats"] if c.get("id") == chat_id), None)
    if found is not None:
        found["title"] = _title(title)
    elif chat_id is None:  # not one deleted in another tab meanwhile: that name goes nowhere
        mine["pending"] = _title(title)
    return _put(store, user, mine)


def delete(store: Store | None, user: User, chat_id: str | None) -> Store:
    """Forget conversation `chat_id`; no conversation is open afterwards."""
    mine = _mine(store, user)
    mine["chats"] = [c for c in mine["chats"] if c.get("id") != chat_id]
    mine["current"] = mine["pending"] = None
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
