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


PORT = "{port}"  # in a command's arguments or environment: the port `serving` gives the server
TAKEN = "another program uses that port"  # what `assistant serve` and `app.py` say when the port was taken


@contextmanager
def serving(args: list[str], root: Path, **env: str) -> Iterator[Served]:
    """Run `args` (a command that serves) until its page is up; stop it with Ctrl-C at the end.

    Gradio must be given its port (given 0 it looks for its own page on port 0), so `{port}` in `args`
    and `env` becomes a port found free; another program may take it before the server binds it, and
    then the server says so and exits: it is started again on another port. The page is this server's
    once it prints its URL, which Gradio does only after binding the port.
    """
    log = root / "serve.log"
    for _ in range(5):
        port = unused_port()
        filled = [a.replace(PORT, str(port)) for a in args]
        full_env = {**cli_env(), "ASSISTANT_UPLOAD_DIR": str(root / "uploads")}
        full_env.update({k: v.replace(PORT, str(port)) for k, v in env.items()})
        with log.open("wb") as out:
            proc = subprocess.Popen(
                filled, cwd=root, env=full_env, stdout=out, stderr=subprocess.STDOUT, preexec_fn=ctrl_c_works
            )
        served = Served(proc, log, port)
        if _started(served):
            break
    else:
        pytest.fail(f"five free ports in a row were taken before the server could bind them:\n{served.output()}")
    try:
        yield served
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _started(served: Served) -> bool:
    """True once the server prints its URL; False if it exited because its port was taken."""
    deadline = time.monotonic() + 300  # a bound against hanging, not a measured result
    while "Running on local URL" not in served.output():
        exited = served.proc.poll() is not None  # before reading the log: then the log is complete
        if exited and TAKEN in served.output():
            return False
        if exited or time.monotonic() > deadline:
            served.proc.kill()
            served.proc.wait()
            pytest.fail(f"the server did not start (exit {served.proc.poll()}):\n{served.output()[-3000:]}")
        time.sleep(0.2)
    return True


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
    index = tmp_path / "index"
    env = {"ASSISTANT_CORPUS_DIR": str(corpus), "ASSISTANT_INDEX_DIR": str(index), "ASSISTANT_PORT": PORT}
    with serving([sys.executable, str(ROOT / "app.py")], tmp_path, **env) as served:
        assert listening_addresses(served.port) == {"127.0.0.1"}  # the kernel's view, not the printed URL
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
    with serving([sys.executable, str(ROOT / "app.py")], tmp_path, **env) as served:
        text, citations = ask(served.url, "What is stored in the vault?")
        assert citations and citations[0]["article_id"] == "alpine-seed-vault"


def test_assistant_serve_host_port_and_no_ingest(tmp_path: Path) -> None:
    corpus = corpus_with_seed(tmp_path)
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
    args = assistant_cmd("serve", "--host", "127.0.0.2", "--port", PORT, "--index", str(index), "--no-ingest")
    with serving(args, tmp_path, ASSISTANT_CORPUS_DIR=str(corpus)) as served:
        assert listening_addresses(served.port) == {"127.0.0.2"}
        text, citations = ask(f"http://127.0.0.2:{served.port}/", "Where did Rubio and Lavrov meet?")
        assert citations == [] and "No articles" in text  # --no-ingest: the corpus was not indexed
        assert "To create a public link, set `share=True`" in served.output()  # no --share: no public link
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
    missing = tmp_path / "no-such-corpus"
    args = assistant_cmd("serve", "--ingest", "--port", PORT, "--index", str(index))
    with serving(args, tmp_path, ASSISTANT_CORPUS_DIR=str(missing)) as served:
        assert re.search(
            rf"corpus folder {re.escape(str(missing))} does not exist; serving the index as it is", served.output()
        )
        assert listening_addresses(served.port) == {"127.0.0.1"}
        text, citations = ask(served.url, "Where did Rubio and Lavrov meet?")
        assert "Malaysia" in text and citations[0]["article_id"] == SEED_ID
    assert not missing.exists()


