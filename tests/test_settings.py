from pathlib import Path

import pytest

from assistant.settings import Settings, SettingsError


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    s = Settings.load(env={})
    assert s.index_dir == Path("vectorstore")
    assert s.corpus_dir == Path("corpus")
    assert s.embedding_model == "all-MiniLM-L6-v2"
    assert s.backend == "extractive"
    assert s.host == "127.0.0.1"


def test_precedence_defaults_toml_env_arguments(tmp_path: Path) -> None:
    (tmp_path / "assistant.toml").write_text('chunk_size = 300\ntop_k = 7\nbackend = "openai"\n')
    env = {"ASSISTANT_TOP_K": "9", "ASSISTANT_CHUNK_OVERLAP": "10", "UNRELATED": "x"}
    s = Settings.load(env=env, backend="extractive")
    assert s.chunk_size == 300  # toml over default
    assert s.top_k == 9  # env over toml
    assert s.chunk_overlap == 10  # env over default
    assert s.backend == "extractive"  # argument over toml


def test_none_arguments_do_not_override(tmp_path: Path) -> None:
    s = Settings.load(env={"ASSISTANT_TOP_K": "8"}, top_k=None)
    assert s.top_k == 8


def test_assistant_table_and_explicit_config(tmp_path: Path) -> None:
    cfg = tmp_path / "other.toml"
    cfg.write_text("[assistant]\nport = 9000\n")
    assert Settings.load(config=cfg, env={}).port == 9000
    assert Settings.load(env={"ASSISTANT_CONFIG": str(cfg)}).port == 9000


def test_missing_named_config_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        Settings.load(config=tmp_path / "nope.toml", env={})


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "assistant.toml").write_text("chunk_size = = 3")
    with pytest.raises(SettingsError, match=r"assistant\.toml"):
        Settings.load(env={})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ASSISTANT_TOP_K": "many"}, "top_k"),
        ({"ASSISTANT_CHUNK_SIZE": "100", "ASSISTANT_CHUNK_OVERLAP": "100"}, "chunk_overlap"),
        ({"ASSISTANT_PORT": "70000"}, "port"),
    ],
)
def test_bad_values_say_which_setting(env: dict, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.load(env=env)


def test_unknown_toml_key_is_refused(tmp_path: Path) -> None:
    (tmp_path / "assistant.toml").write_text("chunk_sise = 3\n")
    with pytest.raises(SettingsError, match="chunk_sise"):
        Settings.load(env={})


def test_with_overrides_validates() -> None:
    s = Settings.load(env={})
    assert s.with_overrides(top_k=3).top_k == 3
    with pytest.raises(SettingsError):
        s.with_overrides(top_k=0)
