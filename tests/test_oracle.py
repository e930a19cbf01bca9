"""rdflib as an independent oracle for kg's one query engine (Oxigraph).

Every catalogue query (with the article's parameters, and with parameters that find something
in a generated graph), a few ad-hoc queries, the ``kg stats`` figures and every input syntax
go through kg (``kg.load``, ``kg.query``, ``kg.compute_stats`` and the command line) and
through rdflib on its own: rdflib parses the same files itself and runs the same query text
with its own SPARQL engine (``graph.query(text, initNs=..., initBindings=...)``). Both answers
are turned into neutral terms (:func:`kg.terms.neutral`) and compared as multisets of rows,
in order where the query has a top-level ORDER BY, and graphs up to blank-node renaming.

The command-line query path must not import rdflib; bad files are named with their line; a
long load shows progress on a terminal and nothing when piped.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.compare import isomorphic

import kg
from kg.errors import InputError
from kg.prefixes import PREFIXES, shorten
from kg.querying import catalogue, params, querytext
from kg.querying.results import Rows, Triples
from kg.stats import stats_from
from kg.terms import Term, literal, neutral

from .conftest import BUNDLED_FILES, FIXTURES, REPO
from .terminal import run_on_terminal
from .test_catalogue import CASE_IDS, CASES, ORDER_KEYS, ordered_rows

ORDERED_CASES = [case for case in CASES if case[1] in ORDER_KEYS]

SYN = "https://w3id.org/ssp-kg/synthetic/"

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
# (a LIMIT only with ORDER BY: which rows a bare LIMIT keeps is up to the engine).
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


# --- The oracle: rdflib on its own -----------------------------------------------------------


def oracle_graph(paths: list[Path]) -> Graph:
    """The flat graph rdflib parses from ``paths``: a set, every named graph merged in."""
    graph = Graph()
    for path in paths:
        if path.suffix in (".nq", ".trig"):
            dataset = Dataset()
            dataset.parse(path)
            for s, p, o, _ in dataset.quads((None, None, None, None)):
                graph.add((s, p, o))
        else:
            graph.parse(path)
    return graph


def _rdflib(term: Term) -> URIRef | BNode | Literal:
    """The rdflib term, converted here rather than by kg.terms.to_rdflib, so that the oracle
    shares no code with what it checks."""
    if term.kind == "iri":
        return URIRef(term.value)
    if term.kind == "bnode":
        return BNode(term.value)
    datatype = URIRef(term.datatype) if term.datatype else None
    return Literal(term.value, lang=term.lang, datatype=datatype)


def oracle_answer(graph: Graph, text: str, bindings: dict[str, Term] | None = None):
    """rdflib's own answer to ``text``: a bool, a Graph, or (vars, rows of neutral terms)."""
    initial = {Variable(name): _rdflib(term) for name, term in (bindings or {}).items()}
    result = graph.query(text, initNs=PREFIXES, initBindings=initial)
    if result.type == "ASK":
        return bool(result.askAnswer)
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return result.graph
    names = [str(v) for v in result.vars]
    rows = [{name: neutral(row.asdict().get(name)) for name in names} for row in result]
    if re.search(r"GROUP\s+BY", text, re.I) and rows == [dict.fromkeys(names)]:
        rows = []  # rdflib answers a GROUP BY that matched nothing with one empty row (#3382)
    return names, rows


def _cell(term: Term | None) -> Term | str | None:
    """A term as compared: blank nodes as one placeholder (their labels are each engine's)."""
    return "_:" if term is not None and term.kind == "bnode" else term


def _blanks(rows: list[dict[str, Term | None]]) -> int:
    return len({t for row in rows for t in row.values() if t is not None and t.kind == "bnode"})


def rdflib_graph(triples: Triples) -> Graph:
    """An rdflib Graph of kg's triples (converted here, not by kg)."""
    graph = Graph()
    for s, p, o in triples:
        graph.add((_rdflib(s), _rdflib(p), _rdflib(o)))
    return graph


