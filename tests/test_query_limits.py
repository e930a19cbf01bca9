"""Hostile query text on every local query path: no request, no crash, no endless run.

Each case runs the real command line (``python -m kg``), ``kg viz --query``
and the Python API, and asserts the documented exit code, exactly one ``kg: `` line on
stderr, no traceback and, for SERVICE, no connection reaching a listener on 127.0.0.1.
Expected messages are written out by hand here, not taken from the code under test.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import kg
from kg.errors import InputError, KGError

from .conftest import REPO
from .servers import Listener

HANG_GUARD = 120  # seconds: a subprocess still running then has hung (no speed is asserted)
PRODUCT = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"  # 5212 x 5212 rows on the bundled graph
COUNT_OF_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
DEEP = "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000
DEEP_MESSAGE = "kg: <query>: line 1, column 80: the query nests deeper than 64 levels of { ( [\n"


@pytest.fixture
def listener():
    with Listener() as server:
        yield server


class Run:
    def __init__(self, completed: subprocess.CompletedProcess[bytes]) -> None:
        self.code = completed.returncode
        self.stdout = completed.stdout.decode("utf-8", "replace")
        self.stderr = completed.stderr.decode("utf-8", "replace")

    def __repr__(self) -> str:
        return f"Run(code={self.code}, stdout={self.stdout[:300]!r}, stderr={self.stderr[:600]!r})"


def kg_cli(*args: str | bytes, stdin: bytes | None = None) -> Run:
    """The real `kg` command in a subprocess; arguments may be bytes (not UTF-8)."""
    completed = subprocess.run(
        [sys.executable, "-m", "kg", *args],
        cwd=REPO,
        input=stdin if stdin is not None else b"",
        capture_output=True,
        timeout=HANG_GUARD,
    )
    return Run(completed)


def assert_one_line(run: Run, code: int, expected: str | None = None) -> None:
    assert run.code == code, run
    assert "Traceback" not in run.stderr, run
    assert run.stderr.startswith("kg: ") and run.stderr.count("\n") == 1, run
    assert run.stderr.endswith("\n"), run
    if expected is not None:
        assert run.stderr == expected, run


def service_query(listener: Listener) -> str:
    return f"SELECT * WHERE {{ SERVICE <{listener.url()}> {{ ?s ?p ?o }} }}"


SERVICE_MESSAGE = (
    "kg: <query>: line 1, column 18: SERVICE is not allowed in a local query: kg never "
    "contacts a server you did not name (send the query to that server with --endpoint "
    "instead)\n"
)


# --- SERVICE never leaves the machine ------------------------------------------------------


def test_service_in_kg_query_is_refused_without_a_request(listener):
    run = kg_cli("query", service_query(listener))
    assert_one_line(run, 2, SERVICE_MESSAGE)
    assert listener.connections == 0


def test_service_on_data_files_and_from_stdin_is_refused(listener, tmp_path):
    data = tmp_path / "g.ttl"
    data.write_text("<http://e/s> <http://e/p> <http://e/o> .\n")
    text = service_query(listener).encode()
    run = kg_cli("query", "-", "--data", str(data), stdin=text)
    assert_one_line(run, 2, SERVICE_MESSAGE.replace("<query>", "<stdin>"))
    assert listener.connections == 0


def test_service_in_a_string_or_comment_is_not_a_service_call(listener):
    text = f'# SERVICE <{listener.url()}>\nASK {{ FILTER("SERVICE" = "SERVICE") }}'
    run = kg_cli("query", text)
    assert run.code == 0 and run.stdout == "true\n", run
    assert listener.connections == 0


def test_service_spelled_with_unicode_escapes_is_refused(listener):
    # SPARQL expands \u escapes anywhere in the text before parsing: SERV\u0049CE is SERVICE.
    text = f"SELECT * WHERE {{ SERV\\u0049CE <{listener.url()}> {{ ?s ?p ?o }} }}"
    run = kg_cli("query", text)
    assert_one_line(run, 2)
    assert "SERVICE is not allowed in a local query" in run.stderr
    assert listener.connections == 0


def test_service_in_kg_viz_query_is_refused(listener, tmp_path):
    page = tmp_path / "page.html"
    run = kg_cli("viz", "-o", str(page), "--query", service_query(listener))
    assert_one_line(run, 2, SERVICE_MESSAGE)
    assert listener.connections == 0
    assert not page.exists()


def test_service_in_the_python_api_is_refused(listener):
    with pytest.raises(InputError, match="SERVICE is not allowed in a local query"):
        kg.query(service_query(listener))
    assert listener.connections == 0


def test_service_goes_to_the_named_endpoint_only(listener):
    # On --endpoint, SERVICE is the server's business: the query goes to the endpoint named
    # (the listener hangs up, so exit 3), and nowhere else.
    with Listener() as other:
        text = service_query(other)
        run = kg_cli("query", text, "--endpoint", listener.url("/query"), "--timeout", "5")
        assert_one_line(run, 3)
        assert listener.connections == 1
        assert other.connections == 0


def test_service_goes_to_the_named_endpoint_only_in_the_python_api(listener):
    # In-process, so that a mutation check sees it: nothing here may run the query locally
    # (on an empty store, that alone would call the SERVICE).
    with Listener() as other:
        with pytest.raises(KGError):
            kg.query(service_query(other), endpoint=listener.url("/query"), timeout=5)
        assert listener.connections == 1
        assert other.connections == 0


# --- Deep nesting: one line, never a segfault or a RecursionError --------------------------


def test_deep_nesting_is_refused_with_its_position():
    assert_one_line(kg_cli("query", DEEP), 2, DEEP_MESSAGE)


def test_deep_nesting_on_the_endpoint_path_sends_nothing(listener):
    run = kg_cli("query", DEEP, "--endpoint", listener.url("/query"))
    assert_one_line(run, 2, DEEP_MESSAGE)
    assert listener.connections == 0


def test_deep_nesting_in_kg_viz_query(tmp_path):
    run = kg_cli("viz", "-o", str(tmp_path / "p.html"), "--query", DEEP)
    assert_one_line(run, 2, DEEP_MESSAGE)


def test_deep_nesting_in_the_python_api():
    with pytest.raises(InputError, match="nests deeper than 64 levels"):
        kg.query(DEEP)


def test_sixty_four_levels_still_run():
    # The limit is 64: a query nested exactly that deep still runs.
    text = "ASK { FILTER(" + "(" * 62 + "true" + ")" * 62 + ") }"  # 64 levels in all
    run = kg_cli("query", text)
    assert run.code == 0 and run.stdout == "true\n", run


def test_a_long_chain_of_minus_does_not_crash():
    # 4000 MINUS groups overflowed Oxigraph's 8 MB main-thread stack (segfault, rc 139).
    text = "SELECT * WHERE { ?s a ssp:Trend " + "MINUS { ?s a ssp:Actor } " * 4000 + "}"
    run = kg_cli("query", text, "--timeout", "60")
    assert run.code in (0, 2), run
    assert "Traceback" not in run.stderr and run.code >= 0, run
    if run.code == 2:
        assert_one_line(run, 2)


# --- Time and size limits -------------------------------------------------------------------


@pytest.mark.parametrize("text", [PRODUCT, COUNT_OF_PRODUCT], ids=["rows", "aggregate"])
def test_a_local_query_stops_at_its_timeout(text, tmp_path):
    out = tmp_path / "out.csv"
    run = kg_cli("query", text, "--timeout", "1", "-o", str(out))
    assert_one_line(run, 2, "kg: <query>: the query ran longer than 1 s (--timeout)\n")
    assert list(tmp_path.iterdir()) == []


def test_kg_viz_query_stops_at_its_timeout(tmp_path):
    text = "CONSTRUCT { ?a ?b ?f } WHERE { ?a ?b ?c . ?d ?e ?f }"
    run = kg_cli("viz", "-o", str(tmp_path / "p.html"), "--timeout", "1", "--query", text)
    assert_one_line(run, 2, "kg: <query>: the query ran longer than 1 s (--timeout)\n")
    assert list(tmp_path.iterdir()) == []


def test_the_python_api_raises_a_kgerror_at_its_timeout():
    from kg.deadline import QueryTimeout

    # max_rows bounds the memory should the timeout fail (27M rows would fill the machine).
    with pytest.raises(QueryTimeout, match=r"ran longer than 0.5 s") as caught:
        kg.query(PRODUCT, timeout=0.5, max_rows=3_000_000)
    assert isinstance(caught.value, KGError)


def test_a_timeout_lost_in_a_finaliser_is_raised_by_the_next_check():
    """The exception sent into the thread is swallowed (as a ``__del__`` would swallow it);
    the row loops' check still ends the block, with the same message."""
    import time

    from kg.deadline import QueryTimeout, check_time, raising_after

    swallowed = 0
    with pytest.raises(QueryTimeout) as caught, raising_after(0.2, "<query>"):
        ends = time.monotonic() + 1.0
        while time.monotonic() < ends:
            try:
                time.sleep(0.01)
            except BaseException:  # what a finaliser does
                swallowed += 1
        check_time()
    assert swallowed == 1
    assert str(caught.value) == "<query>: the query ran longer than 0.2 s (--timeout)"
    check_time()  # outside the block: no limit, nothing raised


