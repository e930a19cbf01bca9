"""The two engines: Oxigraph for the command line, rdflib for the Python API and as fallback.

Every catalogue query runs on both, on the bundled graph and on a generated graph (with and
without the bundled one), and every output format must give the same bytes. The command-line
query path must not import rdflib; bad files get the same one-line errors, at the same line,
from both engines; a long load shows progress on a terminal and nothing when piped.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kg import catalogue, engines, params, results
from kg.errors import InputError
from kg.prefixes import shorten
from kg.terms import neutral

from .conftest import FIXTURES, REPO
from .terminal import run_on_terminal
from .test_catalogue import CASE_IDS, CASES, ORDER_KEYS, ordered_rows

ORDERED_CASES = [case for case in CASES if case[1] in ORDER_KEYS]

SYN = "https://w3id.org/ssp-kg/synthetic/"
OXIGRAPH = engines.pick("oxigraph")
RDFLIB = engines.pick("rdflib")

# Parameter sets that find something in the generated graph.
SYNTHETIC_CASES: list[tuple[str, str, dict[str, str]]] = [
    ("neighbourhood-c20", "concept-neighbourhood", {"concept": SYN + "c20", "depth": "2"}),
    ("evidence-c3", "concept-evidence", {"concept": SYN + "c3"}),
    ("connected-1", "most-connected", {"min": "1"}),
    ("labels-global", "label-search", {"text": "global"}),
    ("hierarchy-all", "skos-hierarchy", {}),
    ("mitigated-c25", "challenge-is-mitigated", {"challenge": SYN + "c25"}),
]
# Queries outside the catalogue: blank nodes in rows and in graphs, SELECT *, no ORDER BY
# (a LIMIT only with ORDER BY: which rows a bare LIMIT keeps is up to the engine; and rows
# that differ only in blank nodes shared with other rows keep the engine's order).
AD_HOC = [
    "SELECT * WHERE { ?s a skos:Concept ; ssp:evidence ?e . ?e ssp:anchor ?a ; ssp:paragraph ?p }",
    "SELECT ?e ?a WHERE { ?e a ssp:Evidence ; ssp:anchor ?a } ORDER BY ?a LIMIT 40",
    "CONSTRUCT { ?st ?p ?o . ?o ?q ?r } WHERE { ?st a rdf:Statement ; rdf:subject ?s ; ?p ?o "
    "OPTIONAL { ?o ?q ?r } FILTER(STRENDS(STR(?s), '0')) }",
    "ASK { ?s ssp:faces ?o }",
    "SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?subjects) WHERE { ?s ?p ?o }",
]


def _generate(path: Path, triples: int) -> Path:
    spec = importlib.util.spec_from_file_location("generate", REPO / "benchmarks" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.write(path, triples)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    return _generate(tmp_path_factory.mktemp("generated") / "synthetic.nt", 6000)


@pytest.fixture(scope="module")
def loaded(generated):
    """(oxigraph graph, rdflib graph) for each way of loading."""
    ways = {
        "bundled": ([], True),
        "generated": ([str(generated)], False),
        "generated+bundled": ([str(generated)], True),
    }
    return {
        name: (OXIGRAPH.load(paths, bundled, None), RDFLIB.load(paths, bundled, None))
        for name, (paths, bundled) in ways.items()
    }


def _outputs(named, bindings, ox_graph, rd_graph) -> tuple[dict[str, str], dict[str, str]]:
    ox_result = OXIGRAPH.run(OXIGRAPH.compile(named), bindings, ox_graph)
    rd_result = RDFLIB.run(RDFLIB.compile(named), bindings, rd_graph)
    assert results.is_graph(ox_result) == results.is_graph(rd_result)
    formats = results.GRAPH_FORMATS if results.is_graph(ox_result) else results.SELECT_FORMATS
    return (
        {fmt: results.format_result(ox_result, fmt) for fmt in formats},
        {fmt: results.format_result(rd_result, fmt) for fmt in formats},
    )


@pytest.mark.parametrize("stem, name, params_", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("graph", ["bundled", "generated+bundled"])
def test_catalogue_gives_the_same_bytes_on_both_engines(loaded, graph, stem, name, params_):
    named = catalogue.get(name)
    from_oxigraph, from_rdflib = _outputs(named, params.bind_terms(named, params_), *loaded[graph])
    for fmt, text in from_rdflib.items():
        assert from_oxigraph[fmt] == text, f"{stem} as {fmt} differs on {graph}"


@pytest.mark.parametrize("stem, name, params_", ORDERED_CASES, ids=[c[0] for c in ORDERED_CASES])
@pytest.mark.parametrize("engine_name", ["oxigraph", "rdflib"])
def test_ordered_answers_come_in_the_expected_order(loaded, engine_name, stem, name, params_):
    """Not only the same bytes on both engines: the order of the expected file."""
    named = catalogue.get(name)
    ox_graph, rd_graph = loaded["bundled"]
    engine, graph = (OXIGRAPH, ox_graph) if engine_name == "oxigraph" else (RDFLIB, rd_graph)
    rows = engine.run(engine.compile(named), params.bind_terms(named, params_), graph)
    keys, expected = ordered_rows(stem)
    actual = [tuple(_text(row.get(key)) for key in keys) for row in rows]
    assert actual == expected, f"{stem} on {engine_name}: rows out of ORDER BY {keys}"


def _text(term) -> str:
    if term is None:
        return ""
    term = neutral(term)
    return shorten(term.value) if term.kind == "iri" else term.value


@pytest.mark.parametrize(
    "stem, name, params_", SYNTHETIC_CASES, ids=[case[0] for case in SYNTHETIC_CASES]
)
def test_synthetic_parameters_give_the_same_bytes(loaded, stem, name, params_):
    named = catalogue.get(name)
    from_oxigraph, from_rdflib = _outputs(
        named, params.bind_terms(named, params_), *loaded["generated"]
    )
    assert from_oxigraph == from_rdflib
    # Something was found, so the comparison means something.
    assert any(len(text.splitlines()) > 2 for text in from_oxigraph.values()) or (
        from_oxigraph.get("csv") in ("true\n", "false\n")
    )


@pytest.mark.parametrize("text", AD_HOC)
@pytest.mark.parametrize("graph", ["generated", "generated+bundled"])
def test_ad_hoc_queries_give_the_same_bytes(loaded, graph, text):
    named = catalogue.from_text(text, "query", "<query>")
    from_oxigraph, from_rdflib = _outputs(named, {}, *loaded[graph])
    assert from_oxigraph == from_rdflib
    assert all(text.strip() for text in from_oxigraph.values())


@pytest.mark.parametrize("graph", ["bundled", "generated", "generated+bundled"])
def test_stats_are_the_same_on_both_engines(loaded, graph):
    ox_graph, rd_graph = loaded[graph]
    figures = OXIGRAPH.stats(ox_graph).as_dict()
    assert figures == RDFLIB.stats(rd_graph).as_dict()
    assert figures["triples"] == len(rd_graph.graph) > 0
    assert figures["relations"] > 0


def test_a_triple_in_two_files_counts_once(tmp_path):
    """Like rdflib's flat graph, the Oxigraph default graph is a set."""
    line = "<http://e/a> <http://e/b> <http://e/c> .\n"
    first, second = tmp_path / "one.nt", tmp_path / "two.ttl"
    first.write_text(line + "<http://e/a> <http://e/b> <http://e/d> .\n", encoding="utf-8")
    second.write_text(line, encoding="utf-8")
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    named = catalogue.from_text(count, "query", "<query>")
    for engine in (OXIGRAPH, RDFLIB):
        graph = engine.load([str(first), str(second)], False, None)
        rows = engine.run(engine.compile(named), {}, graph)
        assert rows.values("n") == [2], engine.name


