"""Index-path failures, each with its message and exit code, and read-only use of an index.

Commands that only read (ask, chat, articles, serve, `Assistant.ask`) never create or change an
index. Permissions are tested for real: a child process runs as `nobody` (`setpriv`) on folders it
may not write, and a read-only filesystem is a bind mount remounted read-only inside `unshare -m`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.cli.main import main
from assistant.errors import IndexMissing, IndexPathError
from assistant.index.embeddings import resolve_model_path
from assistant.index.onnx_backend import exported_folder

from .conftest import ROOT, SEED

QUESTION = "Where did Rubio and Lavrov meet?"
NO_INDEX = "run `assistant ingest` first"
CHROMA_SERVER_HINT = "needs the Chroma server"
ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0
SETPRIV = shutil.which("setpriv")


def listing(folder: Path) -> dict[str, str]:
    """Every file under `folder` with a hash of its bytes: what "nothing was changed" compares."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --- paths that cannot be an index (no special user needed) ----------------------------------------------
@pytest.mark.parametrize("command", [["articles"], ["ask", QUESTION], ["chat"], ["remove", "x"], ["ingest", str(SEED)]])
def test_a_file_in_the_path(tmp_path: Path, capsys: pytest.CaptureFixture, command: list[str]) -> None:
    (tmp_path / "f").write_text("x")
    for path, says in (
        (tmp_path / "f", "is a file, not a folder"),
        (tmp_path / "f" / "sub", f"{tmp_path / 'f'} is a file"),
    ):
        assert main([*command, "--index", str(path)]) == 3
        err = capsys.readouterr().err
        assert err.startswith("error: ") and says in err and "Traceback" not in err


def test_a_place_where_no_folder_can_be_made(capsys: pytest.CaptureFixture) -> None:
    assert main(["ingest", str(SEED), "--index", "/proc/no-such-index"]) == 3
    assert "cannot create the index folder /proc/no-such-index" in capsys.readouterr().err
    assert main(["articles", "--index", "/proc/no-such-index"]) == 2  # reading: there is simply no index there
    assert f"no index at /proc/no-such-index: {NO_INDEX}" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command", [["ask", QUESTION], ["chat"], ["articles"], ["remove", "x"], ["serve", "--port", "1"], ["eval", "x"]]
)
def test_reading_commands_never_create_an_index(
    tmp_path: Path, capsys: pytest.CaptureFixture, command: list[str]
) -> None:
    typo = tmp_path / "typo"
    if command[0] == "eval":
        command = ["eval", str(ROOT / "evals" / "seed.jsonl"), "--out", str(tmp_path / "run")]
    assert main([*command, "--index", str(typo)]) == 2
    assert f"error: no index at {typo}: {NO_INDEX}" in capsys.readouterr().err
    assert not typo.exists()
    typo.mkdir()  # an empty folder is no index either, and stays empty
    assert main([*command, "--index", str(typo)]) == 2
    assert "the folder is empty" in capsys.readouterr().err and not any(typo.iterdir())


def test_the_python_api_asks_without_creating(settings: Settings) -> None:
    a = Assistant.from_settings(settings)
    for call in (lambda: a.ask(QUESTION), a.articles, lambda: a.remove(["x"]), lambda: a.chat().ask(QUESTION)):
        with pytest.raises(IndexMissing, match=NO_INDEX):
            call()
    assert not Path(settings.index_dir).exists()
    a.ingest([SEED], progress=False)  # ingest creates it, in the same assistant
    assert "Malaysia" in a.ask(QUESTION).text


