"""The one HTTP layer for every remote request kg makes (``kg query --endpoint``, ``kg push``).

urllib-based, with three rules on top of it:

- A redirect is followed only to the same scheme, host and port; one to anywhere else is a
  :class:`RemoteError` naming both URLs (exit 3), never a request to that other place.
- Every request has one overall deadline (``timeout``, seconds) covering connecting, sending,
  the status line, the headers and the whole body: a server that trickles a byte a second is
  cut off when the deadline passes (socket timeouts alone are per read).
- Every answer is read up to a maximum size (:data:`DEFAULT_MAX_BYTES`, or
  ``$KG_MAX_RESPONSE_BYTES``); a larger one is refused, not buffered.

Text that comes from a server (a status reason, an error body) is shortened before it goes in
a message, and a password in a URL (``http://user:pw@host``) is shown as ``***``.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from email.message import Message
from typing import IO, Any

from kg.errors import InputError, RemoteError

DEFAULT_MAX_BYTES = 256 * 2**20  # 256 MiB
MAX_BYTES_VARIABLE = "KG_MAX_RESPONSE_BYTES"
ERROR_BODY_BYTES = 4000  # read this much of an error answer, for its first words
DETAIL_CHARS = 200  # server text kept in a message
_CHUNK = 64 * 1024
_SIZE = re.compile(r"^\s*(\d+)\s*([kmg]i?b?|b)?\s*$", re.I)
_UNITS = {"": 1, "b": 1, "k": 2**10, "m": 2**20, "g": 2**30}


# --- URLs -----------------------------------------------------------------------------------


def redact(url: str) -> str:
    """``url`` with the password of its user part shown as ``***`` (``http://u:***@host``)."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return re.sub(r"//([^/@:]*):[^/@]*@", r"//\1:***@", url)
    if parts.password is None:
        return url
    user, _, host = parts.netloc.rpartition("@")
    name = user.split(":", 1)[0]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{name}:***@{host}"))


def without_credentials(url: str) -> tuple[str, str | None, str | None]:
    """``url`` without its ``user:password@`` part, and that user and password (or None)."""
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url, None, None
    host = parts.netloc.rpartition("@")[2]
    user = urllib.parse.unquote(parts.username or "")
    password = urllib.parse.unquote(parts.password) if parts.password is not None else None
    return urllib.parse.urlunsplit(parts._replace(netloc=host)), user, password


def check_http_url(url: str, where: str) -> str:
    """``url`` if it is an http:// or https:// URL with a host, else InputError (exit 2)."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise InputError(where, f"{redact(url)!r} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(where, f"{redact(url)!r} is not an http:// or https:// URL")
    return url


def origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port (the default port filled in): what a redirect may not change."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port


def max_response_bytes() -> int:
    """The largest answer kg reads: ``$KG_MAX_RESPONSE_BYTES`` (``500M``, ``2G``) or 256 MiB."""
    value = os.environ.get(MAX_BYTES_VARIABLE, "").strip()
    if not value:
        return DEFAULT_MAX_BYTES
    match = _SIZE.match(value)
    if not match or int(match.group(1)) < 1:
        raise InputError(
            MAX_BYTES_VARIABLE, f"{value!r} is not a size (bytes, or with K, M or G: 500M)"
        )
    unit = (match.group(2) or "")[:1].lower()
    return int(match.group(1)) * _UNITS[unit]


def describe_size(size: int) -> str:
    """``256 MiB``, ``1.5 KiB`` or ``12 bytes``."""
    for unit, factor in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= factor:
            return f"{size / factor:g} {unit}"
    return f"{size} bytes"


def server_text(body: bytes, limit: int = DETAIL_CHARS) -> str:
    """The first ``limit`` characters of a server's text, without HTML tags or runs of spaces."""
    text = body.decode("utf-8", "replace")
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S | re.I)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:limit] + ("..." if len(text) > limit else "")


# --- Errors ---------------------------------------------------------------------------------