@pytest.mark.parametrize(
    "text, what",
    [("SELECT * WHERE { ?s ?p ?o }", "rows"), ("CONSTRUCT WHERE { ?s ?p ?o }", "triples")],
)
def test_max_rows_refuses_a_larger_result(text, what):
    run = kg_cli("query", text, "--max-rows", "100")
    assert_one_line(run, 2, f"kg: <query>: the query returned more than 100 {what} (--max-rows)\n")


def test_max_rows_allows_a_result_of_that_size():
    run = kg_cli("query", "SELECT ?q WHERE { ?q a ssp:CompetencyQuestion }", "--max-rows", "5")
    assert run.code == 0 and len(run.stdout.splitlines()) == 6, run


def test_the_python_api_max_rows():
    from kg.deadline import TooManyResults

    with pytest.raises(TooManyResults, match="more than 3 rows"):
        kg.query("SELECT ?q WHERE { ?q a ssp:CompetencyQuestion }", max_rows=3)


def test_max_rows_counts_the_triples_of_a_graph_not_the_solutions_that_build_them():
    """Every triple of the bundled graph builds the same one triple: a graph of one."""
    text = "CONSTRUCT { kg:x kg:y kg:z } WHERE { ?s ?p ?o }"
    graph = kg.query(text, max_rows=1)
    assert [tuple(term.value for term in triple) for triple in graph] == [
        ("https://w3id.org/ssp-kg/id/x", "https://w3id.org/ssp-kg/id/y",
         "https://w3id.org/ssp-kg/id/z"),
    ]  # fmt: skip


