"""`make run` as a user runs it: `python app.py` and `assistant serve` in a real process.

`python app.py` indexes the corpus folder, then serves; `assistant serve` only reads an index (`--ingest`
indexes the corpus first); the tests ask the running
page through its `/ask` API, and read the kernel's socket table to see which address it listens on.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from gradio_client import Client

from .conftest import DATA, ROOT, SEED, ctrl_c_works, unused_port

pytestmark = pytest.mark.slow
SEED_ID = "us-russia-dialogue-ukraine-peace-talks"


def listening_addresses(port: int) -> set[str]:
    """The IPv4 addresses with a socket listening on `port`, from the kernel's table (/proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
            found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


class Served:
    def __init__(self, proc: subprocess.Popen, log: Path, port: int) -> None:
        self.proc, self.log, self.port = proc, log, port
        self.url = f"http://127.0.0.1:{port}/"

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def cli_env() -> dict[str, str]:
    """The environment of a user's shell: offline, this worktree's code, no ASSISTANT_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
    env.update(GRADIO_ANALYTICS_ENABLED="False", ANONYMIZED_TELEMETRY="False")
    return env


@contextmanager
def serving(args: list[str], root: Path, port: int, **env: str) -> Iterator[Served]:
    """Run `args` (a command that serves) until its page is up; stop it with Ctrl-C at the end."""
    full_env = {**cli_env(), "ASSISTANT_UPLOAD_DIR": str(root / "uploads"), **env}
    log = root / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            args, cwd=root, env=full_env, stdout=out, stderr=subprocess.STDOUT, preexec_fn=ctrl_c_works
        )
    served = Served(proc, log, port)
    try:
        deadline = time.monotonic() + 300  # a bound against hanging, not a measured result
        while "Running on local URL" not in served.output():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the server did not start (exit {proc.poll()}):\n{served.output()[-3000:]}")
            time.sleep(0.2)
        yield served
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def assistant_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "assistant", *args]


def corpus_with_seed(root: Path) -> Path:
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus)
    return corpus


def ask(url: str, question: str) -> tuple[str, list[dict]]:
    text, citations = Client(url, verbose=False, download_files=False).predict(question=question, api_name="/ask")
    return text, citations


def test_python_app_py_indexes_the_corpus_then_serves_on_this_machine_only(tmp_path: Path) -> None:
    corpus = corpus_with_seed(tmp_path)
    port = unused_port()
    index = tmp_path / "index"
    env = {"ASSISTANT_CORPUS_DIR": str(corpus), "ASSISTANT_INDEX_DIR": str(index), "ASSISTANT_PORT": str(port)}
    with serving([sys.executable, str(ROOT / "app.py")], tmp_path, port, **env) as served:
        assert listening_addresses(port) == {"127.0.0.1"}  # the kernel's view, not the printed URL
        text, citations = ask(served.url, "Where did Rubio and Lavrov meet?")
        assert "Malaysia" in text and citations[0]["article_id"] == SEED_ID
        # no public link unless --share: Gradio says how to get one instead of opening it
        assert "gradio.live" not in served.output() and "To create a public link, set `share=True`" in served.output()
        # the article files the source cards link to are served; the index beside them is not
        article = httpx.get(served.url + "gradio_api/file=" + str((corpus / SEED.name).resolve()))
        assert article.status_code == 200 and "Lavrov" in article.text
        manifest = httpx.get(served.url + "gradio_api/file=" + str((index / "manifest.sqlite3").resolve()))
        assert manifest.status_code in (403, 404)
    assert (index / "manifest.sqlite3").is_file()
    # the next start indexes what was added to the corpus meanwhile
    shutil.copy(DATA / "alpine-seed-vault.md", corpus)
    with serving([sys.executable, str(ROOT / "app.py")], tmp_path, port, **env) as served:
        text, citations = ask(served.url, "What is stored in the vault?")
        assert citations and citations[0]["article_id"] == "alpine-seed-vault"


def test_assistant_serve_host_port_and_no_ingest(tmp_path: Path) -> None:
    corpus = corpus_with_seed(tmp_path)
    port = unused_port()
    index = tmp_path / "index"
    empty = tmp_path / "empty"
    empty.mkdir()
    made = subprocess.run(  # `serve` only reads an index: an empty one is made first
        assistant_cmd("ingest", str(empty), "--index", str(index)),
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert made.returncode == 0, made.stderr
    args = assistant_cmd("serve", "--host", "127.0.0.2", "--port", str(port), "--index", str(index), "--no-ingest")
    with serving(args, tmp_path, port, ASSISTANT_CORPUS_DIR=str(corpus)) as served:
        assert listening_addresses(port) == {"127.0.0.2"}
        text, citations = ask(f"http://127.0.0.2:{port}/", "Where did Rubio and Lavrov meet?")
        assert citations == [] and "No articles" in text  # --no-ingest: the corpus was not indexed
        listed = subprocess.run(
            assistant_cmd("articles", "--index", str(index), "--json"),
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert listed.returncode == 0 and listed.stdout.strip() == "[]", listed.stderr
        assert served.proc.poll() is None


def test_assistant_serve_ingest_without_a_corpus_folder_warns_and_serves_the_index(
    seed_index_dir: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    shutil.copytree(seed_index_dir, index)
    port = unused_port()
    missing = tmp_path / "no-such-corpus"
    args = assistant_cmd("serve", "--ingest", "--port", str(port), "--index", str(index))
    with serving(args, tmp_path, port, ASSISTANT_CORPUS_DIR=str(missing)) as served:
        assert re.search(
            rf"corpus folder {re.escape(str(missing))} does not exist; serving the index as it is", served.output()
        )
        assert listening_addresses(port) == {"127.0.0.1"}
        text, citations = ask(served.url, "Where did Rubio and Lavrov meet?")
        assert "Malaysia" in text and citations[0]["article_id"] == SEED_ID
    assert not missing.exists()


def test_a_login_from_the_environment_guards_the_served_page(seed_index_dir: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(seed_index_dir, index)
    port = unused_port()
    login = {"ASSISTANT_UI_USERNAME": "ann", "ASSISTANT_UI_PASSWORD": "s3cret", "ASSISTANT_INDEX_DIR": str(index)}
    args = [sys.executable, str(ROOT / "app.py")]
    with serving(args, tmp_path, port, ASSISTANT_PORT=str(port), **login) as served:
        assert httpx.get(served.url + "config").status_code == 401
        client = Client(served.url, verbose=False, auth=("ann", "s3cret"))
        text, citations = client.predict(question="Where did Rubio and Lavrov meet?", api_name="/ask")
        assert "Malaysia" in text and citations
        assert "s3cret" not in served.output()
    # only one of the two set: the start is refused with what to set, and nothing listens
    half = subprocess.run(
        args,
        cwd=tmp_path,
        env={
            **cli_env(),
            "ASSISTANT_UI_USERNAME": "ann",
            "ASSISTANT_INDEX_DIR": str(index),
            "ASSISTANT_PORT": str(port),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert half.returncode == 2  # a configuration error, like every refused setting
    assert half.stderr.strip().splitlines()[-1].startswith("error: ASSISTANT_UI_PASSWORD is not set: set both")
    assert listening_addresses(port) == set()