def test_a_login_from_the_environment_guards_the_served_page(seed_index_dir: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(seed_index_dir, index)
    login = {"ASSISTANT_UI_USERNAME": "ann", "ASSISTANT_UI_PASSWORD": "s3cret", "ASSISTANT_INDEX_DIR": str(index)}
    args = [sys.executable, str(ROOT / "app.py")]
    with serving(args, tmp_path, ASSISTANT_PORT=PORT, **login) as served:
        assert httpx.get(served.url + "config").status_code == 401
        client = Client(served.url, verbose=False, auth=("ann", "s3cret"))
        text, citations = client.predict(question="Where did Rubio and Lavrov meet?", api_name="/ask")
        assert "Malaysia" in text and citations
        assert "s3cret" not in served.output()
    # only one of the two set: the start is refused with what to set, before the server starts
    half = subprocess.run(
        args,
        cwd=tmp_path,
        env={
            **cli_env(),
            "ASSISTANT_UI_USERNAME": "ann",
            "ASSISTANT_INDEX_DIR": str(index),
            "ASSISTANT_PORT": str(served.port),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert half.returncode == 2  # a configuration error, like every refused setting
    assert half.stderr.strip().splitlines()[-1].startswith("error: ASSISTANT_UI_PASSWORD is not set: set both")
    assert "Running on local URL" not in half.stdout


@pytest.mark.parametrize("command", ["app.py", "assistant serve"])
def test_share_is_passed_to_gradio_and_a_failed_link_leaves_the_page_served_here(
    seed_index_dir: Path, tmp_path: Path, closed_port: int, command: str
) -> None:
    """`--share` asks Gradio for a public link; when none can be made, the page is still served on 127.0.0.1.

    Opening a real gradio.live link needs the internet, which this machine does not have (only a package
    registry), and a test must never publish a page anyway: so the share server is a local port nothing
    listens on (GRADIO_SHARE_SERVER_ADDRESS), and the tunnel program Gradio downloads on first use would go
    into this test's folder (HF_HOME). What is tested is that the flag reaches Gradio, which tries and says
    it could not, and that the page then works on this machine only; not the public link itself.
    """
    index = tmp_path / "index"
    shutil.copytree(seed_index_dir, index)
    args = [sys.executable, str(ROOT / "app.py"), "--share"]
    if command == "assistant serve":
        args = assistant_cmd("serve", "--share", "--port", PORT)
    env = {"ASSISTANT_INDEX_DIR": str(index), "ASSISTANT_PORT": PORT, "HF_HOME": str(tmp_path / "hf")}
    with serving(args, tmp_path, GRADIO_SHARE_SERVER_ADDRESS=f"127.0.0.1:{closed_port}", **env) as served:
        deadline = time.monotonic() + 120  # Gradio tries the tunnel after the page is up; a bound, not a speed check
        while "Could not create share link" not in served.output():
            if time.monotonic() > deadline or served.proc.poll() is not None:
                pytest.fail(f"no word about the share link:\n{served.output()[-3000:]}")
            time.sleep(0.2)
        assert "Running on public URL" not in served.output() and "To create a public link" not in served.output()
        assert listening_addresses(served.port) == {"127.0.0.1"}
        text, citations = ask(served.url, "Where did Rubio and Lavrov meet?")
        assert "Malaysia" in text and citations[0]["article_id"] == SEED_ID


def test_a_port_in_use_is_refused_with_what_to_do(seed_index_dir: Path, tmp_path: Path) -> None:
    """Another program listening on the port: `assistant serve` says which port and how to pick another (exit 2)."""
    index = tmp_path / "index"
    shutil.copytree(seed_index_dir, index)
    with socket.socket() as holder:  # a port the kernel gave this test, held and listening: no race
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        refused = subprocess.run(
            assistant_cmd("serve", "--port", str(port), "--index", str(index)),
            cwd=tmp_path,
            env=cli_env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.strip().splitlines()[-1] == (
        f"error: cannot listen on 127.0.0.1:{port}: another program uses that port, or it is not allowed. "
        "Choose another with --port (or ASSISTANT_PORT)."
    )
    assert "Traceback" not in refused.stderr and "Running on local URL" not in refused.stdout
