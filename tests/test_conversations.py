"""Conversations kept in the browser: the stored JSON read back, per user, new / rename / delete."""

from __future__ import annotations

import json

from assistant import Assistant
from assistant.ui import conversations as conv
from assistant.ui.conversations import answer_from_dict


def test_an_answer_survives_the_browser_round_trip(seed: Assistant) -> None:
    answer = seed.ask("Who did Rubio meet?")
    back = answer_from_dict(json.loads(json.dumps(answer.to_dict())))  # as localStorage gives it back
    assert back == answer


def test_a_follow_up_goes_on_from_a_restored_conversation(seed: Assistant) -> None:
    chat = seed.chat()
    chat.ask("Who did Rubio meet?")
    store, _ = conv.save(None, "", None, chat.turns)
    restored = seed.chat()
    restored.turns = conv.turns_of(conv.current(json.loads(json.dumps(store)), ""))
    assert restored.ask("Where did they meet?").text == chat.ask("Where did they meet?").text


def test_save_open_rename_delete(seed: Assistant) -> None:
    first, second = seed.ask("Who did Rubio meet?"), seed.ask("What role does China play?")
    store, a = conv.save(conv.empty(), "", None, [first])
    store, b = conv.save(store, "", None, [second])
    assert a != b and [c for _, c in conv.choices(store, "")] == [b, a]  # newest first
    assert conv.choices(store, "")[1][0].startswith("Who did Rubio meet? · ")  # the first question, and the date
    store, turns = conv.open_chat(store, "", a)
    assert turns == [first] and conv.current(store, "")["id"] == a
    store, same = conv.save(store, "", a, [first, second])  # the open conversation grows, no new entry
    assert same == a and len(conv.chats(store, "")) == 2 and len(conv.current(store, "")["turns"]) == 2
    store = conv.rename(store, "", a, "  Rubio   and Lavrov ")
    assert conv.choices(store, "")[1][0].startswith("Rubio and Lavrov · ")
    store = conv.delete(store, "", a)
    assert [c for _, c in conv.choices(store, "")] == [b] and conv.current(store, "") is None


def test_a_new_conversation_named_before_its_first_question_keeps_the_name(seed: Assistant) -> None:
    store = conv.rename(conv.empty(), "", None, "  China's role ")  # nothing asked yet: nothing stored to rename
    assert conv.chats(store, "") == []
    store, chat_id = conv.save(store, "", None, [seed.ask("What role does China play?")])
    assert conv.current(store, "")["title"] == "China's role"
    store, other = conv.save(store, "", None, [seed.ask("Who did Rubio meet?")])  # the name went with the first
    assert conv.current(store, "")["title"] == "Who did Rubio meet?"
    # a name typed for a new conversation that is left for another one is dropped with it
    store = conv.rename(store, "", None, "Unused")
    store, _ = conv.open_chat(store, "", chat_id)
    store, third = conv.save(store, "", None, [seed.ask("Where did they meet?")])
    assert third not in (chat_id, other) and conv.current(store, "")["title"] == "Where did they meet?"


def test_each_login_has_its_own_conversations(seed: Assistant) -> None:
    store, _ = conv.save(None, "ann", None, [seed.ask("Who did Rubio meet?")])
    assert conv.choices(store, "bob") == [] and conv.current(store, "bob") is None
    assert len(conv.choices(store, "ann")) == 1


def test_with_a_login_each_users_part_is_sealed_with_their_password(seed: Assistant) -> None:
    ann, bob = conv.owner("ann", "ann-pw", "salt"), conv.owner("bob", "bob-pw", "salt")
    store, chat_id = conv.save(None, ann, None, [seed.ask("Who did Rubio meet?")])
    stored = json.dumps(store)
    assert "Rubio" not in stored and "Lavrov" not in stored  # nothing readable without ann's key
    assert set(store["users"]["ann"]) == {"sealed"}
    back = json.loads(stored)  # as the browser gives it back
    assert conv.current(back, ann)["id"] == chat_id and "Lavrov" in conv.turns_of(conv.current(back, ann))[0].text
    assert conv.chats(back, bob) == []
    for intruder in (conv.owner("ann", "guess", "salt"), conv.owner("ann", "ann-pw", "other app"), "ann"):
        assert conv.chats(back, intruder) == []  # a wrong password, another app's key, or no key at all
    store, _ = conv.save(back, bob, None, [seed.ask("What role does China play?")])
    assert len(conv.chats(store, ann)) == 1 and len(conv.chats(store, bob)) == 1  # bob's save keeps ann's part


def test_owners_seal_only_logins_with_a_password() -> None:
    owners = conv.Owners("salt")
    assert owners.of("").key is None and owners.of("ann").key is None  # no login given: nothing to seal with
    owners.use([("ann", "ann-pw"), ("bob", "bob-pw")])
    assert owners.of("ann").key is not None and owners.of("").key is None
    owners.use(("ann", "ann-pw"))  # Gradio's single login
    assert owners.of("ann").key is not None and owners.of("bob").key is None


def test_damaged_stored_values_give_an_empty_list() -> None:
    for stored in (None, "text", {"users": "x"}, {"users": {"": {"chats": [{"id": "1", "turns": [{"x": 1}]}]}}}):
        assert conv.turns_of(conv.current(stored, "")) == []  # type: ignore[arg-type]