def test_quad_files_keep_their_graphs_and_are_queried_as_one(tmp_path):
    path = tmp_path / "quads.nq"
    path.write_text(
        "<http://e/a> <http://e/b> <http://e/c> <http://e/g1> .\n"
        "<http://e/a> <http://e/b> <http://e/d> <http://e/g2> .\n",
        encoding="utf-8",
    )
    graph = OXIGRAPH.load([str(path)], False, None)
    assert graph.triple_count() == 2
    named = catalogue.from_text("SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o", "q", "<q>")
    assert OXIGRAPH.run(OXIGRAPH.compile(named), {}, graph).values("o") == [
        "http://e/c",
        "http://e/d",
    ]


# --- Bad input: same errors, same lines ----------------------------------------------------

BAD_FILES = {
    "broken.ttl": ('@prefix ex: <http://e/> .\nex:a ex:b ex:c .\nex:a ex:b "open .\n', 3),
    "broken.nt": ("<http://e/a> <http://e/b> <http://e/c> .\n<http://e/a> <http://e/b> c .\n", 2),
    "broken.rdf": (
        "<?xml version='1.0'?>\n<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
        "\n<rdf:Description>\n</rdf:RDF>\n",
        4,
    ),
    "broken.jsonld": ('{\n "@id": "http://e/a",\n "http://e/b": \n}\n', 4),
    "latin1.ttl": (b'<http://e/a> <http://e/b> "ok" .\n<http://e/a> <http://e/b> "caf\xe9" .\n', 2),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_both_engines_name_the_same_line(tmp_path, name):
    content, line = BAD_FILES[name]
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    messages = []
    for engine in (OXIGRAPH, RDFLIB):
        with pytest.raises(InputError) as caught:
            engine.load([str(path)], False, None)
        assert caught.value.where == str(path)
        assert caught.value.message.startswith(f"line {line}: "), (engine.name, caught.value)
        assert "\n" not in caught.value.message
        messages.append(caught.value.message)
    if name == "latin1.ttl":
        assert messages[0] == messages[1] == "line 2: not UTF-8 (byte 0xe9)"


@pytest.mark.parametrize(
    "text, message",
    [
        ("SELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTER(?s = ) }", "line 3, column "),
        ("SELECT ?s WHERE {\n  ?s ?p ?o", "line 2, column 11: the query ends too early"),
        ("DROP ALL ; INSERT {", "SPARQL Update is not allowed"),
        ("SELECT * WHERE { ?s a foaf:Person }", "line 1, column 23: unknown prefix 'foaf:'"),
    ],
)
def test_both_engines_refuse_a_query_the_same_way(text, message):
    named = catalogue.from_text(text, "query", "<query>")
    errors = []
    for engine in (OXIGRAPH, RDFLIB):
        with pytest.raises(InputError) as caught:
            engine.compile(named)
        errors.append(str(caught.value))
    assert errors[0] == errors[1]
    assert message in errors[0]


# --- The command line ----------------------------------------------------------------------


def _imported(*args: str) -> set[str]:
    """The top-level packages `python -X importtime -m kg ARGS` imports."""
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "kg", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "KG_ENGINE": ""},
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    modules = set()
    for line in completed.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            modules.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return modules


