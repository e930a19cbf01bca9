"""Hostile and odd input files: no crash, no hang, no blow-up, no file or network access the
user did not name, and one input gives one answer on every command.

Every case runs the real command line in a subprocess whose address space is capped
(RLIMIT_AS), so an expansion bomb fails fast instead of eating the machine, with a generous
timeout as a hang guard. Expected counts and messages are written by hand from the inputs.
"""

from __future__ import annotations

import gzip
import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import REPO, CliResult
from .servers import Listener

MEMORY_LIMIT = 2 * 1024**3
HANG_GUARD = 240  # seconds; a hang, not a speed check
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def kg(*args: str, stdin: bytes | None = None) -> CliResult:
    """Run ``python -m kg`` with memory capped and a hang guard; bytes in, text out."""
    completed = subprocess.run(
        [sys.executable, "-m", "kg", *args],
        cwd=REPO,
        input=stdin if stdin is not None else b"",
        capture_output=True,
        timeout=HANG_GUARD,
        preexec_fn=_cap_memory,
    )
    text = subprocess.CompletedProcess(
        completed.args,
        completed.returncode,
        completed.stdout.decode("utf-8", "replace"),
        completed.stderr.decode("utf-8", "replace"),
    )
    return CliResult(text)


def assert_refused(result: CliResult, name: str, expected: str, code: int = 2) -> None:
    """Exit ``code`` and exactly one stderr line, ``kg: <name>: ...expected...``."""
    assert result.code == code, result
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result
    assert lines[0].startswith(f"kg: {name}: "), result
    assert expected in lines[0], result
    assert len(lines[0]) < 400, result
    assert "Traceback" not in result.stderr


def triple_count(result: CliResult) -> int:
    assert result.code == 0, result
    assert result.stderr == "", result
    first = result.stdout.splitlines()[0].split()
    assert first[0] == "triples", result
    return int(first[1])


# --- Every command that loads files ---------------------------------------------------------


def loading_commands(path: str, tmp_path: Path, endpoint: str) -> list[list[str]]:
    """The arguments of every command that loads ``path``."""
    out = str(tmp_path / "out")
    return [
        ["stats", "--data", path],
        ["query", "ASK { ?s ?p ?o }", "--data", path],
        ["export", "--data", path, "--format", "nt", "-o", out + ".nt"],
        ["validate", path],
        ["viz", "--data", path, "-o", out + ".html"],
        ["push", "--data", path, "--endpoint", endpoint, "--timeout", "5"],
    ]


@pytest.fixture
def listener() -> Iterator[Listener]:
    with Listener() as recording:
        yield recording


# --- Hand-written hostile files -------------------------------------------------------------

XML_HEAD = '<?xml version="1.0"?>\n'
RDF_OPEN = f'<rdf:RDF xmlns:rdf="{RDF}" xmlns:ex="http://e/">\n'


def billion_laughs() -> str:
    entities = '<!ENTITY lol "lol">\n' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    return (
        f"{XML_HEAD}<!DOCTYPE rdf:RDF [\n{entities}]>\n{RDF_OPEN}"
        '<rdf:Description rdf:about="http://e/a"><ex:p>&lol9;</ex:p></rdf:Description>\n'
        "</rdf:RDF>\n"
    )


def quadratic_blowup() -> str:
    return (
        f'{XML_HEAD}<!DOCTYPE rdf:RDF [\n<!ENTITY a "{"x" * 90_000}">\n]>\n{RDF_OPEN}'
        f'<rdf:Description rdf:about="http://e/a"><ex:p>{"&a;" * 20_000}</ex:p>'
        "</rdf:Description>\n</rdf:RDF>\n"
    )


def external_entity(target: str) -> str:
    return (
        f'{XML_HEAD}<!DOCTYPE rdf:RDF [\n<!ENTITY xxe SYSTEM "{target}">\n]>\n{RDF_OPEN}'
        '<rdf:Description rdf:about="http://e/a"><ex:p>&xxe;</ex:p></rdf:Description>\n'
        "</rdf:RDF>\n"
    )


def deep_xml(levels: int) -> str:
    return (
        f"{XML_HEAD}{RDF_OPEN}"
        + "<rdf:Description><ex:p>" * levels
        + "</ex:p></rdf:Description>" * levels
        + "\n</rdf:RDF>\n"
    )


