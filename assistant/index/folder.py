"""The index folder on disk: whether it exists, may be read, may be written, and creating it.

Every way a path can fail gets its own error class (and exit code, see `errors.py`) with the path
and what to do, instead of the `NotADirectoryError`/`PermissionError` tracebacks of a bare
`mkdir`, or "corrupt" for what is a permission problem.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

from ..errors import ForeignIndex, IndexMissing, IndexPathError, IndexPermissionError, IndexReadOnly

MANIFEST = "manifest.sqlite3"


def user() -> str:
    """The user this process runs as, for messages about permissions."""
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError, AttributeError):
        return f"uid {os.geteuid()}" if hasattr(os, "geteuid") else "this user"


def describe_mode(path: Path) -> str:
    """`mode 0555, owner root` of `path`, for messages (empty when it cannot be read)."""
    try:
        st = path.stat()
    except OSError:
        return ""
    try:
        import pwd

        owner = pwd.getpwuid(st.st_uid).pw_name
    except (ImportError, KeyError):
        owner = str(st.st_uid)
    return f"mode {stat.S_IMODE(st.st_mode):04o}, owner {owner}"


def read_only_filesystem(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def why_read_only(folder: Path, files: tuple[str, ...] = (MANIFEST,)) -> str:
    """Why `folder` (an existing index folder, or its `chroma` folder with `files=("chroma.sqlite3",)`)
    cannot be written, or "" when it can."""
    if read_only_filesystem(folder):
        return f"{folder} is on a read-only filesystem"
    for path in (folder, *(folder / f for f in files)):
        if path.exists() and not os.access(path, os.W_OK):
            return f"user {user()} has no write permission on {path} ({describe_mode(path)})"
    return ""


def require_index(folder: Path) -> None:
    """Raise the fitting error unless `folder` holds an index this process may read."""
    try:
        st = folder.stat()
    except FileNotFoundError:
        raise IndexMissing(f"no index at {folder}: run `assistant ingest` first (or point --index at one)") from None
    except NotADirectoryError:
        raise IndexPathError(f"index path {folder} is not a folder: {_file_parent(folder)} is a file") from None
    except PermissionError:
        raise IndexPermissionError(
            f"permission denied: user {user()} cannot reach the index folder {folder} "
            f"({_blocking_parent(folder)} is not searchable)"
        ) from None
    if not stat.S_ISDIR(st.st_mode):
        raise IndexPathError(f"index path {folder} is a file, not a folder; use --index with a folder")
    if not os.access(folder, os.R_OK | os.X_OK):
        raise IndexPermissionError(
            f"permission denied: user {user()} may not read the index folder {folder} ({describe_mode(folder)}); "
            "give read permission (chmod a+rX) or run as a user who may read it"
        )
    manifest = folder / MANIFEST
    if not manifest.exists():
        if has_files(folder):
            raise not_an_index(folder)
        raise IndexMissing(f"no index at {folder} (the folder is empty): run `assistant ingest` first")
    if not os.access(manifest, os.R_OK):
        raise IndexPermissionError(
            f"permission denied: user {user()} may not read {manifest} ({describe_mode(manifest)}); "
            "give read permission (chmod -R a+rX on the index folder)"
        )


def prepare_for_writing(folder: Path) -> None:
    """Create `folder` if needed and check that this process may write an index there."""
    if folder.exists() or folder.is_symlink():
        require_readable_folder(folder)
        if not (folder / MANIFEST).exists() and has_files(folder):
            raise not_an_index(folder)
    else:
        create(folder)
    reason = why_read_only(folder)
    if reason:
        raise IndexReadOnly(
            f"cannot write to the index in {folder}: {reason}. `assistant ingest` (and uploads, removals) must "
            "run where the index folder is writable; readers (ask, chat, articles, serve) can use it as it is."
        )


def require_readable_folder(folder: Path) -> None:
    """Like `require_index`, for a folder that may not hold an index yet."""
    with contextlib.suppress(IndexMissing):  # an empty folder: a fine place for a new index
        require_index(folder)


def create(folder: Path) -> None:
    """`mkdir -p folder`, with an error that says which part of the path is wrong."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise IndexPathError(
            f"cannot create the index folder {folder}: {_file_parent(folder)} is a file, not a folder"
        ) from None
    except PermissionError:
        parent = _existing_parent(folder)
        raise IndexPermissionError(
            f"cannot create the index folder {folder}: permission denied for user {user()} in {parent} "
            f"({describe_mode(parent)}); create it with the right owner, or use another --index"
        ) from None
    except OSError as exc:
        if exc.errno == errno.EROFS:
            raise IndexReadOnly(
                f"cannot create the index folder {folder}: {_existing_parent(folder)} is on a read-only filesystem"
            ) from None
        raise IndexPathError(
            f"cannot create the index folder {folder}: {exc.strerror or exc} "
            f"(in {_existing_parent(folder)}); use --index with a folder on a normal disk"
        ) from None


def not_an_index(folder: Path) -> ForeignIndex:
    return ForeignIndex(
        f"{folder} is not an index folder: it holds other files and no {MANIFEST} (or its "
        "manifest was deleted). Point --index at an empty or new folder, or move the files away."
    )


def has_files(folder: Path) -> bool:
    """True when `folder` holds anything but hidden files (".gitkeep"): not a place to create an index in."""
    return folder.is_dir() and any(not p.name.startswith(".") for p in folder.iterdir())


def _existing_parent(path: Path) -> Path:
    """The nearest ancestor of `path` that exists (what a failed mkdir ran into)."""
    for parent in path.absolute().parents:
        if parent.exists():
            return parent
    return Path("/")


def _file_parent(path: Path) -> Path:
    """The first part of `path` that exists and is not a folder."""
    for part in reversed([path.absolute(), *path.absolute().parents]):
        if part.exists() and not part.is_dir():
            return part
    return path


def _blocking_parent(path: Path) -> Path:
    """The first ancestor of `path` that this user may not search into."""
    for part in reversed(path.absolute().parents):
        if not os.access(part, os.X_OK):
            return part
    return path.parent
