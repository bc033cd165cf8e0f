"""Uploaded files: checked (type, size), stored under a safe name in the upload folder, ingested.

Every file gets its own result (added / updated / unchanged / duplicate / refused / failed, with the reason),
so one bad file never hides what happened to the others.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..api import Assistant
from ..ingest.articles import SUPPORTED_SUFFIXES
from ..models import IngestReport

MAX_NAME = 120  # characters; long enough for real titles, short enough for every file system
MAX_BYTES = 240  # and UTF-8 bytes, under the 255 that file systems allow
Progress = Callable[[int, int, str], None]


@dataclass
class FileResult:
    """What happened to one uploaded file."""

    name: str  # as the user named it
    status: str  # added, updated, unchanged, duplicate, refused or failed
    detail: str = ""
    articles: list[str] = field(default_factory=list)  # titles of the articles it holds
    stored: str = ""  # where it was saved, when it was


def safe_name(name: str) -> str:
    """A file name that stays inside the folder it is joined to.

    Only the last component of any path survives (both separators), characters outside a small
    set become "_", and leading dots go (no "..", no hidden files). The suffix is kept.
    """
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", name))[-1]
    base = re.sub(r"[^\w.\- ]+", "_", base).strip(" .")  # \w: letters of any script
    base = re.sub(r"_+", "_", base)
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = _fit(suffix, 32)  # no supported type has a longer one
    # File systems limit names to 255 bytes, not characters: 120 CJK characters are 360 bytes.
    stem = _fit(stem.strip(" ._")[: MAX_NAME - len(suffix) - 1], MAX_BYTES - len(suffix.encode()) - 1) or "upload"
    return f"{stem}.{suffix}" if suffix else stem


def _fit(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-8 bytes, never inside a character."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def check(path: Path, name: str, max_bytes: int) -> str:
    """Why the file cannot be taken ("" when it can): unsupported type, empty, too big."""
    suffix = Path(safe_name(name)).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = f"'{suffix}'" if suffix else "(no suffix)"
        return f"unsupported file type {shown}; upload one of {', '.join(sorted(SUPPORTED_SUFFIXES))}"
    size = path.stat().st_size
    if size > max_bytes:
        return f"file is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:g} MB upload limit"
    if size == 0:
        return "file is empty"
    return ""


def store(path: Path, name: str, upload_dir: Path) -> Path:
    """Copy the upload to `upload_dir` under `safe_name(name)`, replacing an earlier one atomically."""
    folder = upload_dir.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / safe_name(name)
    if target.parent != folder:  # cannot happen with safe_name; a second lock on the door
        raise ValueError(f"refusing to write {name!r} outside {folder}")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    os.close(fd)
    try:
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)  # replaces a symlink itself, never the file it points to
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


def ingest_uploads(
    assistant: Assistant, files: Sequence[tuple[Path, str]], progress: Progress | None = None
) -> list[FileResult]:
    """Check, store and ingest `(path, original name)` pairs; one result per file, in order."""
    settings = assistant.settings
    max_bytes = int(settings.max_upload_mb * 2**20)
    results: list[FileResult] = []
    for path, name in files:
        reason = check(Path(path), name, max_bytes)
        results.append(
            FileResult(name, "refused", reason)
            if reason
            else FileResult(name, "pending", stored=str(store(Path(path), name, Path(settings.upload_dir))))
        )
    stored = [r.stored for r in results if r.status == "pending"]
    if stored:
        report = assistant.ingest(stored, progress=progress or False)
        _fill(results, report, assistant)
    return results


def ingest_addresses(assistant: Assistant, urls: Sequence[str], progress: Progress | None = None) -> list[FileResult]:
    """Fetch and ingest web addresses (the "Add from address" box); one result per address, in order."""
    wanted = list(dict.fromkeys(u.strip() for u in urls if u.strip()))
    results = [FileResult(u, "pending", stored=u) for u in wanted]
    if results:
        _fill(results, assistant.ingest(wanted, progress=progress or False), assistant)
    return results


def follow_feed(assistant: Assistant, url: str, progress: Progress | None = None) -> list[FileResult]:
    """Follow a feed and ingest its new entries (the "Follow a feed" box): a summary row, then one per failure."""
    report = assistant.ingest_feeds([url.strip()], progress=progress or False)
    if any(f.path == url.strip() for f in report.failed):  # the feed itself could not be read
        return [FileResult(url, "failed", "; ".join(f.error for f in report.failed if f.path == url.strip()))]
    new = len(report.added) + len(report.updated)
    status = "added" if new else "unchanged"
    detail = f"{new} new or changed entries, {len(report.unchanged)} already read"
    return [FileResult(url, status, detail)] + [FileResult(f.path, "failed", f.error) for f in report.failed]


def _fill(results: list[FileResult], report: IngestReport, assistant: Assistant) -> None:
    """Match the ingest report (article ids, failures by path) back to the uploaded files."""
    by_source: dict[str, list[tuple[str, str]]] = {}
    for info in assistant.articles():
        by_source.setdefault(info.source, []).append((info.id, info.title))
    status_of = {
        i: s
        for s, ids in (("added", report.added), ("updated", report.updated), ("unchanged", report.unchanged))
        for i in ids
    }
    for r in results:
        if r.status != "pending":
            continue
        errors = [f.error for f in report.failed if f.path == r.stored or f.path.startswith(r.stored + ":")]
        twins = [d for d in report.duplicates if d.source == r.stored or d.source.startswith(r.stored + "#")]
        mine = [(i, t) for i, t in by_source.get(r.stored, []) if i in status_of]
        if twins and not mine and not errors:
            r.status = "duplicate"
            r.detail = "already in the index as " + ", ".join(sorted({d.duplicate_of for d in twins}))
            continue
        r.articles = [t for _, t in mine]
        statuses = sorted({status_of[i] for i, _ in mine}, key=["added", "updated", "unchanged"].index)
        r.status = statuses[0] if statuses else "failed"
        r.detail = "; ".join(errors) if errors else ("" if mine else "no article found in the file")