HOSTILE: dict[str, tuple[object, str]] = {
    # name: (content, what the one-line message must say)
    "laughs.rdf": (billion_laughs, "entity 'lol5' expands to more than"),
    "quadratic.rdf": (quadratic_blowup, "amplification"),
    "xxe.rdf": (lambda: external_entity("file:///etc/passwd"), "external entity 'xxe' refused"),
    "xxe-http.rdf": (lambda: external_entity("http://127.0.0.1:9/x"), "external entity"),
    "deep.rdf": (lambda: deep_xml(150_000), "nested more than 1000 deep"),
    "comments.rdf": (lambda: f"{XML_HEAD}<!-- nothing here -->\n", "line 3: no element found"),
    "biglit.nt": (
        lambda: '<http://e/a> <http://e/b> "' + "x" * 50_000_000 + '" .\n',
        "over 16 MiB",
    ),
    "space.ttl": (lambda: "<http://e/a b> <http://e/b> <http://e/c> .\n", "line 1: Invalid IRI"),
    "lt.nt": (lambda: "<http://e/a<b> <http://e/b> <http://e/c> .\n", "line 1: Invalid IRI"),
    "empty.ttl": (lambda: "", "file is empty"),
    "gzip.ttl": (lambda: gzip.compress(b"<http://e/a> <http://e/b> <http://e/c> .\n"), "gzip"),
    "utf16.ttl": (
        lambda: "<http://e/a> <http://e/b> <http://e/c> .\n".encode("utf-16"),
        "UTF-16",
    ),
    "deep.jsonld": (
        lambda: '{"@id": "http://e/a", "http://e/p": '
        + '{"http://e/p": ' * 5000
        + '"x"'
        + "}" * 5000
        + "}",
        "nested too deeply",
    ),
    "nul.ttl": (lambda: b'<http://e/a> <http://e/b> "a\x00' + b"\x00" * 500 + b'" .\n<a> \x00 .\n',
                "line 2"),
}
# Cases run through every loading command (the others through kg stats).
EVERY_COMMAND = {"laughs.rdf", "xxe.rdf", "deep.rdf", "biglit.nt", "space.ttl"}


def write(path: Path, content: object) -> Path:
    data = content() if callable(content) else content
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)  # type: ignore[arg-type]
    return path


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_gives_one_line_and_exit_2(tmp_path, name):
    content, expected = HOSTILE[name]
    path = write(tmp_path / name, content)
    assert_refused(kg("stats", "--data", str(path)), str(path), expected)


@pytest.mark.parametrize("name", sorted(EVERY_COMMAND))
def test_hostile_file_is_refused_by_every_loading_command(tmp_path, listener, name):
    content, expected = HOSTILE[name]
    path = write(tmp_path / name, content)
    for args in loading_commands(str(path), tmp_path, listener.url("store")):
        assert_refused(kg(*args), str(path), expected)
    assert listener.connections == 0
    assert not list(tmp_path.glob("out*"))


def test_external_entity_file_is_never_opened(tmp_path):
    """The XXE target is a FIFO: opening it would block; a sentinel sees whether it was."""
    fifo = tmp_path / "secret"
    os.mkfifo(fifo)
    path = write(tmp_path / "xxe.rdf", external_entity(fifo.as_uri()))
    opened = _fifo_sentinel(fifo)
    assert_refused(kg("stats", "--data", str(path)), str(path), "refused")
    assert not opened(), "the external entity's file was opened"


def _fifo_sentinel(fifo: Path):  # type: ignore[no-untyped-def]
    """A callable telling whether anyone has opened ``fifo`` for reading so far."""
    seen = threading.Event()
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # ENXIO: no reader
                time.sleep(0.02)
                continue
            seen.set()
            os.close(fd)
            return

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()

    def opened() -> bool:
        stop.set()
        thread.join()
        return seen.is_set()

    return opened


# --- JSON-LD contexts are never fetched or read ---------------------------------------------


