"""Errors a user can act on: each says what went wrong and what to do about it."""

from __future__ import annotations


class AssistantError(Exception):
    """Base class for every error the assistant raises on purpose; `exit_code` is what the CLI exits with."""

    exit_code = 2


class StoreError(AssistantError):
    """The index folder is unusable (corrupt, foreign, locked by a newer version)."""


# One class, and one exit code, per way the index folder can fail, so a script (or a container's
# restart policy) can tell "nothing ingested yet" from "wrong permissions" from "someone else's folder".
# The codes are listed in the README; 2 stays the code of every other error.
class IndexMissing(StoreError):
    """No index at the path: a command that only reads (ask, chat, articles, serve) never creates one."""

    exit_code = 2


class IndexPathError(StoreError):
    """The index path cannot be a folder: it is a file, a parent is a file, or the place allows no folders."""

    exit_code = 3


class IndexPermissionError(StoreError):
    """This user may not read the index folder, or may not create it."""

    exit_code = 4


class IndexReadOnly(StoreError):
    """The index folder cannot be written (read-only filesystem, no write permission) and this needs to."""

    exit_code = 5


class ForeignIndex(StoreError):
    """The folder or its manifest belongs to another program."""

    exit_code = 6


class CorruptIndex(StoreError):
    """The manifest or the embedded vector store cannot be read."""

    exit_code = 7


class LLMError(AssistantError):
    """An LLM backend failed: unreachable, timed out, refused the key, rate-limited, or returned nothing."""


def missing_extra(package: str, purpose: str, extra: str = "") -> AssistantError:
    """The error for an optional dependency that is not installed, naming the command to run."""
    command = f"pip install '.[{extra}]'" if extra else f"pip install {package}"
    return AssistantError(f"{purpose} needs the package {package!r}, which is not installed. Run: {command}")


class IngestInterrupted(KeyboardInterrupt):
    """Ctrl-C during an ingest. The articles finished before it are saved (each is written whole or not at all),
    so the same ingest again resumes: it skips them."""

    def __init__(self) -> None:
        super().__init__("finished articles are saved; run the same command again to resume")