class HTTPStatusError(RemoteError):
    """The server answered with an error status (4xx, 5xx, or a redirect kg cannot follow)."""

    def __init__(self, where: str, code: int, reason: str, detail: str) -> None:
        self.code = code
        self.reason = reason
        self.detail = detail
        status = f"HTTP {code} {reason}".strip()
        super().__init__(where, f"{status}: {detail}" if detail else status)


class TransportError(RemoteError):
    """No usable answer: refused, reset, timed out, too large, not HTTP at all.

    ``transient`` says whether trying again may help (a connection reset or drop).
    """

    def __init__(self, where: str, message: str, *, transient: bool = False) -> None:
        super().__init__(where, message)
        self.transient = transient


# --- The deadline ---------------------------------------------------------------------------


class Deadline:
    """One overall time limit for a request: when it passes, every socket it watches is shut.

    A blocked read then returns at once (end of file or an error), whatever the server does.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        """Seconds left; TimeoutError when none are."""
        left = self.end - time.monotonic()
        if left <= 0 or self.expired:
            raise TimeoutError("deadline passed")
        return left

    def connect(
        self, address: tuple[str, int], timeout: object = None, source_address: Any = None
    ) -> socket.socket:
        """``socket.create_connection`` within the deadline, the socket then watched.

        ``timeout`` None (a streamed body): once connected, the socket has no timeout of
        its own (a server may answer long after the last byte), the deadline alone watches.
        """
        sock = socket.create_connection(address, self.remaining(), source_address)
        if timeout is None:
            sock.settimeout(None)
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)
        return sock

    def extend(self, seconds: float) -> None:
        """Let the request run until ``seconds`` from now, if that is later than the deadline.

        For a streamed upload: each chunk the server takes moves the deadline on.
        """
        with self._lock:
            self.end = max(self.end, time.monotonic() + seconds)

    def _expire(self) -> None:
        with self._lock:
            left = self.end - time.monotonic()
            if left > 0:  # extended meanwhile: wait for the new end
                self._timer = threading.Timer(left, self._expire)
                self._timer.daemon = True
                self._timer.start()
                return
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def cancel(self) -> None:
        with self._lock:
            self._timer.cancel()


def _shut(sock: socket.socket) -> None:
    # socket.socket's own shutdown, also for an SSLSocket: the file descriptor is shut, so a
    # read blocked in another thread returns.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _WatchedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, deadline: Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = deadline.connect


class _WatchedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, deadline: Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = deadline.connect


class _WatchedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        def connection(host: str, **kwargs: Any) -> http.client.HTTPConnection:
            return _WatchedHTTPConnection(host, deadline=self.deadline, **kwargs)

        return self.do_open(connection, req)


class _WatchedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        def connection(host: str, **kwargs: Any) -> http.client.HTTPSConnection:
            return _WatchedHTTPSConnection(host, deadline=self.deadline, **kwargs)

        return self.do_open(connection, req, context=self._context)


# --- Redirects ------------------------------------------------------------------------------


class CrossHostRedirect(RemoteError):
    """The server sent kg elsewhere (another scheme, host or port): not followed."""


class _SameHostRedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only within one scheme, host and port."""

    def http_error_302(  # type: ignore[override]
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Message,
    ) -> Any:
        target = headers.get("Location") or headers.get("URI")
        if target:
            try:
                newurl = urllib.parse.urljoin(req.full_url, target)
                elsewhere = origin(newurl) != origin(req.full_url)
            except ValueError:
                newurl, elsewhere = target, True
            if elsewhere:
                fp.close()
                shown = redact(newurl)
                shown = shown[:DETAIL_CHARS] + ("..." if len(shown) > DETAIL_CHARS else "")
                raise CrossHostRedirect(
                    redact(req.full_url),
                    f"the server redirects to {shown} (HTTP {code}), another host: not "
                    "followed (give that URL yourself if you trust it)",
                )
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302  # type: ignore[assignment]


# --- Requests -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    """A successful answer: its status, media type (lower case, no parameters) and body."""

    status: int
    content_type: str
    body: bytes
    server: str = ""  # the Server header: which software answered