@pytest.mark.parametrize("where", ["remote", "file", "relative", "import", "scoped"])
def test_jsonld_context_is_never_fetched_or_read(tmp_path, listener, where):
    fifo = tmp_path / "context.jsonld"
    os.mkfifo(fifo)  # a context read from here would hang the parser
    context = {
        "remote": f'"{listener.url("context.jsonld")}"',
        "file": f'"{fifo.as_uri()}"',
        "relative": '"context.jsonld"',
        "import": f'{{"@import": "{listener.url("c.jsonld")}"}}',
        "scoped": f'{{"p": {{"@id": "http://e/p", "@context": "{listener.url("s.jsonld")}"}}}}',
    }[where]
    path = write(
        tmp_path / "doc.jsonld",
        f'{{"@context": {context}, "@id": "http://e/a", "http://e/q": "x"}}',
    )
    opened = _fifo_sentinel(fifo)
    for args in loading_commands(str(path), tmp_path, listener.url("store")):
        assert_refused(kg(*args), str(path), "kg never fetches or reads")
    assert listener.connections == 0
    assert not opened()


def test_inline_jsonld_context_loads(tmp_path):
    path = write(
        tmp_path / "doc.jsonld",
        '{"@context": {"ex": "http://e/", "q": {"@id": "ex:q"}}, "@id": "ex:a", '
        '"q": ["x", "y"], "ex:r": {"@id": "ex:b"}}',
    )
    assert triple_count(kg("stats", "--data", str(path))) == 3


# --- Real ontologies' internal entities, BOMs, deep Turtle: one answer ----------------------

OWL_WITH_ENTITIES = f"""{XML_HEAD}<!DOCTYPE rdf:RDF [
    <!ENTITY owl "http://www.w3.org/2002/07/owl#" >
    <!ENTITY xsd "http://www.w3.org/2001/XMLSchema#" >
    <!ENTITY ex "http://e/" >
]>
<rdf:RDF xmlns:rdf="{RDF}" xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"
         xmlns:owl="http://www.w3.org/2002/07/owl#" xml:base="http://e/onto">
    <owl:Ontology rdf:about="&ex;onto"/>
    <owl:Class rdf:about="&ex;Thing">
        <rdfs:label rdf:datatype="&xsd;string">a thing &amp; more</rdfs:label>
    </owl:Class>
    <owl:DatatypeProperty rdf:about="&ex;size">
        <rdfs:range rdf:resource="&xsd;integer"/>
    </owl:DatatypeProperty>
</rdf:RDF>
"""

ONE_ANSWER: dict[str, tuple[object, int]] = {
    # name: (content, the triple count, by hand)
    "owl.rdf": (OWL_WITH_ENTITIES, 5),
    "bom.ttl": (b"\xef\xbb\xbf@prefix ex: <http://e/> .\nex:a ex:b ex:c , ex:d .\n", 2),
    "bom.nt": (b"\xef\xbb\xbf<http://e/a> <http://e/b> <http://e/c> .\n", 1),
    "deep-bnodes.ttl": (
        "<http://e/a> <http://e/b> " + "[ <http://e/p> " * 3000 + "1" + " ]" * 3000 + " .\n",
        3001,
    ),
    "deep-list.ttl": ("<http://e/a> <http://e/b> " + "( " * 3000 + ")" * 3000 + " .\n", 5999),
    "long-iri.nt": ("<http://e/" + "a" * 100_000 + "> <http://e/b> <http://e/c> .\n", 1),
    "long-line.nt": ('<http://e/a> <http://e/b> "' + "y" * 5_000_000 + '" .\n', 1),
}


@pytest.mark.parametrize("name", sorted(ONE_ANSWER))
def test_odd_but_valid_file_gives_its_count(tmp_path, name):
    content, expected = ONE_ANSWER[name]
    path = write(tmp_path / name, content)
    assert triple_count(kg("stats", "--data", str(path))) == expected


def test_owl_entities_export_and_validate(tmp_path):
    path = write(tmp_path / "owl.rdf", OWL_WITH_ENTITIES)
    exported = kg("export", "--data", str(path), "--format", "nt")
    assert exported.code == 0, exported
    assert "<http://e/Thing> <http://www.w3.org/2000/01/rdf-schema#label> " in exported.stdout
    assert '"a thing & more"' in exported.stdout
    assert len(exported.stdout.splitlines()) == 5
    assert "Traceback" not in kg("validate", str(path)).stderr


def test_directory_and_missing_file_are_one_line(tmp_path):
    assert_refused(kg("stats", "--data", str(tmp_path)), str(tmp_path),
                   "is a directory")
    gone = tmp_path / "gone.ttl"
    assert_refused(kg("stats", "--data", str(gone)), str(gone), "no such file")


# --- Standard input, FIFOs and pipes: read exactly once -------------------------------------