@pytest.mark.parametrize(
    "args",
    [
        ["query", "article-q4"],
        ["query", "concept-neighbourhood", "-p", "concept=kg:market-visibility", "-f", "jsonld"],
        ["query", "article-q4", "--data", str(FIXTURES / "sparql" / "tricky.ttl"), "-f", "table"],
        ["stats", "--json"],
    ],
)
def test_the_command_line_query_path_never_imports_rdflib(args):
    modules = _imported(*args)
    assert "kg" in modules and "pyoxigraph" in modules and "click" in modules
    assert "rdflib" not in modules
    assert "pyparsing" not in modules


def test_the_rdflib_engine_gives_the_same_cli_output(run_kg, monkeypatch):
    runs = [
        ["query", "article-q4", "-f", "table"],
        ["query", "challenge-mitigations", "-f", "json"],
        ["query", "concept-neighbourhood", "-p", "concept=kg:market-visibility", "-p", "depth=2"],
        ["query", "SELECT ?t ?c WHERE { ?t a ?c } ORDER BY ?t", "--data",
         str(FIXTURES / "sparql" / "tricky.ttl"), "-f", "table"],
        ["stats", "--json"],
    ]  # fmt: skip
    outputs = {}
    for engine in ("oxigraph", "rdflib"):
        monkeypatch.setenv("KG_ENGINE", engine)
        outputs[engine] = [run_kg(*args) for args in runs]
    for fast, slow in zip(outputs["oxigraph"], outputs["rdflib"], strict=True):
        assert fast.code == slow.code == 0, (fast, slow)
        assert fast.stdout == slow.stdout
    # The file's own prefix shortens its IRIs in the table on both engines.
    assert "ex:alpha" in outputs["oxigraph"][3].stdout
    assert json.loads(outputs["oxigraph"][4].stdout)["triples"] > 5000


