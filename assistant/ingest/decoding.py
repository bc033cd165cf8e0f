"""Reading a file's bytes safely (size cap, no pipes or devices) and decoding text (UTF-8, a BOM's
encoding, or a common 8-bit one), refusing binary and blank files with a reason."""

from __future__ import annotations

import codecs
import stat
import unicodedata
from pathlib import Path

import charset_normalizer

DEFAULT_MAX_BYTES = 20 * 2**20

# Tried only when a file is not UTF-8; these decode most text that editors on Windows/older systems save.
_FALLBACK_ENCODINGS = ["cp1252", "latin_1", "iso8859_15"]
# UTF-32 comes first: its little-endian BOM starts with UTF-16's.
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
_MAX_NON_TEXT = 0.05  # share of control/unassigned characters above which a "text" file is really binary


class ParseError(Exception):
    """A file (or one record of it) cannot be turned into articles; `reason` says why and what to do."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def read_text(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The decoded text of `path` with '\\n' newlines; ParseError if unreadable, empty, binary or too big."""
    return decode_text(read_bytes(path, max_bytes), str(path))


def decode_text(data: bytes, where: str) -> str:
    """`data` decoded (UTF-8, a BOM's encoding, or a common 8-bit one) with '\\n' newlines; ParseError naming
    `where` if it is binary or blank."""
    text = _decode(where, data)
    if _looks_binary(text):
        raise ParseError(where, "looks like a binary file (mostly non-text characters), not a text article")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ParseError(where, "file is empty (only whitespace)")
    return text


def read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        info = path.stat()
        if stat.S_ISFIFO(info.st_mode) or stat.S_ISCHR(info.st_mode) or stat.S_ISSOCK(info.st_mode):
            # reading a pipe or a device named "x.txt" would block or never end
            raise ParseError(str(path), "cannot read file: it is a pipe, device or socket, not a regular file")
        size = info.st_size
        if size > max_bytes:
            raise ParseError(str(path), _too_big(size, max_bytes))
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)  # never more than the limit, even if the file grew meanwhile
    except OSError as exc:
        raise ParseError(str(path), f"cannot read file: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise ParseError(str(path), _too_big(len(data), max_bytes))
    if not data:
        raise ParseError(str(path), "file is empty")
    return data


def _too_big(size: int, limit: int) -> str:
    return f"file is too large ({_human(size)}; the limit is {_human(limit)}): raise the max_file_mb setting to read it"


def _human(size: float) -> str:
    if size < 1024:
        return f"{int(size)} bytes"
    return f"{size / 1024:.1f} KB" if size < 2**20 else f"{size / 2**20:.1f} MB"


def _decode(path: str, data: bytes) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                raise ParseError(str(path), f"has a {codec.upper()} byte-order mark but is not valid {codec}") from None
    if b"\x00" in data:  # UTF-8 and the 8-bit encodings never contain NUL; binary formats do
        raise ParseError(str(path), "looks like a binary file (contains NUL bytes), not a text article")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data, cp_isolation=_FALLBACK_ENCODINGS).best()
    if best is None:
        raise ParseError(
            str(path),
            "not UTF-8, and no common encoding (cp1252, latin-1, UTF-16 with BOM) "
            "decodes it to readable text: save the file as UTF-8",
        )
    return str(best)


def _looks_binary(text: str) -> bool:
    sample = text[:65536]
    odd = sum(1 for ch in sample if ch not in "\n\r\t\f\v" and unicodedata.category(ch) in ("Cc", "Co", "Cn"))
    return odd > _MAX_NON_TEXT * len(sample)