TURTLE = b"@prefix ex: <http://e/> .\nex:a ex:b ex:c , ex:d .\n"
NTRIPLES = b"<http://e/a> <http://e/b> <http://e/c> .\n"
JSONLD = b'{"@id": "http://e/a", "http://e/b": [{"@id": "http://e/c"}, "x"]}'
RDFXML = (
    f'{XML_HEAD}{RDF_OPEN}<rdf:Description rdf:about="http://e/a"><ex:b>x</ex:b>'
    "</rdf:Description></rdf:RDF>\n"
).encode()


@pytest.mark.parametrize(
    "content,expected", [(TURTLE, 2), (NTRIPLES, 1), (JSONLD, 2), (RDFXML, 1)]
)
def test_standard_input_syntax_is_sniffed(content, expected):
    assert triple_count(kg("stats", "--data", "-", stdin=content)) == expected


def test_standard_input_with_explicit_syntax_and_dev_stdin():
    nquads = b"<http://e/a> <http://e/b> <http://e/c> <http://e/g> .\n"
    result = kg("stats", "--data", "-", "--syntax", "nquads", stdin=nquads)
    assert triple_count(result) == 1
    assert triple_count(kg("stats", "--data", "-", stdin=nquads)) == 1
    assert triple_count(kg("stats", "--data", "/dev/stdin", stdin=TURTLE)) == 2


def test_standard_input_everywhere_else(tmp_path):
    exported = kg("export", "--data", "-", "--format", "nt", stdin=TURTLE)
    assert exported.code == 0, exported
    assert exported.stdout.count("\n") == 2
    asked = kg("query", "ASK { <http://e/a> ?p <http://e/d> }", "--data", "-", stdin=TURTLE)
    assert asked.code == 0 and asked.stdout.strip() == "true", asked
    out = tmp_path / "view.html"
    drawn = kg("viz", "--data", "-", "-o", str(out), stdin=TURTLE)
    assert drawn.code == 0 and out.exists(), drawn


def test_standard_input_that_cannot_be_told_or_is_given_twice():
    assert_refused(kg("stats", "--data", "-", stdin=b"hello world\n"), "-",
                   "cannot tell the RDF syntax from the content")
    assert_refused(kg("stats", "--data", "-", stdin=b" \n"), "-",
                   "standard input is empty")
    twice = kg("stats", "--data", "-", "--data", "-", stdin=TURTLE)
    assert_refused(twice, "-", "only once")


def _feed_fifo(fifo: Path, content: bytes) -> threading.Thread:
    def feed() -> None:
        with fifo.open("wb") as out:
            out.write(content)

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("name", ["graph.ttl", "graph"])
def test_fifo_is_read_once(tmp_path, name):
    fifo = tmp_path / name
    os.mkfifo(fifo)
    writer = _feed_fifo(fifo, TURTLE)
    assert triple_count(kg("stats", "--data", str(fifo))) == 2
    writer.join(timeout=10)
    assert not writer.is_alive()
    writer = _feed_fifo(fifo, TURTLE)
    exported = kg("export", "--data", str(fifo), "--format", "nt")
    writer.join(timeout=10)
    assert exported.code == 0 and exported.stdout.count("\n") == 2, exported


def test_fifo_with_hostile_content_is_checked_like_a_file(tmp_path):
    fifo = tmp_path / "laughs.rdf"
    os.mkfifo(fifo)
    writer = _feed_fifo(fifo, billion_laughs().encode())
    result = kg("stats", "--data", str(fifo))
    writer.join(timeout=10)
    assert_refused(result, str(fifo), "expands to more than")


@pytest.mark.parametrize(
    "command", [["stats"], ["export", "-f", "nt"], ["query", "article-q4"], ["validate"]]
)
def test_an_n3_formula_gets_one_answer_from_every_command(run_kg, tmp_path, command):
    """N3 formulas are not RDF: every command refuses them alike (one engine, one answer)."""
    data = tmp_path / "formula.n3"
    data.write_text("@prefix : <http://e/> .\n:a :says { :b :c :d } .\n", encoding="utf-8")
    result = run_kg(*command, "--data", str(data))
    assert result.code == 2, result
    assert result.stderr == (
        f"kg: {data}: N3 formulas ({{ ... }} as a term) are not RDF; kg reads N3 without them\n"
    )