def assert_same_answer(ours, oracle, text: str, what: str) -> None:
    """kg's answer (Rows, bool or Triples) is rdflib's: multisets, or in order if ordered."""
    shape = querytext.shape(text)
    if isinstance(oracle, bool):
        assert ours is oracle, what
        return
    if isinstance(oracle, Graph):
        assert isinstance(ours, Triples), what
        assert len(set(ours)) == len(ours) == len(oracle), what
        assert isomorphic(rdflib_graph(ours), oracle), what
        return
    names, expected = oracle
    assert isinstance(ours, Rows), what
    assert (set(ours.vars) if shape.star else ours.vars) == (set(names) if shape.star else names)
    actual = [{name: neutral(row.get(name)) for name in names} for row in ours]
    mine = [tuple(_cell(row[name]) for name in names) for row in actual]
    theirs = [tuple(_cell(row[name]) for name in names) for row in expected]
    if shape.ordered:
        assert mine == theirs, f"{what}: not rdflib's rows in rdflib's order"
    else:
        assert Counter(mine) == Counter(theirs), f"{what}: not rdflib's rows"
    assert _blanks(actual) == _blanks(expected), f"{what}: not as many blank nodes"


# --- Both sides, loaded once -----------------------------------------------------------------


@pytest.fixture(scope="module")
def loaded(generated):
    """(kg's graph, rdflib's own graph) for each way of loading."""
    ways = {
        "bundled": ([], True, BUNDLED_FILES),
        "generated": ([generated], False, [generated]),
        "generated+bundled": ([generated], True, [*BUNDLED_FILES, generated]),
    }
    return {
        name: (kg.load(paths, bundled=bundled), oracle_graph(files))
        for name, (paths, bundled, files) in ways.items()
    }


def _check_case(loaded_pair, name: str, params_: dict[str, str], what: str):
    ours_graph, oracle = loaded_pair
    named = catalogue.get(name)
    expected = oracle_answer(oracle, named.text, params.bind_terms(named, params_))
    assert_same_answer(kg.query(name, params_, graph=ours_graph), expected, named.text, what)
    return expected