class Session:
    """Requests to the servers of one command, with the rules above and optional login.

    ``user``/``password`` log in with Basic or Digest auth wherever the server asks; a user
    and password written in a URL do the same for that server. ``handlers`` are extra urllib
    handlers (kept across requests, such as an auth handler that remembers a challenge).
    """

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        max_bytes: int | None = None,
        handlers: Sequence[urllib.request.BaseHandler] | None = None,
        passwords: urllib.request.HTTPPasswordMgr | None = None,
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_response_bytes() if max_bytes is None else max_bytes
        self.passwords = passwords or urllib.request.HTTPPasswordMgrWithPriorAuth()
        # No auth handlers until there is a password: without one, urllib's Basic handler
        # answers a Digest challenge with a ValueError instead of the 401.
        self.handlers = list(handlers or [])

    def _log_in(self, url: str, user: str, password: str | None) -> None:
        """Use ``user`` and ``password`` (from a URL) wherever ``url``'s server asks."""
        parts = urllib.parse.urlsplit(url)
        self.passwords.add_password(None, f"{parts.scheme}://{parts.netloc}/", user, password or "")
        if not self.handlers:
            self.handlers = [
                urllib.request.HTTPDigestAuthHandler(self.passwords),
                urllib.request.HTTPBasicAuthHandler(self.passwords),
            ]

    def request(
        self,
        method: str,
        url: str,
        body: bytes | Iterable[bytes] | None = None,
        headers: dict[str, str] | None = None,
        *,
        where: str | None = None,
        timeout: float | None = None,
        answer_timeout: float | None = None,
    ) -> Response:
        """Send one request; the answer on 2xx, else HTTPStatusError or TransportError.

        ``where`` names the request in messages (default: the URL, password hidden);
        ``timeout`` overrides the session's for this request. ``body`` may be an iterable
        of byte chunks: it is then sent with chunked transfer encoding as it is produced, and
        the deadline becomes one of progress: ``timeout`` seconds for each 64 KiB, then, after
        the last one, ``answer_timeout`` seconds or, if longer, ``timeout`` seconds plus as
        long as the sending took, for the server to finish and answer.
        """
        shown = where or redact(url)
        check_http_url(url, shown)
        clean, user, password = without_credentials(url)
        if user is not None:
            self._log_in(clean, user, password)
        seconds = self.timeout if timeout is None else timeout
        deadline = Deadline(seconds)
        streamed = body is not None and not isinstance(body, bytes | bytearray)
        if streamed:
            body = _paced(body, deadline, seconds, answer_timeout)  # type: ignore[arg-type]
        request = urllib.request.Request(
            clean, data=body, method=method, headers={"User-Agent": "ssp-kg", **(headers or {})}
        )
        opener = urllib.request.build_opener(
            _WatchedHTTPHandler(deadline),
            _WatchedHTTPSHandler(deadline),
            _SameHostRedirectHandler(),
            *self.handlers,
        )
        try:
            return self._exchange(opener, request, deadline, shown, seconds, streamed)
        finally:
            deadline.cancel()

    def _exchange(
        self,
        opener: urllib.request.OpenerDirector,
        request: urllib.request.Request,
        deadline: Deadline,
        shown: str,
        seconds: float,
        streamed: bool = False,
    ) -> Response:
        started = False
        # A streamed body: no socket timeout (a slow server may take a while over one
        # piece, and its answer may come long after the last); the deadline alone watches.
        socket_timeout = None if streamed else seconds
        try:
            with opener.open(request, timeout=socket_timeout) as response:
                started = True
                content_type = response.headers.get_content_type()
                data = self._read_body(response, self.max_bytes, shown)
                if deadline.expired:
                    raise TimeoutError
                return Response(
                    response.status, content_type, data, response.headers.get("Server", "")
                )
        except CrossHostRedirect as error:
            raise CrossHostRedirect(shown, error.message) from None
        except TransportError:
            raise
        except urllib.error.HTTPError as error:
            detail = ""
            if error.fp is not None:
                try:
                    detail = server_text(error.read(ERROR_BODY_BYTES))
                except (OSError, http.client.HTTPException):
                    detail = ""
            if deadline.expired:
                raise self._timeout(shown, started=True, seconds=seconds) from None
            reason = server_text(str(error.reason or "").encode(), 80)
            raise HTTPStatusError(shown, error.code, reason, detail) from None
        except urllib.error.URLError as error:
            if deadline.expired or isinstance(error.reason, TimeoutError):
                raise self._timeout(shown, started=started, seconds=seconds) from None
            raise self._failure(shown, error.reason) from None
        except (OSError, http.client.HTTPException, ValueError) as error:
            if deadline.expired or isinstance(error, TimeoutError):
                raise self._timeout(shown, started=started, seconds=seconds) from None
            raise self._failure(shown, error) from None

    def _read_body(self, response: http.client.HTTPResponse, limit: int, shown: str) -> bytes:
        """The whole body, or TransportError once it passes ``limit`` bytes."""
        declared = response.headers.get("Content-Length", "")
        if declared.strip().isdigit() and int(declared) > limit:
            raise self._too_large(shown, limit)
        chunks: list[bytes] = []
        size = 0
        while chunk := response.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise self._too_large(shown, limit)
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, shown: str, limit: int) -> TransportError:
        return TransportError(
            shown,
            f"the answer is larger than {describe_size(limit)} (set {MAX_BYTES_VARIABLE} "
            "to allow more, e.g. 2G)",
        )

    def _timeout(self, shown: str, *, started: bool, seconds: float) -> TransportError:
        if started:
            return TransportError(
                shown, f"the answer did not finish within {seconds:g} s (timeout)"
            )
        return TransportError(shown, f"no answer within {seconds:g} s (timeout)")

    def _failure(self, shown: str, reason: object) -> TransportError:
        transient = _is_transient(reason)
        return TransportError(shown, describe_failure(reason), transient=transient)