def test_a_file_as_index_in_the_api(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(IndexPathError):
        Assistant.from_settings(Settings.load(env={}, index_dir=tmp_path / "f" / "sub")).ingest([SEED])


def test_asking_changes_nothing_in_the_index(
    seed_index_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    idx = tmp_path / "idx"
    shutil.copytree(seed_index_dir, idx)
    (idx / ".writer.lock").unlink(missing_ok=True)
    before = ours(idx)
    assert main(["ask", QUESTION, "--index", str(idx)]) == 0 and "Malaysia" in capsys.readouterr().out
    assert main(["articles", "--index", str(idx)]) == 0
    assert ours(idx) == before and not (idx / ".writer.lock").exists()  # no lock file, no manifest write


def ours(folder: Path) -> dict[str, str]:
    """The files this assistant writes (not the embedded Chroma's, which its client touches on every open,
    nor SQLite's `-shm` reader marks)."""
    return {k: v for k, v in listing(folder).items() if not k.startswith("chroma/") and not k.endswith("-shm")}


# --- as a user without write permission -------------------------------------------------------------------
@pytest.fixture(scope="module")
def nobody(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder `nobody` can reach (pytest's temporary folders are private to root) holding a copy of the
    exported ONNX model that `nobody` can read (root's cache is under /root)."""
    if not ROOT_USER or not SETPRIV:
        pytest.skip("dropping privileges needs root and setpriv")
    from assistant.index.embeddings import get_embedder

    get_embedder(Settings.load(env={}))  # exported (or found in the cache) once
    source = exported_folder(resolve_model_path("all-MiniLM-L6-v2"))
    folder = Path(tempfile.mkdtemp(prefix="assistant-perm-", dir="/tmp"))
    shutil.copytree(source, folder / "cache" / "onnx" / source.name)
    (folder / "home").mkdir()
    (folder / "home").chmod(0o777)
    for p in [folder, *folder.rglob("*")]:
        p.chmod(p.stat().st_mode | stat.S_IROTH | (stat.S_IXOTH if p.is_dir() else 0))
    probe = run_as_nobody(folder, "-c", "import assistant")
    if probe.returncode != 0:
        pytest.skip(f"user nobody cannot import the package from {ROOT}: {probe.stderr[-300:]}")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def nobody_env(base: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(
        HOME=str(base / "home"),
        ARTICLE_ASSISTANT_CACHE=str(base / "cache"),
        PYTHONPATH=str(ROOT),
        HF_HUB_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        **extra,
    )
    return env


def run_as_nobody(base: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`python args...` as user nobody (no capabilities: file permissions apply), in `base`."""
    command = [str(SETPRIV), "--reuid=nobody", "--regid=nogroup", "--clear-groups", sys.executable, *args]
    return subprocess.run(command, cwd=base, env=nobody_env(base, **env), capture_output=True, text=True, timeout=300)


def assistant_as_nobody(base: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return run_as_nobody(base, "-m", "assistant", *args, **env)


def read_only_copy(source: Path, target: Path) -> Path:
    """`cp -r` then `chmod -R a-w` (readable by all)."""
    shutil.copytree(source, target)
    (target / ".writer.lock").unlink(missing_ok=True)
    for p in [target, *target.rglob("*")]:
        p.chmod((p.stat().st_mode | stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH) & ~0o222 | (0o555 if p.is_dir() else 0))
    return target


def test_permission_failures_as_a_user(nobody: Path, seed_index_dir: Path) -> None:
    ro = read_only_copy(seed_index_dir, nobody / "ro")
    locked = nobody / "locked"
    shutil.copytree(seed_index_dir, locked)
    locked.chmod(0o700)
    parent = nobody / "parent"
    parent.mkdir(mode=0o555)
    parent.chmod(0o555)
    before = listing(ro)

    listed = assistant_as_nobody(nobody, "articles", "--index", str(ro))
    assert listed.returncode == 0 and "us-russia-dialogue-ukraine-peace-talks" in listed.stdout, listed.stderr
    asked = assistant_as_nobody(nobody, "ask", QUESTION, "--index", str(ro))
    assert asked.returncode == 5 and CHROMA_SERVER_HINT in asked.stderr and "corrupt" not in asked.stderr
    assert "user nobody has no write permission" in asked.stderr and "Traceback" not in asked.stderr
    for command in (["ingest", str(SEED)], ["remove", "us-russia-dialogue-ukraine-peace-talks"]):
        refused = assistant_as_nobody(nobody, *command, "--index", str(ro))
        assert refused.returncode == 5, refused.stderr
        assert f"cannot write to the index in {ro}: user nobody has no write permission" in refused.stderr
    assert listing(ro) == before  # nothing written, not even a lock file

    unreadable = assistant_as_nobody(nobody, "articles", "--index", str(locked))
    assert unreadable.returncode == 4 and "permission denied: user nobody may not read" in unreadable.stderr
    assert "mode 0700, owner root" in unreadable.stderr
    uncreatable = assistant_as_nobody(nobody, "ingest", str(SEED), "--index", str(parent / "sub"))
    assert uncreatable.returncode == 4, uncreatable.stderr
    assert f"cannot create the index folder {parent / 'sub'}: permission denied for user nobody" in uncreatable.stderr


def test_a_folder_of_mode_555_answers_and_keeps_its_manifest(nobody: Path, seed_index_dir: Path) -> None:
    """The user's own index, its folder made read-only: SQLite cannot make its `-shm` file there,
    so the manifest is read `immutable`; the embedded Chroma folder inside is still writable."""
    mine = nobody / "mine"
    shutil.copytree(seed_index_dir, mine)
    for p in [mine, *mine.rglob("*")]:
        os.chown(p, 65534, 65534)
    mine.chmod(0o555)
    manifest = listing(mine)["manifest.sqlite3"]
    asked = assistant_as_nobody(nobody, "ask", QUESTION, "--index", str(mine))
    assert asked.returncode == 0 and "Malaysia" in asked.stdout, asked.stderr
    assert listing(mine)["manifest.sqlite3"] == manifest
    refused = assistant_as_nobody(nobody, "ingest", str(SEED), "--index", str(mine))
    assert refused.returncode == 5 and "no write permission on " + str(mine) in refused.stderr


# --- a read-only filesystem ---------------------------------------------------------------------------------
def in_read_only_mount(
    source: Path, mount: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """`python -m assistant args` in a mount namespace where `mount` is `source` bind-mounted read-only."""
    script = 'mount --bind "$1" "$2" && mount -o remount,ro,bind "$2" && shift 2 && exec "$@"'
    command = ["unshare", "-m", "sh", "-c", script, "sh", str(source), str(mount), sys.executable, "-m", "assistant"]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    full_env.update(PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False", **(env or {}))
    return subprocess.run([*command, *args], env=full_env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def mount_point(tmp_path: Path) -> Path:
    if not ROOT_USER or not shutil.which("unshare"):
        pytest.skip("a read-only bind mount needs root and unshare")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a mount namespace here: {probe.stderr!r}")
    (tmp_path / "mnt").mkdir()
    return tmp_path / "mnt"


def test_an_index_on_a_read_only_filesystem(seed_index_dir: Path, tmp_path: Path, mount_point: Path) -> None:
    idx = tmp_path / "idx"
    shutil.copytree(seed_index_dir, idx)
    before = listing(idx)
    listed = in_read_only_mount(idx, mount_point, "articles", "--index", str(mount_point))
    assert listed.returncode == 0 and "us-russia-dialogue-ukraine-peace-talks" in listed.stdout, listed.stderr
    asked = in_read_only_mount(idx, mount_point, "ask", QUESTION, "--index", str(mount_point))
    assert (
        asked.returncode == 5 and "is on a read-only filesystem" in asked.stderr and CHROMA_SERVER_HINT in asked.stderr
    )
    for where in (mount_point, mount_point / "sub"):
        refused = in_read_only_mount(idx, mount_point, "ingest", str(SEED), "--index", str(where))
        assert refused.returncode == 5 and "read-only filesystem" in refused.stderr, refused.stderr
    assert listing(idx) == before


# --- read-only folders answer when the vectors are on a Chroma server ---------------------------------------
@pytest.mark.slow
def test_read_only_index_folders_answer_with_a_chroma_server(tmp_path: Path, nobody: Path, mount_point: Path) -> None:
    from .test_chroma_server import CHROMA, Server

    if not CHROMA.exists():
        pytest.skip("the chroma CLI is not installed next to this Python")
    server = Server(tmp_path / "chroma-data", tmp_path / "chroma.log")  # on a port the kernel picks
    server.start()
    try:
        built = nobody / "built"
        writer = Assistant.from_settings(Settings.load(env={}, index_dir=built, chroma_url=server.url))
        writer.ingest([SEED], progress=False)
        ro = read_only_copy(built, nobody / "srv-ro")
        before = listing(ro)
        asked = assistant_as_nobody(nobody, "ask", QUESTION, "--index", str(ro), ASSISTANT_CHROMA_URL=server.url)
        assert asked.returncode == 0 and "Malaysia" in asked.stdout and "[1]" in asked.stdout, asked.stderr
        mounted = in_read_only_mount(
            built, mount_point, "ask", QUESTION, "--index", str(mount_point), env={"ASSISTANT_CHROMA_URL": server.url}
        )
        assert mounted.returncode == 0 and "Malaysia" in mounted.stdout, mounted.stderr
        assert listing(ro) == before
    finally:
        server.stop()


def test_a_reader_that_ingests_reopens_the_index_for_writing(seed_index_dir: Path, tmp_path: Path) -> None:
    """A served index is opened read-only; an upload through the page then reopens it for writing."""
    idx = tmp_path / "idx"
    shutil.copytree(seed_index_dir, idx)
    a = Assistant.from_settings(Settings.load(env={}, index_dir=idx))
    assert "Malaysia" in a.ask(QUESTION).text and a.index.readonly
    generation = a.health()["generation"]
    report = a.ingest([ROOT / "tests" / "data" / "harbour-solar-ferries.txt"], progress=False)
    assert report.added == ["harbour-solar-ferries"] and not a.index.readonly
    assert "2,400" in a.ask("How many passengers do Port Aldwen's harbour crossings carry a day?").text
    health = a.health()
    assert health["ok"] and health["generation"] == generation + 1 and health["articles"] == 2


READER = """
import sys
from pathlib import Path
from assistant.index.manifest import Manifest
m = Manifest(Path(sys.argv[1]), readonly=True)
for _ in sys.stdin:
    print(m.get_meta("probe"), flush=True)
"""


def test_a_reader_without_write_permission_follows_every_change_of_the_manifest(nobody: Path) -> None:
    """SQLite cannot make its `-shm` file where the reader may not write: it reads `immutable` while no
    writer is connected, through the writer's `-shm` while one is, and switches each time."""
    from assistant.index.manifest import Manifest

    folder = nobody / "watched"
    folder.mkdir()
    folder.chmod(0o755)  # root's: read-only for nobody
    path = folder / "manifest.sqlite3"
    first = Manifest(path)
    first.set_meta("probe", "0")
    first.close()
    assert not path.with_name("manifest.sqlite3-wal").exists()  # no writer connected
    reader = subprocess.Popen(
        [str(SETPRIV), "--reuid=nobody", "--regid=nogroup", "--clear-groups", sys.executable, "-c", READER, str(path)],
        cwd=nobody,
        env=nobody_env(nobody),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def seen() -> str:
        assert reader.stdin and reader.stdout
        reader.stdin.write("?\n")
        reader.stdin.flush()
        return reader.stdout.readline().strip()

    try:
        assert seen() == "0"
        writer = Manifest(path)  # a writer connects: its -wal and -shm appear
        writer.set_meta("probe", "1")
        assert seen() == "1"
        writer.set_meta("probe", "2")
        assert seen() == "2"
        writer.close()  # checkpointed into the file, -wal removed
        assert seen() == "2"
        again = Manifest(path)
        again.set_meta("probe", "3")
        again.close()
        assert seen() == "3"  # the file changed while no writer was connected
    finally:
        reader.kill()
        _, err = reader.communicate()
    assert "Traceback" not in err, err
    assert not any(p.stat().st_uid == 65534 for p in folder.iterdir())  # nobody wrote nothing there