@pytest.mark.parametrize("stem, name, params_", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("graph", ["bundled", "generated+bundled"])
def test_catalogue_answers_are_the_oracles(loaded, graph, stem, name, params_):
    _check_case(loaded[graph], name, params_, f"{stem} on {graph}")


@pytest.mark.parametrize("stem, name, params_", ORDERED_CASES, ids=[c[0] for c in ORDERED_CASES])
def test_ordered_answers_come_in_the_expected_order(loaded, stem, name, params_):
    """Not only rdflib's order: the order of the expected file, written from the article."""
    rows = kg.query(name, params_, graph=loaded["bundled"][0])
    keys, expected = ordered_rows(stem)
    actual = [tuple(_text(row.get(key)) for key in keys) for row in rows]
    assert actual == expected, f"{stem}: rows out of ORDER BY {keys}"


def _text(term) -> str:
    if term is None:
        return ""
    term = neutral(term)
    return shorten(term.value) if term.kind == "iri" else term.value


@pytest.mark.parametrize(
    "stem, name, params_", SYNTHETIC_CASES, ids=[case[0] for case in SYNTHETIC_CASES]
)
@pytest.mark.parametrize("graph", ["generated", "generated+bundled"])
def test_synthetic_parameters_give_the_oracles_answer(loaded, graph, stem, name, params_):
    expected = _check_case(loaded[graph], name, params_, f"{stem} on {graph}")
    # Something was found beside the bundled graph, so the comparison means something (alone,
    # the generated graph lacks the ontology's classes and the article's sections).
    if graph == "generated+bundled":
        assert _found(expected)


def _found(answer) -> bool:
    if isinstance(answer, bool):
        return True
    return bool(len(answer if isinstance(answer, Graph) else answer[1]))


@pytest.mark.parametrize("text", AD_HOC)
@pytest.mark.parametrize("graph", ["generated", "generated+bundled"])
def test_ad_hoc_queries_give_the_oracles_answer(loaded, graph, text):
    ours_graph, oracle = loaded[graph]
    expected = oracle_answer(oracle, text)
    assert_same_answer(kg.query(text, graph=ours_graph), expected, text, f"{text} on {graph}")
    assert _found(expected)


@pytest.mark.parametrize("graph", ["bundled", "generated", "generated+bundled"])
def test_stats_are_the_oracles(loaded, graph):
    """kg stats' figures, and the same internal queries run by rdflib on its own parse."""
    ours_graph, oracle = loaded[graph]
    figures = kg.compute_stats(ours_graph).as_dict()
    expected = stats_from(lambda text: list(oracle.query(text, initNs=PREFIXES)), len(oracle))
    assert figures == expected.as_dict()
    assert figures["triples"] == len(oracle) > 0
    assert figures["relations"] > 0


# --- The command line against the oracle ---------------------------------------------------


def _json_rows(text: str) -> Rows | bool:
    """A SPARQL 1.1 Results JSON document as Rows of neutral terms (or a bool)."""
    document = json.loads(text)
    if "boolean" in document:
        return document["boolean"]
    names = document["head"]["vars"]
    rows = []
    for binding in document["results"]["bindings"]:
        row: dict[str, Term | None] = dict.fromkeys(names)
        for name, cell in binding.items():
            if cell["type"] == "uri":
                row[name] = Term("iri", cell["value"])
            elif cell["type"] == "bnode":
                row[name] = Term("bnode", cell["value"])
            else:
                row[name] = literal(cell["value"], cell.get("datatype"), cell.get("xml:lang"))
        rows.append(row)
    return Rows(vars=names, rows=rows)


def _nt_triples(text: str) -> Triples:
    graph = Graph().parse(data=text, format="nt")
    return Triples(triples=[(neutral(s), neutral(p), neutral(o)) for s, p, o in graph])


def _cli_answer(run_kg, query: str, params_: dict[str, str], *data: Path):
    named = catalogue.get(query) if query in catalogue.names() else None
    kind = querytext.shape(named.text if named else query).kind
    fmt = "nt" if kind in ("CONSTRUCT", "DESCRIBE") else "json"
    args = ["query", query, "-f", fmt]
    for key, value in params_.items():
        args += ["-p", f"{key}={value}"]
    for path in data:
        args += ["--data", str(path)]
    result = run_kg(*args)
    assert result.code in (0, 1) and result.stderr == "", result
    return _nt_triples(result.stdout) if fmt == "nt" else _json_rows(result.stdout)


@pytest.mark.parametrize("stem, name, params_", CASES, ids=CASE_IDS)
def test_the_command_line_gives_the_oracles_answer(run_kg, loaded, stem, name, params_):
    named = catalogue.get(name)
    oracle = loaded["bundled"][1]
    expected = oracle_answer(oracle, named.text, params.bind_terms(named, params_))
    assert_same_answer(_cli_answer(run_kg, name, params_), expected, named.text, stem)


@pytest.mark.parametrize(
    "stem, name, params_", SYNTHETIC_CASES, ids=[case[0] for case in SYNTHETIC_CASES]
)
def test_the_command_line_on_a_file_gives_the_oracles_answer(
    run_kg, loaded, generated, stem, name, params_
):
    named = catalogue.get(name)
    expected = oracle_answer(loaded["generated"][1], named.text, params.bind_terms(named, params_))
    ours = _cli_answer(run_kg, name, params_, generated)
    assert_same_answer(ours, expected, named.text, stem)


# --- How files become one graph ------------------------------------------------------------

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def test_a_triple_in_two_files_counts_once(tmp_path):
    """The default graph is a set, like the flat graph rdflib parses from both files."""
    line = "<http://e/a> <http://e/b> <http://e/c> .\n"
    first, second = tmp_path / "one.nt", tmp_path / "two.ttl"
    first.write_text(line + "<http://e/a> <http://e/b> <http://e/d> .\n", encoding="utf-8")
    second.write_text(line, encoding="utf-8")
    graph = kg.load([first, second])
    oracle = oracle_graph([first, second])
    assert kg.query(COUNT, graph=graph).values("n") == [2]
    assert_same_answer(kg.query(COUNT, graph=graph), oracle_answer(oracle, COUNT), COUNT, "count")
    assert graph.triple_count() == len(graph) == kg.compute_stats(graph).triples == 2


def test_quad_files_keep_their_graphs_and_are_queried_as_one(tmp_path):
    path = tmp_path / "quads.nq"
    path.write_text(
        "<http://e/a> <http://e/b> <http://e/c> <http://e/g1> .\n"
        "<http://e/a> <http://e/b> <http://e/d> <http://e/g2> .\n"
        "<http://e/a> <http://e/b> <http://e/d> <http://e/g1> .\n",
        encoding="utf-8",
    )
    graph = kg.load([path])
    assert {"http://e/g1", "http://e/g2"} <= set(graph.names())
    assert graph.triple_count() == 2  # the triple in both graphs is one triple of the union
    text = "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o"
    assert kg.query(text, graph=graph).values("o") == ["http://e/c", "http://e/d"]
    oracle = oracle_graph([path])
    assert_same_answer(kg.query(text, graph=graph), oracle_answer(oracle, text), text, "quads")
    assert_same_answer(kg.query(COUNT, graph=graph), oracle_answer(oracle, COUNT), COUNT, "count")


EVERYTHING = "CONSTRUCT WHERE { ?s ?p ?o }"


@pytest.mark.parametrize("suffix", [".ttl", ".nt", ".rdf", ".jsonld", ".nq", ".trig"])
def test_every_syntax_loads_the_triples_rdflib_reads(tmp_path, run_kg, suffix):
    source = Graph().parse(FIXTURES / "valid" / "minimal.ttl")
    path = tmp_path / f"graph{suffix}"
    if suffix in (".nq", ".trig"):
        dataset = Dataset()
        named = dataset.graph(URIRef("http://example.org/graph"))
        for triple in source:
            named.add(triple)
        dataset.serialize(destination=path, format={".nq": "nquads", ".trig": "trig"}[suffix])
    else:
        syntax = {".ttl": "turtle", ".nt": "nt", ".rdf": "xml", ".jsonld": "json-ld"}[suffix]
        source.serialize(destination=path, format=syntax)
    expected = oracle_answer(oracle_graph([path]), EVERYTHING)
    assert isomorphic(expected, source) and len(expected) > 5
    ours = kg.query(EVERYTHING, graph=kg.load([path]))
    assert_same_answer(ours, expected, EVERYTHING, suffix)
    assert_same_answer(_cli_answer(run_kg, EVERYTHING, {}, path), expected, EVERYTHING, suffix)


# --- Bad input: the line named ---------------------------------------------------------------

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
def test_a_bad_file_is_named_with_its_line(tmp_path, name):
    content, line = BAD_FILES[name]
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        kg.load([path])
    assert caught.value.where == str(path)
    assert caught.value.message.startswith(f"line {line}: "), caught.value
    assert "\n" not in caught.value.message
    if name == "latin1.ttl":
        assert caught.value.message == "line 2: not UTF-8 (byte 0xe9)"


@pytest.mark.parametrize(
    "text, message",
    [
        ("SELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTER(?s = ) }", "line 3, column "),
        ("SELECT ?s WHERE {\n  ?s ?p ?o", "line 2, column 11: the query ends too early"),
        ("DROP ALL ; INSERT {", "SPARQL Update is not allowed"),
        ("SELECT * WHERE { ?s a foaf:Person }", "line 1, column 23: unknown prefix 'foaf:'"),
    ],
)
def test_a_bad_query_is_refused_with_its_place(text, message):
    with pytest.raises(InputError) as caught:
        kg.query(text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


# --- The command line ----------------------------------------------------------------------


def _imported(*args: str) -> set[str]:
    """The top-level packages `python -X importtime -m kg ARGS` imports."""
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "kg", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
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


# --- Progress on a terminal, silence in a pipe ---------------------------------------------


@pytest.fixture(scope="module")
def large_file(tmp_path_factory) -> Path:
    return _generate(tmp_path_factory.mktemp("large") / "large.nt", 20000)


def _stats_env() -> dict[str, str]:
    # A 2 MB file counts as long here, so the test needs no 100,000-triple file.
    return {**os.environ, "KG_PROGRESS_BYTES": "100000"}


def test_a_long_load_shows_progress_on_a_terminal(large_file):
    run = run_on_terminal(
        [sys.executable, "-m", "kg", "stats", "--json", "--data", str(large_file)],
        terminal="stderr",
        cwd=REPO,
        env=_stats_env(),
    )
    assert run.code == 0
    shown = run.shown.decode()
    assert "kg: loading large.nt (2 MB)  [" in shown and "%" in shown  # click's bar
    assert shown.endswith("\x1b[?25h\r\x1b[K")  # cursor shown again, line cleared after
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
