"""Every documented `assistant` command and flag, run the way a user runs it: a real process, a real index.

Each test checks what the command prints and its exit code. The processes run in the test's own
folder with no `ASSISTANT_*` variable inherited, so a developer's `assistant.toml` or environment
cannot change the result.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import Assistant, Settings

from .conftest import DATA, ROOT, SEED
from .test_testsets import SQUAD_MINI

SEED_ID = "us-russia-dialogue-ukraine-peace-talks"
DATA_IDS = {
    "alpine-seed-vault",
    "coral-reef-drones",
    "desert-rail-link",
    "harbour-solar-ferries",
    "town-briefs-lindholm-library-opens-a-tool-lending-shelf",
    "town-briefs-night-buses-return-to-brackwater",
}


def cli_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: offline, this worktree's code, no ASSISTANT_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False", PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def cli(*args: str, cwd: Path, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        cwd=cwd,
        env=cli_env(**env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def data_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of tests/data and the seed article, built once; copy it before changing it."""
    folder = tmp_path_factory.mktemp("cli") / "index"
    report = Assistant.from_settings(Settings.load(env={}, index_dir=folder)).ingest([DATA, SEED], progress=False)
    assert report.ok and len(report.added) == 7
    return folder


def ask_json(index: Path, cwd: Path, question: str, *flags: str) -> dict:
    out = cli("ask", question, "--index", str(index), "--json", *flags, cwd=cwd)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def cited(answer: dict) -> set[str]:
    return {c["article_id"] for c in answer["citations"]}