def test_limits_only_apply_to_a_viz_query(tmp_path):
    run = kg_cli("viz", "-o", str(tmp_path / "p.html"), "--timeout", "5")
    assert_one_line(run, 2, "kg: --timeout: only applies to a --query\n")


# --- Text that is not UTF-8, not Unicode, or too big ---------------------------------------

BAD_BYTES = b'SELECT * WHERE { ?s ?p "\xff" }'  # 0xff at byte offset 24


def test_a_non_utf8_byte_on_stdin_is_named_by_offset():
    run = kg_cli("query", "-", stdin=BAD_BYTES)
    assert_one_line(run, 2, "kg: <stdin>: line 1, byte 24: not UTF-8 (byte 0xff)\n")


def test_a_non_utf8_byte_in_the_argument_is_named_by_offset():
    run = kg_cli("query", BAD_BYTES)
    assert_one_line(run, 2, "kg: <query>: line 1, byte 24: not UTF-8 (byte 0xff)\n")


def test_a_non_utf8_byte_in_a_viz_query(tmp_path):
    run = kg_cli("viz", "-o", str(tmp_path / "p.html"), "--query", BAD_BYTES)
    assert_one_line(run, 2, "kg: <query>: line 1, byte 24: not UTF-8 (byte 0xff)\n")


def test_a_non_utf8_byte_in_a_query_file(tmp_path):
    path = tmp_path / "bad.rq"
    path.write_bytes(BAD_BYTES)
    run = kg_cli("query", str(path))
    assert_one_line(run, 2, f"kg: {path}: line 1: not UTF-8 (byte 0xff)\n")


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            'ASK { BIND("\\U00110000" AS ?x) }',
            "kg: <query>: line 1, column 13: \\U00110000 is not a Unicode code point\n",
        ),
        (
            'ASK { BIND("\\uD800" AS ?x) }',
            None,  # Oxigraph's parser and our check word it differently; one line either way
        ),
        ('SELECT ?x { BIND("\\uD83D\\uDE00" AS ?x) }', None),
    ],
    ids=["beyond-unicode", "lone-surrogate", "surrogate-pair"],
)
def test_escapes_that_name_no_character(text, expected):
    assert_one_line(kg_cli("query", text), 2, expected)


def test_nul_bytes_are_a_syntax_error():
    run = kg_cli("query", "-", stdin=b"ASK {\x00 ?s ?p ?o }")
    assert_one_line(run, 2, "kg: <stdin>: line 1, column 6: syntax error at '\\x00'\n")


def test_a_query_over_one_megabyte_is_refused():
    text = b'ASK { ?s ?p "' + b"a" * 1_100_000 + b'" }'
    run = kg_cli("query", "-", stdin=text)
    assert_one_line(run, 2)
    assert "over the limit of 1,000,000" in run.stderr


def test_the_python_api_refuses_a_query_over_one_megabyte():
    with pytest.raises(InputError, match="over the limit"):
        kg.query('ASK { ?s ?p "' + "a" * 1_100_000 + '" }')


def test_thousands_of_variables():
    names = " ".join(f"?v{i}" for i in range(3000))
    run = kg_cli("query", f"SELECT {names} WHERE {{ ?s a ssp:Trend }} LIMIT 1")
    assert run.code == 0, run
    assert run.stdout.splitlines()[0].count(",") == 2999