PIECE = 64 * 1024  # a streamed body is sent in pieces this big, each moving the deadline on


def _paced(
    chunks: Iterable[bytes], deadline: Deadline, timeout: float, answer: float | None = None
) -> Iterator[bytes]:
    """``chunks`` in pieces of :data:`PIECE`, each moving ``deadline`` on (see
    :meth:`Session.request`); ``answer``: seconds for the answer after the last piece."""
    started = time.monotonic()
    for chunk in chunks:
        view = memoryview(chunk)
        for start in range(0, len(view), PIECE):
            deadline.extend(timeout)
            yield bytes(view[start : start + PIECE])
    deadline.extend(max(answer or 0.0, timeout + (time.monotonic() - started)))


def _is_transient(reason: object) -> bool:
    return isinstance(
        reason,
        ConnectionResetError
        | ConnectionAbortedError
        | BrokenPipeError
        | http.client.RemoteDisconnected
        | http.client.IncompleteRead,
    )


def describe_failure(reason: object) -> str:
    """One line for why no answer came (server-supplied text shortened)."""
    if isinstance(reason, ConnectionRefusedError):
        return "cannot connect (connection refused): is the server running?"
    if isinstance(reason, http.client.RemoteDisconnected):
        return "the server closed the connection without an answer"
    if isinstance(reason, http.client.IncompleteRead):
        return "the answer was cut off before its end"
    if _is_transient(reason):
        return f"the connection broke ({type(reason).__name__})"
    if isinstance(reason, http.client.BadStatusLine | http.client.LineTooLong):
        return "the answer is not HTTP (a malformed status line or header)"
    if isinstance(reason, http.client.HTTPException):
        return f"the answer is not valid HTTP ({type(reason).__name__})"
    if isinstance(reason, socket.gaierror):
        return f"cannot resolve the host name ({reason.strerror})"
    if isinstance(reason, ValueError):
        return f"cannot send the request ({server_text(str(reason).encode(), 120)})"
    text = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
    return f"cannot connect ({server_text(str(text).encode(), 80)})"
