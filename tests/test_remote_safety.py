"""Hostile and odd servers against `kg query --endpoint` and `kg push`: one line, exit 3.

Every server here is a raw listener on a loopback address that the test starts; a second
listener stands where a redirect points, and must see no connection at all.
"""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import time

import pytest

from kg.remote import http as kghttp

from .conftest import FIXTURES, REPO
from .servers import Listener, answer, free_port

MINIMAL = FIXTURES / "valid" / "minimal.ttl"
ASK_TRUE = b'{"head": {}, "boolean": true}'


def kg(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kg", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


def query(endpoint: str, *more: str, env: dict[str, str] | None = None):
    return kg("query", "ASK { ?s ?p ?o }", "--endpoint", endpoint, *more, env=env)


def push_append(endpoint: str, *more: str, env: dict[str, str] | None = None):
    return kg("push", "--data", str(MINIMAL), "--append", "--endpoint", endpoint, *more, env=env)


COMMANDS = {"query": (query, "/query"), "push": (push_append, "/store")}


def one_line_error(done: subprocess.CompletedProcess[str], code: int = 3) -> str:
    assert done.returncode == code, done
    assert done.stderr.startswith("kg: "), done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr
    return done.stderr.strip()


def second_loopback_address() -> str:
    """127.0.0.2 when this machine lets us bind it (Linux does: all of 127.0.0.0/8)."""
    try:
        with socket.socket() as sock:
            sock.bind(("127.0.0.2", 0))
    except OSError:
        pytest.skip("127.0.0.2 cannot be bound here")
    return "127.0.0.2"


# --- Redirects ------------------------------------------------------------------------------


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("code", ["302 Found", "307 Temporary Redirect", "301 Moved Permanently"])
def test_a_redirect_to_another_host_is_not_followed(command, code):
    run, path = COMMANDS[command]
    with Listener(host=second_loopback_address()) as elsewhere:
        target = f"{elsewhere.base}{path}"
        with Listener(answer(code, {"Location": target})) as server:
            done = run(server.base + path)
        message = one_line_error(done)
        assert message.startswith(f"kg: {server.base}{path}: ")
        assert f"redirects to {target} (HTTP {code.split()[0]})" in message
        assert "not followed" in message
        assert server.connections == 1
        assert elsewhere.connections == 0


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_redirect_to_another_port_or_scheme_is_not_followed(command):
    run, path = COMMANDS[command]
    with Listener() as other_port:
        targets = [
            f"{other_port.base}{path}",
            f"https://127.0.0.1:{other_port.port}{path}",
            f"http://eve:hunter2@127.0.0.1:{other_port.port}{path}",
            "file:///etc/passwd",
        ]
        for target in targets:
            with Listener(answer("302 Found", {"Location": target})) as server:
                message = one_line_error(run(server.base + path))
            assert f"redirects to {kghttp.redact(target)}" in message
            assert "hunter2" not in message
        assert other_port.connections == 0


def test_a_redirect_on_the_same_server_is_followed():
    moved = "/moved/query"

    def behave(conn: socket.socket, request: bytes) -> None:
        if request.startswith(b"GET " + moved.encode()):
            answer("200 OK", {"Content-Type": "application/sparql-results+json"}, ASK_TRUE)(
                conn, request
            )
        else:
            answer("303 See Other", {"Location": moved})(conn, request)

    with Listener(behave) as server:
        done = query(server.base + "/query")
    assert (done.returncode, done.stdout) == (0, "true\n"), done
    assert server.connections == 2


# --- Time and size --------------------------------------------------------------------------


def trickle_headers(conn: socket.socket, request: bytes) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    for _ in range(60):
        conn.sendall(b"X")
        time.sleep(0.2)


def trickle_body(conn: socket.socket, request: bytes) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n\r\n")
    for _ in range(60):
        conn.sendall(b" ")
        time.sleep(0.2)


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize(
    ("behaviour", "phrase"),
    [
        (trickle_headers, "within 1 s (timeout)"),
        (trickle_body, "the answer did not finish within 1 s (timeout)"),
    ],
)
def test_a_trickling_server_is_cut_off_at_the_timeout(command, behaviour, phrase):
    run, path = COMMANDS[command]
    with Listener(behaviour) as server:
        started = time.monotonic()
        done = run(server.base + path, "--timeout", "1")
        took = time.monotonic() - started
    assert phrase in one_line_error(done)
    # A second of timeout, plus starting Python: far less than the 12 s the trickle lasts.
    assert took < 8, took


def endless(conn: socket.socket, request: bytes) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n\r\n")
    block = b"[" * 65536
    while True:
        conn.sendall(block)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_endless_answer_is_cut_off_at_the_size_limit(command):
    run, path = COMMANDS[command]
    with Listener(endless) as server:
        done = run(server.base + path, env={"KG_MAX_RESPONSE_BYTES": "2M"})
    assert "the answer is larger than 2 MiB (set KG_MAX_RESPONSE_BYTES" in one_line_error(done)


def test_a_declared_length_over_the_limit_is_refused_before_reading():
    headers = {"Content-Type": "application/sparql-results+json", "Content-Length": "10000000"}
    with Listener(answer("200 OK", headers)) as server:
        done = query(server.base + "/query", env={"KG_MAX_RESPONSE_BYTES": "1000"})
    assert "larger than 1000 bytes" in one_line_error(done)


def test_the_size_limit_can_be_raised_and_is_checked():
    body = b'{"head": {}, "boolean": true, "padding": "' + b"x" * 5000 + b'"}'
    headers = {"Content-Type": "application/sparql-results+json"}
    with Listener(answer("200 OK", headers, body)) as server:
        small = query(server.base + "/query", env={"KG_MAX_RESPONSE_BYTES": "4k"})
        large = query(server.base + "/query", env={"KG_MAX_RESPONSE_BYTES": "6k"})
    assert "larger than 4 KiB" in one_line_error(small)
    assert (large.returncode, large.stdout) == (0, "true\n"), large
    bad = query("http://127.0.0.1:9/query", env={"KG_MAX_RESPONSE_BYTES": "lots"})
    assert one_line_error(bad, 2).startswith("kg: KG_MAX_RESPONSE_BYTES: 'lots' is not a size")


# --- Not HTTP, hostile text, passwords ------------------------------------------------------


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize(
    "garbage",
    [b"GARBAGE\r\n\r\n", b"\x1b[2J\x00\xff\r\n", b"HTTP/1.1 200 OK\r\n" + b"X" * 70000 + b"\r\n"],
)
def test_an_answer_that_is_not_http_is_one_line(command, garbage):
    run, path = COMMANDS[command]
    with Listener(lambda conn, request: conn.sendall(garbage)) as server:
        message = one_line_error(run(server.base + path))
    assert "the answer is not HTTP" in message
    assert "\x1b" not in message and "GARBAGE" not in message


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_server_text_is_shortened_and_escaped(command):
    run, path = COMMANDS[command]
    reason = "Bad \x1b]0;owned\x07 Request"
    body = b"\x1b[2J\x1b]0;pwned title\x07" + b"very long complaint " * 2000
    with Listener(answer(f"400 {reason}", {"Content-Type": "text/plain"}, body)) as server:
        message = one_line_error(run(server.base + path))
    assert "HTTP 400" in message
    assert "\x1b" not in message and "\x07" not in message
    assert "\\x1b[2J" in message  # shown, not obeyed
    assert len(message) < 600
    assert message.endswith("...") or "..." in message


@pytest.mark.parametrize(
    ("media", "body", "phrase"),
    [
        ("application/sparql-results+json", b"[" * 200_000, "not readable SPARQL results"),
        ("application/sparql-results+json", b"\x1b[2J{not json", "not readable SPARQL results"),
        (
            "application/sparql-results+xml",
            b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
            b"<boolean>&x;</boolean></sparql>",
            "declares a DOCTYPE",
        ),
    ],
)
def test_an_unreadable_answer_is_one_line(media, body, phrase):
    with Listener(answer("200 OK", {"Content-Type": media}, body)) as server:
        message = one_line_error(query(server.base + "/query"))
    assert phrase in message and "\x1b" not in message and len(message) < 400


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_password_in_the_url_is_never_shown(command):
    run, path = COMMANDS[command]
    with Listener(answer("500 Internal Server Error", {})) as server:
        endpoint = f"http://alice:s3cret@127.0.0.1:{server.port}{path}"
        failed = one_line_error(run(endpoint))
    assert failed.startswith(f"kg: http://alice:***@127.0.0.1:{server.port}{path}: ")
    unreachable = one_line_error(run(f"http://alice:s3cret@127.0.0.1:{free_port()}{path}"))
    assert "alice:***@" in unreachable
    bad_port = one_line_error(run("http://alice:s3cret@127.0.0.1:notaport/q"), 2)
    for message in (failed, unreachable, bad_port):
        assert "s3cret" not in message


def test_a_password_in_the_url_logs_in_with_basic_auth():
    expected = "Basic " + base64.b64encode(b"alice:s3cret").decode()

    def behave(conn: socket.socket, request: bytes) -> None:
        if f"Authorization: {expected}".encode() in request:
            ok = {"Content-Type": "application/sparql-results+json"}
            answer("200 OK", ok, ASK_TRUE)(conn, request)
        else:
            answer("401 Unauthorized", {"WWW-Authenticate": 'Basic realm="kg"'})(conn, request)

    with Listener(behave) as server:
        done = query(f"http://alice:s3cret@127.0.0.1:{server.port}/query")
    assert (done.returncode, done.stdout) == (0, "true\n"), done
    assert b"alice" not in server.requests[0]  # the first request carries no user part
    assert server.connections == 2


# --- The layer itself -----------------------------------------------------------------------


def test_redact_and_origin():
    assert kghttp.redact("http://u:pw@host:8/q?x=1") == "http://u:***@host:8/q?x=1"
    assert kghttp.redact("http://u@host/q") == "http://u@host/q"
    assert kghttp.redact("http://host/q") == "http://host/q"
    assert kghttp.without_credentials("http://u:p%40ss@h:1/q") == ("http://h:1/q", "u", "p@ss")
    assert kghttp.origin("HTTP://Host/q") == kghttp.origin("http://host:80/other")
    assert kghttp.origin("http://host/q") != kghttp.origin("https://host/q")
    assert kghttp.origin("http://host/q") != kghttp.origin("http://host:8080/q")


def test_max_response_bytes_reads_the_environment(monkeypatch):
    monkeypatch.delenv("KG_MAX_RESPONSE_BYTES", raising=False)
    assert kghttp.max_response_bytes() == 256 * 2**20
    for given, size in (("1000", 1000), ("4k", 4096), ("500M", 500 * 2**20), ("2GiB", 2**31)):
        monkeypatch.setenv("KG_MAX_RESPONSE_BYTES", given)
        assert kghttp.max_response_bytes() == size


# --- The layer in process (so a mutation tool can match these tests to kg/remote/http.py) ---------

JSON = {"Content-Type": "application/sparql-results+json"}


def test_a_session_follows_a_redirect_on_the_same_server_only():
    def behave(conn: socket.socket, request: bytes) -> None:
        if request.startswith(b"GET /moved "):
            answer("200 OK", JSON, ASK_TRUE)(conn, request)
        else:
            answer("307 Temporary Redirect", {"Location": "/moved"})(conn, request)

    with Listener(behave) as server:
        response = kghttp.Session(timeout=10).request("GET", server.base + "/q")
        assert (response.status, response.content_type, response.body) == (
            200, "application/sparql-results+json", ASK_TRUE,
        )  # fmt: skip
        assert server.connections == 2


@pytest.mark.parametrize("code", ["301 Moved", "302 Found", "303 See Other", "308 Permanent"])
def test_a_session_refuses_a_redirect_to_another_port_naming_both(code):
    with Listener(answer("200 OK", JSON, ASK_TRUE)) as other:
        target = f"http://bob:hunter2@127.0.0.1:{other.port}/q"
        with Listener(answer(code, {"Location": target})) as server:
            url = f"http://alice:s3cret@127.0.0.1:{server.port}/start"
            with pytest.raises(kghttp.CrossHostRedirect) as caught:
                kghttp.Session(timeout=10).request("GET", url)
        assert other.connections == 0
    status = code.split()[0]
    assert caught.value.where == f"http://alice:***@127.0.0.1:{server.port}/start"
    assert caught.value.message == (
        f"the server redirects to http://bob:***@127.0.0.1:{other.port}/q (HTTP {status}), "
        "another host: not followed (give that URL yourself if you trust it)"
    )


def test_a_redirect_message_shortens_a_long_target():
    target = "http://127.0.0.2:1/" + "x" * 500
    with (
        Listener(answer("302 Found", {"Location": target})) as server,
        pytest.raises(kghttp.CrossHostRedirect) as caught,
    ):
        kghttp.Session(timeout=10).request("GET", server.base + "/q")
    shown = target[: kghttp.DETAIL_CHARS] + "..."
    assert f"redirects to {shown} (HTTP 302)" in caught.value.message


@pytest.mark.parametrize("size", [999, 1000, 1001, 70_000])
def test_a_session_reads_up_to_the_byte_cap_and_refuses_one_byte_more(size):
    body = b"x" * size
    for declared in (True, False):

        def send(conn: socket.socket, request: bytes, declared=declared) -> None:
            length = f"Content-Length: {size}\r\n" if declared else "Connection: close\r\n"
            conn.sendall(f"HTTP/1.1 200 OK\r\n{length}\r\n".encode() + body)

        with Listener(send) as server:
            session = kghttp.Session(timeout=10, max_bytes=1000)
            if size <= 1000:
                assert session.request("GET", server.base + "/q").body == body
                continue
            with pytest.raises(kghttp.TransportError) as caught:
                session.request("GET", server.base + "/q")
        assert caught.value.message == (
            "the answer is larger than 1000 bytes (set KG_MAX_RESPONSE_BYTES to allow more, "
            "e.g. 2G)"
        )
        assert not caught.value.transient


def test_a_session_takes_its_byte_cap_from_the_environment(monkeypatch):
    monkeypatch.setenv("KG_MAX_RESPONSE_BYTES", "3k")
    assert kghttp.Session().max_bytes == 3 * 1024
    assert kghttp.Session(max_bytes=5).max_bytes == 5


@pytest.mark.parametrize(
    ("behaviour", "message"),
    [
        (lambda conn, request: time.sleep(5), "no answer within 0.5 s (timeout)"),
        (trickle_headers, "the answer did not finish within 0.5 s (timeout)"),
        (trickle_body, "the answer did not finish within 0.5 s (timeout)"),
    ],
    ids=["silent", "trickle-headers", "trickle-body"],
)
def test_a_session_stops_a_trickling_server_at_its_deadline(behaviour, message):
    with Listener(behaviour) as server:
        started = time.monotonic()
        with pytest.raises(kghttp.TransportError) as caught:
            kghttp.Session(timeout=0.5).request("GET", server.base + "/q")
        took = time.monotonic() - started
    assert caught.value.message == message
    assert 0.4 < took < 5, took


def test_a_deadline_counts_down_and_shuts_what_it_watches():
    deadline = kghttp.Deadline(30)
    assert 29 < deadline.remaining() <= 30
    deadline.cancel()
    with Listener() as server:
        expired = kghttp.Deadline(0.2)
        sock = expired.connect(("127.0.0.1", server.port))
        time.sleep(0.5)
        assert expired.expired
        with pytest.raises(TimeoutError):
            expired.remaining()
        sock.settimeout(2)
        assert sock.recv(1) == b""  # shut: a blocked read returns at once
        with pytest.raises((TimeoutError, OSError)):
            expired.connect(("127.0.0.1", server.port))
        sock.close()


def test_redact_hides_only_the_password():
    assert kghttp.redact("https://u:p@h/x:y@z") == "https://u:***@h/x:y@z"
    assert kghttp.redact("http://u:@h/") == "http://u:***@h/"
    assert kghttp.redact("http://a:b:c@h/") == "http://a:***@h/"
    assert kghttp.redact("http://u:pw@[::1/") == "http://u:***@[::1/"  # not a valid URL
    assert kghttp.without_credentials("http://h/q") == ("http://h/q", None, None)
    assert kghttp.without_credentials("http://u@h/q") == ("http://h/q", "u", None)
    assert kghttp.without_credentials("http://a%3Ab@h/") == ("http://h/", "a:b", None)


def test_only_http_urls_with_a_host_are_accepted():
    assert kghttp.check_http_url("https://h/q", "w") == "https://h/q"
    for url, phrase in (
        ("ftp://u:pw@h/q", "is not an http:// or https:// URL"),
        ("http:///q", "is not an http:// or https:// URL"),
        ("http://u:pw@h:port/q", "is not a valid URL"),
    ):
        with pytest.raises(kghttp.InputError) as caught:
            kghttp.check_http_url(url, "w")
        assert caught.value.where == "w"
        assert caught.value.message == f"{kghttp.redact(url)!r} {phrase}"
        assert "pw" not in caught.value.message
    assert kghttp.origin("https://H:443/") == ("https", "h", 443)
    assert kghttp.origin("http://h:x/") == ("http", "h", None)


def test_sizes_and_server_text_are_described_exactly(monkeypatch):
    assert [kghttp.describe_size(n) for n in (12, 1024, 1536, 2**20, 3 * 2**30)] == [
        "12 bytes", "1 KiB", "1.5 KiB", "1 MiB", "3 GiB",
    ]  # fmt: skip
    for given in ("0", "-1", "5X", "1.5M"):
        monkeypatch.setenv("KG_MAX_RESPONSE_BYTES", given)
        with pytest.raises(kghttp.InputError) as caught:
            kghttp.max_response_bytes()
        assert caught.value.message == (f"{given!r} is not a size (bytes, or with K, M or G: 500M)")
    monkeypatch.setenv("KG_MAX_RESPONSE_BYTES", " 7 kb ")
    assert kghttp.max_response_bytes() == 7 * 1024
    monkeypatch.setenv("KG_MAX_RESPONSE_BYTES", "   ")
    assert kghttp.max_response_bytes() == kghttp.DEFAULT_MAX_BYTES
    text = b"<html><style>x{}</style><SCRIPT>evil()</script><p>Not  found</p>\n</html>"
    assert kghttp.server_text(text) == "Not found"
    assert kghttp.server_text(b"abcdef", 3) == "abc..."
    assert kghttp.server_text(b"abc", 3) == "abc"


def test_origin_fills_in_the_default_ports_and_an_empty_host():
    assert kghttp.origin("https://h/") == ("https", "h", 443)
    assert kghttp.origin("http://h/") == ("http", "h", 80)
    assert kghttp.origin("ftp://h/") == ("ftp", "h", None)
    assert kghttp.origin("http:///q") == ("http", "", 80)


@pytest.mark.parametrize(
    ("headers", "shown"),
    [
        ({"URI": "http://127.0.0.2:1/q"}, "http://127.0.0.2:1/q"),
        ({"Location": "http://[bad/q"}, "http://[bad/q"),  # not a URL: not followed either
        ({"Location": "http://127.0.0.2:1/" + "x" * 181}, "http://127.0.0.2:1/" + "x" * 181),
    ],
    ids=["uri-header", "invalid-url", "exactly-200-characters"],
)
def test_every_redirect_elsewhere_is_refused_and_shown_whole_up_to_200(headers, shown):
    assert len(headers.get("Location", "")) in (0, 13, 200)
    with (
        Listener(answer("302 Found", headers)) as server,
        pytest.raises(kghttp.CrossHostRedirect) as caught,
    ):
        kghttp.Session(timeout=10).request("GET", server.base + "/q")
    assert caught.value.where == server.base + "/q"
    assert f"redirects to {shown} (HTTP 302), another host" in caught.value.message


def test_a_redirect_loop_on_the_same_server_is_an_http_error_with_its_reason():
    with (
        Listener(answer("302 Found Again", {"Location": "/q"})) as server,
        pytest.raises(kghttp.HTTPStatusError) as caught,
    ):
        kghttp.Session(timeout=10).request("GET", server.base + "/q")
    assert caught.value.code == 302
    assert caught.value.reason.startswith("The HTTP server returned a redirect error")


def test_a_declared_length_over_the_cap_is_refused_without_waiting_for_the_body():
    def send(conn: socket.socket, request: bytes) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\nxx")
        time.sleep(5)

    with Listener(send) as server:
        started = time.monotonic()
        with pytest.raises(kghttp.TransportError) as caught:
            kghttp.Session(timeout=3, max_bytes=1000).request("GET", server.base + "/q")
        assert time.monotonic() - started < 2
    assert caught.value.where == server.base + "/q"
    assert caught.value.message.startswith("the answer is larger than 1000 bytes")


def test_an_endless_body_is_refused_at_the_cap_not_at_the_deadline():
    with Listener(endless) as server:
        started = time.monotonic()
        with pytest.raises(kghttp.TransportError) as caught:
            kghttp.Session(timeout=5, max_bytes=200_000).request("GET", server.base + "/q")
        assert time.monotonic() - started < 3
    assert (caught.value.where, caught.value.message[:31]) == (
        server.base + "/q", "the answer is larger than 195.3",
    )  # fmt: skip


def test_a_body_of_several_chunks_is_read_whole_and_errors_name_the_request():
    body = bytes(range(256)) * 400  # 102,400 bytes: two reads of 64 KiB
    with Listener(answer("200 OK", {}, body)) as server:
        assert kghttp.Session(timeout=10).request("GET", server.base + "/q").body == body
    silent = Listener(lambda conn, request: time.sleep(3))
    with silent as server, pytest.raises(kghttp.TransportError) as caught:
        kghttp.Session(timeout=0.3).request("GET", server.base + "/q", where="my endpoint")
    assert caught.value.where == "my endpoint"
    with Listener(trickle_body) as server, pytest.raises(kghttp.TransportError) as caught:
        kghttp.Session(timeout=0.3).request("GET", server.base + "/q")
    assert caught.value.where == server.base + "/q"


def test_credentials_split_at_the_last_at_sign_and_sizes_start_at_one(monkeypatch):
    assert kghttp.without_credentials("http://u@x@h/q") == ("http://h/q", "u@x", None)
    assert kghttp.without_credentials("http://@h/q") == ("http://h/q", "", None)
    monkeypatch.setenv("KG_MAX_RESPONSE_BYTES", "1")
    assert kghttp.max_response_bytes() == 1
    monkeypatch.setenv("KG_MAX_RESPONSE_BYTES", "0")
    with pytest.raises(kghttp.InputError) as caught:
        kghttp.max_response_bytes()
    assert caught.value.where == "KG_MAX_RESPONSE_BYTES"


def test_an_expired_deadline_refuses_at_once_whatever_time_is_left():
    deadline = kghttp.Deadline(30)
    deadline.expired = True  # as the timer leaves it once the time is up
    with pytest.raises(TimeoutError, match=r"^deadline passed$"):
        deadline.remaining()
    deadline.cancel()


def test_redact_takes_the_user_before_the_last_at_sign():
    assert kghttp.redact("http://u:p@x@h/q") == "http://u:***@h/q"


class _Clock:
    """kg.remote.http's clock, set by hand: the deadline's arithmetic without waiting."""

    def __init__(self, now: float) -> None:
        self.now = now

    def monotonic(self) -> float:
        return self.now


def test_extend_moves_the_deadline_later_never_earlier(monkeypatch):
    clock = _Clock(1000.0)
    monkeypatch.setattr(kghttp, "time", clock)
    deadline = kghttp.Deadline(30)
    deadline.cancel()
    assert deadline.end == 1030.0
    deadline.extend(10)  # 1010 is earlier than 1030: kept
    assert deadline.end == 1030.0
    clock.now = 1025.0
    deadline.extend(10)
    assert deadline.end == 1035.0


def test_an_extended_deadline_waits_for_its_new_end_then_expires(monkeypatch):
    clock = _Clock(1000.0)
    monkeypatch.setattr(kghttp, "time", clock)
    deadline = kghttp.Deadline(30)
    first = deadline._timer
    deadline.cancel()
    clock.now = 1029.0  # the timer fires one second before the (extended) end
    deadline._expire()
    timer = deadline._timer
    try:
        assert deadline.expired is False
        assert timer is not first and timer.is_alive() and timer.daemon is True
        assert (timer.interval, timer.function) == (1.0, deadline._expire)
    finally:
        deadline.cancel()
    clock.now = 1030.0  # at the end itself: expired, no new timer
    deadline._expire()
    assert deadline.expired is True and deadline._timer is timer
