"""Fetching a web address safely with httpx: only http(s), no private or loopback hosts (unless allowed),
a few redirects each checked again, a timeout, a size cap and a content-type check.

Why each check: the assistant may run as a shared web app, so an address typed by a user must not reach
the machine's own services or the local network ("server-side request forgery"); a huge or endless
response must not fill memory; a redirect loop must end.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from collections.abc import Collection
from dataclasses import dataclass
from email.message import Message
from typing import Any
from urllib.parse import urljoin, urlsplit

from ..settings import Settings

USER_AGENT = "article-assistant/0.1 (+https://pypi.org/project/article-assistant/)"


class FetchError(Exception):
    """An address that was not fetched; `reason` says why and what to do."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FetchOptions:
    """The limits of one fetch (from the settings: `FetchOptions.from_settings`)."""

    allow_private: bool = False
    timeout: float = 15.0
    max_bytes: int = 10 * 2**20
    max_redirects: int = 5

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchOptions:
        return cls(
            allow_private=settings.allow_private_urls,
            timeout=settings.fetch_timeout,
            max_bytes=int(settings.max_page_mb * 2**20),
        )


@dataclass(frozen=True)
class Fetched:
    """A fetched response body: the address it finally came from, its media type (lowercase, no parameters)."""

    url: str
    media_type: str
    data: bytes
    charset: str = ""  # the content type's charset parameter, when the server named one

    def text_bytes(self) -> bytes:
        """The body as UTF-8 when it is text in another named encoding (header or <meta charset>), else as is.

        Only UTF-8 and a few Western encodings are guessed from the bytes alone; a page in, say,
        windows-1251 is read right only because it says so.
        """
        charset = self.charset or _meta_charset(self.data[:4096])
        if not charset or charset.replace("-", "").lower() == "utf8":
            return self.data
        try:
            return self.data.decode(charset).encode("utf-8")
        except (LookupError, UnicodeDecodeError):  # an unknown or wrong name: let the bytes speak
            return self.data


def is_url(value: str) -> bool:
    """True for something given as an address ("https://...", "file:..."), not as a file path."""
    scheme = urlsplit(value).scheme if "://" in value or value.lower().startswith("file:") else ""
    return len(scheme) > 1  # "C:\\x" has a one-letter "scheme": a Windows path


def fetch(url: str, options: FetchOptions, accept: Collection[str] | None = None) -> Fetched:
    """GET `url` within `options`; `accept` limits the media types (None: any). FetchError says what failed."""
    import httpx  # imported here: only web sources need it

    seen = [url]
    # trust_env=False: a proxy from the environment would hide the address actually reached
    with httpx.Client(
        timeout=options.timeout, follow_redirects=False, trust_env=False, headers={"User-Agent": USER_AGENT}
    ) as client:
        for _ in range(options.max_redirects + 1):
            check_address(url, options.allow_private)
            try:
                with client.stream("GET", url) as response:
                    _check_peer(response, url, options.allow_private)
                    if response.is_redirect and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        if url in seen:
                            raise FetchError(f"redirect loop: {seen[-1]} redirects back to {url}")
                        seen.append(url)
                        continue
                    return _body(response, url, options, accept)
            except httpx.TimeoutException:
                raise FetchError(f"no answer within {options.timeout:g} s (timed out): try again later") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"cannot fetch: {type(exc).__name__}: {exc}") from None
    raise FetchError(f"too many redirects (over {options.max_redirects}), last to {url}")


def check_address(url: str, allow_private: bool) -> None:
    """FetchError unless `url` is http(s) to a host that resolves to public addresses (or private is allowed)."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        shown = f"{parts.scheme}:" if parts.scheme else "(none)"
        extra = "; ingest local files by their path instead" if parts.scheme.lower() == "file" else ""
        raise FetchError(f"only http and https addresses are fetched, not {shown}{extra}")
    host = parts.hostname
    if not host:
        raise FetchError("the address has no host name")
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise FetchError(f"cannot resolve the host {host!r}: {exc}") from None
    if not allow_private:
        for info in infos:
            _check_ip(str(info[4][0]), host)


def _check_ip(ip: str, host: str) -> None:
    address = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if not address.is_global or address.is_multicast:
        raise FetchError(
            f"{host} is a private, loopback or reserved address ({address}): refused; set allow_private_urls "
            "(ASSISTANT_ALLOW_PRIVATE_URLS=1) to fetch from your own machine or network"
        )


def _check_peer(response: Any, url: str, allow_private: bool) -> None:
    """Check the address actually connected to: DNS may answer differently the second time (rebinding)."""
    if allow_private:
        return
    stream = response.extensions.get("network_stream")
    peer = stream.get_extra_info("server_addr") if stream is not None else None
    if peer:
        _check_ip(str(peer[0]), urlsplit(url).hostname or "")


def _body(response: Any, url: str, options: FetchOptions, accept: Collection[str] | None) -> Fetched:
    if response.status_code >= 400:
        raise FetchError(f"the server answered HTTP {response.status_code} {response.reason_phrase}".rstrip())
    media_type = media_type_of(response.headers.get("content-type", ""))
    if accept is not None and media_type not in accept:
        raise FetchError(
            f"unsupported content type {media_type or '(none)'!r} (supported: {', '.join(sorted(accept))})"
        )
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > options.max_bytes:
        raise FetchError(_too_big(int(length), options.max_bytes))
    data = bytearray()
    # The timeout is per read: a server dripping a byte at a time would never trip it, so the whole
    # body gets four times as long.
    deadline = time.monotonic() + 4 * options.timeout
    for piece in response.iter_bytes():
        data += piece
        if time.monotonic() > deadline:
            raise FetchError(f"the page took over {4 * options.timeout:g} s to arrive (timed out): try again later")
        if len(data) > options.max_bytes:  # a server may send more than it announced, or announce nothing
            raise FetchError(_too_big(len(data), options.max_bytes, at_least=True))
    charset = _content_type(response.headers.get("content-type", "")).get_content_charset() or ""
    return Fetched(url=url, media_type=media_type, data=bytes(data), charset=charset)


def media_type_of(content_type: str) -> str:
    """ "text/html" of "text/HTML; charset=utf-8"."""
    return _content_type(content_type).get_content_type() if content_type.strip() else ""


def _content_type(value: str) -> Message:
    message = Message()
    message["content-type"] = value
    return message


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)


def _meta_charset(head: bytes) -> str:
    match = _META_CHARSET.search(head)
    return match[1].decode("ascii") if match else ""


def _too_big(size: int, limit: int, at_least: bool = False) -> str:
    if at_least:  # stopped while reading: the real size is unknown
        return f"the page is larger than the {limit / 2**20:g} MB limit: raise the max_page_mb setting to read it"
    return f"the page is too large ({size / 2**20:.1f} MB; the limit is {limit / 2**20:g} MB): raise the max_page_mb setting"