# --- ingest ----------------------------------------------------------------------------------------------
@pytest.mark.usefixtures("onnx_model")  # its first process must not be the one that exports the model
def test_ingest_text_report_exit_codes_and_prune(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    shutil.copytree(DATA, folder)
    (folder / "empty.txt").write_text("", encoding="utf-8")
    index = tmp_path / "idx"

    first = cli("ingest", str(folder), "--index", str(index), "--quiet", cwd=tmp_path)
    assert first.returncode == 1, first.stderr  # one file failed: the shell sees it
    lines = first.stdout.splitlines()
    assert lines[0] == f"added (6): {', '.join(sorted(DATA_IDS))}"
    assert [line for line in lines if line.startswith("FAILED ")] == [
        next(line for line in lines if line.startswith(f"FAILED {folder / 'empty.txt'}: "))
    ]
    assert lines[-1].startswith("30 chunks written (12 FAQ) in ")
    assert first.stderr == ""  # --quiet: no progress bar

    (folder / "empty.txt").unlink()
    (folder / "coral-reef-drones.json").unlink()
    kept = sorted(DATA_IDS - {"coral-reef-drones"})
    no_prune = cli("ingest", str(folder), "--index", str(index), "--quiet", cwd=tmp_path)
    assert no_prune.returncode == 0, no_prune.stderr
    assert no_prune.stdout.splitlines() == [f"unchanged (5): {', '.join(kept)}", no_prune.stdout.splitlines()[-1]]
    assert no_prune.stdout.splitlines()[-1].startswith("0 chunks written (0 FAQ) in ")

    pruned = cli("ingest", str(folder), "--index", str(index), "--prune", "--quiet", cwd=tmp_path)
    assert pruned.returncode == 0, pruned.stderr
    assert pruned.stdout.splitlines()[:2] == [f"unchanged (5): {', '.join(kept)}", "removed (1): coral-reef-drones"]
    listed = cli("articles", "--index", str(index), "--json", cwd=tmp_path)
    assert [a["id"] for a in json.loads(listed.stdout)] == kept


def test_ingest_without_paths_uses_the_corpus_folder(tmp_path: Path) -> None:
    corpus = tmp_path / "my-corpus"
    corpus.mkdir()
    shutil.copy(DATA / "alpine-seed-vault.md", corpus)
    # the CLI: the corpus folder from the environment, the index from the flag
    out = cli("ingest", "--index", str(tmp_path / "a"), "--json", cwd=tmp_path, ASSISTANT_CORPUS_DIR=str(corpus))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["added"] == ["alpine-seed-vault"]
    # the Python API: `ingest()` with no paths reads settings.corpus_dir
    api = Assistant.from_settings(Settings.load(env={}, index_dir=tmp_path / "b", corpus_dir=corpus))
    report = api.ingest(progress=False)
    assert report.added == ["alpine-seed-vault"] and [a.id for a in api.articles()] == ["alpine-seed-vault"]


def test_config_file_flag_and_the_default_assistant_toml(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus-a"
    corpus.mkdir()
    shutil.copy(DATA / "desert-rail-link.html", corpus)
    config = tmp_path / "conf" / "settings.toml"
    config.parent.mkdir()
    config.write_text(f'index_dir = "{tmp_path / "from-config"}"\ncorpus_dir = "{corpus}"\n', encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    out = cli("--config", str(config), "ingest", "--json", cwd=elsewhere)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["added"] == ["desert-rail-link"]
    assert (tmp_path / "from-config" / "manifest.sqlite3").is_file()
    assert not (elsewhere / "vectorstore").exists()

    # ./assistant.toml is read when present; --config replaces it
    (elsewhere / "assistant.toml").write_text(f'index_dir = "{tmp_path / "from-cwd"}"\n', encoding="utf-8")
    listed = cli("articles", "--json", cwd=elsewhere)
    # the index it names does not exist: a read-only command says so, and creates nothing
    assert listed.returncode == 2 and "no index at " + str(tmp_path / "from-cwd") in listed.stderr
    assert not (tmp_path / "from-cwd").exists()
    listed = cli("--config", str(config), "articles", "--json", cwd=elsewhere)
    assert [a["id"] for a in json.loads(listed.stdout)] == ["desert-rail-link"]

    bad = cli("--config", str(tmp_path / "missing.toml"), "articles", cwd=elsewhere)
    assert bad.returncode == 2 and bad.stderr.startswith("error: ") and "missing.toml" in bad.stderr


# --- articles and remove ------------------------------------------------------------------------------------
def test_articles_text_and_json(data_index: Path, tmp_path: Path) -> None:
    out = cli("articles", "--index", str(data_index), "--json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    infos = {a["id"]: a for a in json.loads(out.stdout)}
    assert set(infos) == DATA_IDS | {SEED_ID}
    vault = infos["alpine-seed-vault"]
    assert (vault["title"], vault["author"], vault["date"]) == (
        "Alpine Seed Vault Opens Above Valmora",
        "Luca Brenner",
        "2024-05-14",
    )
    assert vault["tags"] == ["Agriculture", "Biodiversity", "Switzerland"]
    assert (vault["chunks"], vault["faq_chunks"]) == (5, 2) and vault["source"] == str(DATA / "alpine-seed-vault.md")

    text = cli("articles", "--index", str(data_index), cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    at = lines.index("alpine-seed-vault")
    assert lines[at + 1 : at + 3] == [
        "  Alpine Seed Vault Opens Above Valmora",
        "  by Luca Brenner on 2024-05-14; tags: Agriculture, Biodiversity, Switzerland; 5 chunks (2 FAQ); "
        + str(DATA / "alpine-seed-vault.md"),
    ]
    assert len(lines) == 3 * 7

    (tmp_path / "nothing").mkdir()
    made = cli("ingest", str(tmp_path / "nothing"), "--index", str(tmp_path / "none"), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    empty = cli("articles", "--index", str(tmp_path / "none"), cwd=tmp_path)
    assert (empty.returncode, empty.stdout) == (0, "no articles ingested yet; run: assistant ingest\n")


def test_remove_known_and_unknown_ids(data_index: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    shutil.copytree(data_index, index)
    out = cli("remove", "desert-rail-link", "--index", str(index), cwd=tmp_path)
    assert (out.returncode, out.stdout) == (0, "removed: desert-rail-link\n"), out.stderr
    out = cli("remove", "alpine-seed-vault", "no-such-id", "--index", str(index), "--json", cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    assert json.loads(out.stdout) == {"removed": ["alpine-seed-vault"], "missing": ["no-such-id"]}
    out = cli("remove", "desert-rail-link", "--index", str(index), cwd=tmp_path)
    assert (out.returncode, out.stdout) == (1, "removed: none; not found: desert-rail-link\n")
    left = {a["id"] for a in json.loads(cli("articles", "--index", str(index), "--json", cwd=tmp_path).stdout)}
    assert left == DATA_IDS - {"desert-rail-link", "alpine-seed-vault"} | {SEED_ID}
    gone = ask_json(index, tmp_path, "What is stored in the vault?")
    assert "alpine-seed-vault" not in cited(gone)


# --- ask and its filters ------------------------------------------------------------------------------------
RAIL_Q = "Where does the rail link end?"
VAULT_Q = "What is stored in the vault?"


def test_ask_article_tag_and_author_filters(data_index: Path, tmp_path: Path) -> None:
    assert cited(ask_json(data_index, tmp_path, RAIL_Q)) == {"desert-rail-link"}
    for flags in (
        ("--article", "desert-rail-link"),
        ("--article", "alpine-seed-vault", "--article", "desert-rail-link"),  # repeatable
        ("--tag", "Railways"),
        ("--tag", "railways"),  # tags match whatever their case
        ("--author", "Samira Haddad"),
    ):
        assert cited(ask_json(data_index, tmp_path, RAIL_Q, *flags)) == {"desert-rail-link"}, flags
    for flags in (("--article", "alpine-seed-vault"), ("--tag", "Agriculture"), ("--author", "Luca Brenner")):
        limited = ask_json(data_index, tmp_path, RAIL_Q, *flags)
        assert "desert-rail-link" not in cited(limited), flags
        assert cited(limited) <= {"alpine-seed-vault"}, flags


def test_ask_date_filters(data_index: Path, tmp_path: Path) -> None:
    # the vault article is dated 2024-05-14
    for flags in (
        ("--since", "2024-05-14", "--until", "2024-05-14"),
        ("--since", "2024-05-01"),
        ("--until", "2024-06"),
    ):
        answer = ask_json(data_index, tmp_path, VAULT_Q, *flags)
        assert cited(answer) == {"alpine-seed-vault"} and not answer["abstained"], flags
    for flags in (("--since", "2024-05-15"), ("--until", "2024-05-13")):
        answer = ask_json(data_index, tmp_path, VAULT_Q, *flags)
        assert answer["abstained"] and answer["citations"] == [], flags


def test_ask_top_k_limits_the_passages(data_index: Path, tmp_path: Path) -> None:
    question = "What happened between Rubio and Lavrov?"
    passages = {
        k: {c["text"] for c in ask_json(data_index, tmp_path, question, "-k", str(k))["citations"]} for k in (1, 5)
    }
    assert len(passages[1]) == 1 and len(passages[5]) > 1
    assert passages[1] <= passages[5]
    top2 = ask_json(data_index, tmp_path, question, "--top-k", "2")
    assert len({c["text"] for c in top2["citations"]}) == 2


def test_ask_text_output(data_index: Path, tmp_path: Path) -> None:
    out = cli("ask", VAULT_Q, "--index", str(data_index), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "A new seed vault carved into the rock above Valmora will store the seeds of 1,200 mountain crop varieties. [1]",
        "",
        "Sources:",
        f"  [1] Alpine Seed Vault Opens Above Valmora / Inside the Mountain ({DATA / 'alpine-seed-vault.md'}, chars 21-288)",
        "      \u201cA new seed vault carved into the rock above Valmora will store the seeds of 1,200 mountain crop "
        "varieties.\u201d",
    ]


# --- chat ------------------------------------------------------------------------------------------------
def test_chat_keeps_history_and_clear_forgets_it(seed_index_dir: Path, tmp_path: Path) -> None:
    lines = ["Who did Rubio meet?", "Where did they meet?", "", "/clear", "Where did they meet?"]
    out = cli("chat", "--index", str(seed_index_dir), "--json", cwd=tmp_path, stdin="\n".join(lines) + "\n")
    assert out.returncode == 0, out.stderr
    answers = [json.loads(line) for line in out.stdout.splitlines()]
    assert [a["question"] for a in answers] == ["Who did Rubio meet?", "Where did they meet?", "Where did they meet?"]
    first, follow, after_clear = answers
    assert "Lavrov" in first["answer"]
    # the follow-up was rewritten with the earlier subject and answered; after /clear it stands alone
    assert "Rubio" in follow["query"] and "Malaysia" in follow["answer"]
    assert after_clear["query"] == "Where did they meet?"


def test_chat_text_output_and_end_of_input(seed_index_dir: Path, tmp_path: Path) -> None:
    out = cli("chat", "--index", str(seed_index_dir), cwd=tmp_path, stdin="Where did Rubio and Lavrov meet?\n")
    assert out.returncode == 0, out.stderr
    assert "Malaysia" in out.stdout.splitlines()[0] and "\nSources:\n  [1] " in out.stdout


def test_chat_carries_on_after_an_error(seed_index_dir: Path, tmp_path: Path, closed_port: int) -> None:
    """An LLM server that does not answer: each question gets an error line, and the chat goes on to the next."""
    out = cli(
        "chat",
        "--index",
        str(seed_index_dir),
        "--backend",
        "openai",
        cwd=tmp_path,
        stdin="Where did Rubio and Lavrov meet?\nWho is Lavrov?\n",
        ASSISTANT_LLM_BASE_URL=f"http://127.0.0.1:{closed_port}/v1",
        ASSISTANT_LLM_MAX_RETRIES="0",
    )
    assert out.returncode == 0, out.stderr
    errors = [line for line in out.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 2 and all(str(closed_port) in e for e in errors), out.stderr
    assert out.stdout == ""


def test_ctrl_c_during_an_answer_stops_it_and_keeps_the_chat(seed_index_dir: Path, tmp_path: Path) -> None:
    """An LLM server that takes the question and never replies: Ctrl-C (SIGINT) stops that answer, not the chat,
    which reads on; Ctrl-C during a one-shot `ask` ends it with 130 and one line, not a traceback."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(120)
        env = cli_env(ASSISTANT_LLM_BASE_URL=f"http://127.0.0.1:{server.getsockname()[1]}/v1")

        def start(*args: str) -> subprocess.Popen:
            command = [sys.executable, "-m", "assistant", *args, "--index", str(seed_index_dir), "--backend", "openai"]
            pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "stdin": subprocess.PIPE}
            return subprocess.Popen(command, cwd=tmp_path, env=env, text=True, **pipes)

        chat = start("chat")
        chat.stdin.write("Where did Rubio and Lavrov meet?\n")
        chat.stdin.flush()
        held, _ = server.accept()  # the question reached the "LLM", which says nothing
        with held:
            chat.send_signal(signal.SIGINT)
            chat.stdin.write("Who is Lavrov?\n")  # the chat reads on: the next question reaches the LLM too
            chat.stdin.flush()
            again, _ = server.accept()
            with again:
                chat.send_signal(signal.SIGINT)
                _, err = chat.communicate("", timeout=120)  # then it ends with its input
        assert chat.returncode == 0, err
        assert err.count("(stopped; the question was not added to the conversation)") == 2, err
        assert "(stopped; the question was not added to the conversation)" in err and "Traceback" not in err

        ask = start("ask", "Who is Lavrov?")
        held, _ = server.accept()
        with held:
            ask.send_signal(signal.SIGINT)
            _, err = ask.communicate(timeout=120)
        assert ask.returncode == 130 and err.strip().splitlines()[-1] == "interrupted", err
        assert "Traceback" not in err


# --- eval ------------------------------------------------------------------------------------------------
def test_eval_name_names_the_run_and_its_default_folder(seed_index_dir: Path, tmp_path: Path) -> None:
    testset = tmp_path / "set.jsonl"
    testset.write_text(
        json.dumps({"id": "q1", "question": "In which country did Rubio and Lavrov meet?", "answers": ["Malaysia"]})
        + "\n",
        encoding="utf-8",
    )
    out = cli("eval", str(testset), "--index", str(seed_index_dir), "--name", "nightly", "--quiet", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    runs = list((tmp_path / "runs").iterdir())
    assert len(runs) == 1 and runs[0].name.endswith("-nightly")
    summary = json.loads((runs[0] / "summary.json").read_text())
    assert summary["name"] == "nightly" and summary["judge"] is False and summary["metrics"]["pass_rate"] == 1.0
    assert out.stdout.splitlines()[0] == "1 questions (1 answerable, 0 unanswerable, 0 errors, 0 failed)"
    assert out.stdout.splitlines()[-1] == f"report: {Path('runs') / runs[0].name / 'report.html'}"


def test_eval_as_the_readme_shows_then_compare(seed_index_dir: Path, tmp_path: Path) -> None:
    """`assistant eval evals/seed.jsonl --fail-under containment=0.85`, a SQuAD slice with its own corpus,
    and `assistant eval compare A B`: each in its own process, as in the README."""
    seed_set = ROOT / "evals" / "seed.jsonl"
    index = ["--index", str(seed_index_dir)]
    first = cli(
        "eval", str(seed_set), *index, "--out", "A", "--quiet", "--fail-under", "containment=0.85", cwd=tmp_path
    )
    assert first.returncode == 0, first.stderr
    questions = sum(1 for line in seed_set.read_text().splitlines() if line.strip())
    assert first.stdout.startswith(f"{questions} questions (")
    assert first.stdout.splitlines()[-1] == f"report: {Path('A') / 'report.html'}"
    run_files = {"results.jsonl", "summary.json", "summary.md", "report.html", "ragas.jsonl"}
    assert run_files <= {p.name for p in (tmp_path / "A").iterdir()}
    # a bound it cannot meet: exit 1, and the bound named on stderr
    strict = cli(
        "eval", str(seed_set), *index, "--out", "B", "--quiet", "--fail-under", "containment=1.01", cwd=tmp_path
    )
    assert strict.returncode == 1 and "FAILED bound: containment = " in strict.stderr

    compare = cli("eval", "compare", "A", "B", cwd=tmp_path)
    assert compare.returncode == 0, compare.stderr
    measured = next(line.split()[1] for line in first.stdout.splitlines() if line.split()[0] == "containment")
    lines = compare.stdout.splitlines()
    assert lines[:2] == ["A: A", "B: B"] and lines[-1] == "questions whose verdict changed: 0"
    containment = next(line for line in lines if line.startswith("containment"))
    assert containment.split() == ["containment", measured, measured, "+0.000"]  # same index, same answers
    missing = cli("eval", "compare", "A", "no-such-run", cwd=tmp_path)
    assert missing.returncode == 2 and missing.stderr.startswith("error: ") and "no-such-run" in missing.stderr

    # a SQuAD file brings its own articles (a small one: the shipped slice's 48 articles take a minute to embed)
    squad = tmp_path / "mini-squad.json"
    squad.write_text(json.dumps(SQUAD_MINI), encoding="utf-8")
    own = cli("eval", str(squad), "--corpus-from-testset", "--limit", "3", "--out", "S", "--json", cwd=tmp_path)
    assert own.returncode == 0, own.stderr
    result = json.loads(own.stdout)
    assert result["metrics"]["questions"] == 3 and result["failed_bounds"] == [] and result["out"] == "S"
    assert result["metrics"]["hit@5"] == 1.0  # the questions' own articles were indexed and found
    assert not (tmp_path / "vectorstore").exists()  # the SQuAD articles went to a temporary index