def test_an_unknown_engine_is_refused(run_kg, monkeypatch):
    monkeypatch.setenv("KG_ENGINE", "jena")
    result = run_kg("query", "article-q4")
    assert result.code == 2
    assert result.stderr == "kg: KG_ENGINE: unknown engine 'jena' (known: oxigraph, rdflib)\n"


# --- Progress on a terminal, silence in a pipe ---------------------------------------------


@pytest.fixture(scope="module")
def large_file(tmp_path_factory) -> Path:
    return _generate(tmp_path_factory.mktemp("large") / "large.nt", 20000)


def _stats_env() -> dict[str, str]:
    # A 2 MB file counts as long here, so the test needs no 100,000-triple file.
    return {**os.environ, "KG_PROGRESS_BYTES": "100000", "KG_ENGINE": "oxigraph"}


def test_a_long_load_shows_progress_on_a_terminal(large_file):
    run = run_on_terminal(
        [sys.executable, "-m", "kg", "stats", "--json", "--data", str(large_file)],
        terminal="stderr",
        cwd=REPO,
        env=_stats_env(),
    )
    assert run.code == 0
    shown = run.shown.decode()
    assert "kg: loading large.nt [" in shown and "% of 2 MB" in shown
    assert shown.endswith("\r\x1b[K")  # the line is cleared once the load is done
    assert json.loads(run.other)["triples"] > 19000


def test_a_long_load_is_silent_when_piped(large_file):
    completed = subprocess.run(
        [sys.executable, "-m", "kg", "stats", "--json", "--data", str(large_file)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env=_stats_env(),
    )
    assert completed.returncode == 0
    assert completed.stderr == ""
    assert json.loads(completed.stdout)["triples"] > 19000


@pytest.mark.parametrize("suffix", [".ttl", ".nt", ".rdf", ".jsonld", ".nq", ".trig"])
def test_every_syntax_loads_the_same_triples_on_both_engines(tmp_path, suffix):
    source = RDFLIB.load([str(FIXTURES / "valid" / "minimal.ttl")], False, None)
    path = tmp_path / f"graph{suffix}"
    syntax = {".ttl": "turtle", ".nt": "nt", ".rdf": "xml", ".jsonld": "json-ld"}
    if suffix in (".nq", ".trig"):
        source.dataset.serialize(destination=path, format=suffix[1:].replace("nq", "nquads"))
    else:
        source.graph.serialize(destination=path, format=syntax[suffix])
    everything = catalogue.from_text("CONSTRUCT WHERE { ?s ?p ?o }", "query", "<query>")
    outputs = [
        results.format_result(
            engine.run(engine.compile(everything), {}, engine.load([str(path)], False, None)),
            "nt",
        )
        for engine in (OXIGRAPH, RDFLIB)
    ]
    assert outputs[0] == outputs[1]
    assert len(outputs[0].splitlines()) == len(source.graph)
