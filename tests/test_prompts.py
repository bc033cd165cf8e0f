"""Prompt files: loaded by name from the prompts folder, rendered strictly."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.llm.prompts import PromptError, chat_prompt, format_messages, load_prompt, prompt_text, render
from assistant.settings import Settings

SHIPPED = Settings.model_fields["prompts_dir"].default


def test_shipped_prompts_load_with_their_variables() -> None:
    assert set(load_prompt("answer_user", SHIPPED).input_variables) == {"passages", "question"}
    assert set(load_prompt("condense_user", SHIPPED).input_variables) == {"history", "question"}
    assert set(load_prompt("passage", SHIPPED).input_variables) == {"n", "title", "section", "text"}
    # The system prompts take no variables: nothing from an article or a user can reach them.
    assert load_prompt("answer_system", SHIPPED).input_variables == []
    assert load_prompt("condense_system", SHIPPED).input_variables == []


def test_render_fills_variables() -> None:
    text = render("passage", SHIPPED, n=3, title="T", section="S", text="Body {not a variable}")
    assert text.startswith('<passage id="3" title="T" section="S">')
    assert "Body {not a variable}" in text  # values are inserted as they are, never re-parsed


def test_render_with_a_missing_variable_fails() -> None:
    with pytest.raises(PromptError, match="title"):
        render("passage", SHIPPED, n=1, section="S", text="x")


def test_chat_prompt_with_a_missing_variable_fails() -> None:
    prompt = chat_prompt("answer_system", "answer_user", SHIPPED)
    with pytest.raises(PromptError, match="passages"):
        format_messages(prompt, question="Where?")
    messages = format_messages(prompt, question="Where?", passages='<passage id="1">x</passage>')
    assert [m.type for m in messages] == ["system", "human"]


def test_prompts_are_files_loaded_by_name(tmp_path: Path) -> None:
    (tmp_path / "greet.txt").write_text("Hello {name}!\n", encoding="utf-8")
    assert render("greet", tmp_path, name="Ada") == "Hello Ada!"
    (tmp_path / "greet.txt").write_text("Bye {name}.\n", encoding="utf-8")
    assert render("greet", tmp_path, name="Ada") == "Bye Ada."  # an edited file is read again


def test_missing_or_badly_named_prompt_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match=r"nothere\.txt"):
        prompt_text("nothere", tmp_path)
    with pytest.raises(PromptError, match="bad prompt name"):
        prompt_text("../secrets", tmp_path)
