"""Loading: the bundled graph's named graphs, user files, and one-line errors on bad input."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import URIRef

import kg
from kg.namespaces import DATA_GRAPH, ONTOLOGY_GRAPH, SHAPES_GRAPH, SSP

from .conftest import FIXTURES


def test_bundled_graph_has_ontology_data_and_shapes_as_named_graphs(bundled):
    names = {str(g.identifier) for g in bundled.dataset.graphs() if len(g)}
    assert {ONTOLOGY_GRAPH, DATA_GRAPH, SHAPES_GRAPH} <= names
    # The flat view has the ontology and data but not the shapes.
    assert (URIRef(ONTOLOGY_GRAPH), None, None) in bundled.graph
    assert (None, URIRef("http://www.w3.org/ns/shacl#targetClass"), None) not in bundled.graph
    assert (SSP.faces, None, None) in bundled.graph


def test_user_file_replaces_bundled_graph_unless_asked():
    only_user = kg.load([FIXTURES / "valid" / "minimal.ttl"])
    both = kg.load([FIXTURES / "valid" / "minimal.ttl"], bundled=True)
    assert 0 < len(only_user.graph) < len(both.graph)
    assert (None, None, URIRef("https://w3id.org/ssp-kg/id/test-financing")) in only_user.graph


def test_explicit_syntax_overrides_extension(tmp_path):
    path = tmp_path / "graph.data"
    path.write_text("<http://e/a> <http://e/b> <http://e/c> .\n", encoding="utf-8")
    assert len(kg.load([path], syntax="nt").graph) == 1


BAD_INPUTS = {
    "missing.ttl": (None, "no such file"),
    "empty.ttl": ("  \n", "file is empty"),
    "broken.ttl": ('@prefix ex: <http://e/> .\nex:a ex:b ex:c .\nex:a ex:b "open .\n', "line 3"),
    "broken.nt": (
        "<http://e/a> <http://e/b> <http://e/c> .\n<http://e/a> <http://e/b> c .\n",
        "line 2",
    ),
    "broken.rdf": (
        "<?xml version='1.0'?>\n<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>\n"
        "<rdf:Description>\n</rdf:RDF>\n",
        "line 4",
    ),
    "broken.jsonld": ('{\n "@id": "http://e/a",\n "http://e/b": \n}\n', "line 4"),
    "latin1.ttl": (
        b'<http://e/a> <http://e/b> "ok" .\n<http://e/a> <http://e/b> "caf\xe9" .\n',
        "line 2: not UTF-8",
    ),
    "graph.xyz": ("<http://e/a> <http://e/b> <http://e/c> .\n", "cannot tell the RDF syntax"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_gives_one_line_naming_the_file_and_exit_2(run_kg, tmp_path, name):
    content, expected = BAD_INPUTS[name]
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    result = run_kg("stats", "--data", str(path))
    assert result.code == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result
    assert lines[0].startswith(f"kg: {path}: "), result
    assert expected in lines[0], result
    assert "Traceback" not in result.stderr


def test_unknown_syntax_name_is_rejected(run_kg):
    result = run_kg("stats", "--data", str(FIXTURES / "valid" / "minimal.ttl"), "--syntax", "yaml")
    assert result.code == 2
    assert result.stderr.startswith("kg: yaml: unknown RDF syntax")


@pytest.mark.parametrize(
    "suffix,syntax",
    [(".nt", "nt"), (".rdf", "xml"), (".jsonld", "json-ld"), (".nq", "nquads"), (".trig", "trig")],
)
def test_every_supported_syntax_loads(tmp_path: Path, suffix: str, syntax: str):
    source = kg.load([FIXTURES / "valid" / "minimal.ttl"])
    path = tmp_path / f"graph{suffix}"
    if syntax in ("nquads", "trig"):
        source.dataset.serialize(destination=path, format=syntax)
    else:
        source.graph.serialize(destination=path, format=syntax)
    loaded = kg.load([path])
    assert len(loaded.graph) == len(source.graph)


@pytest.mark.parametrize(
    "head,syntax",
    [
        (b'<?xml version="1.0"?>\n<rdf:RDF/>', "xml"),
        (b"<rdf:RDF xmlns:rdf='x'>", "xml"),
        (b'\xef\xbb\xbf{"@id": "http://e/a"}', "json-ld"),
        (b'[{"@id": "http://e/a"}]', "json-ld"),
        (b"# a comment\n@prefix ex: <http://e/> .", "turtle"),
        (b"PREFIX ex: <http://e/>", "turtle"),
        (b"<http://e/a> <http://e/b> <http://e/c> .", "turtle"),
        (b"_:b <http://e/b> <http://e/c> .", "turtle"),
        (b"# c\n<http://e/a> <http://e/b> \"x \\\" y\"@en <http://e/g> .\n", "nquads"),
        (b"_:b <http://e/b> _:c _:g .", "nquads"),
    ],
)
def test_syntax_is_sniffed_from_content(head: bytes, syntax: str):
    from kg.store.rdffiles import sniff_syntax

    assert sniff_syntax(head, "-") == syntax


@pytest.mark.parametrize("head", [b"hello world", b"ex:a ex:b ex:c .", b"\x00\x01"])
def test_content_that_cannot_be_told_is_refused(head: bytes):
    from kg.errors import InputError
    from kg.store.rdffiles import sniff_syntax

    with pytest.raises(InputError, match="cannot tell the RDF syntax from the content"):
        sniff_syntax(head, "-")


def test_python_api_reads_a_fifo_once(tmp_path: Path):
    import os
    import threading

    fifo = tmp_path / "graph.nt"
    os.mkfifo(fifo)
    lines = b"<http://e/a> <http://e/b> <http://e/c> .\n<http://e/a> <http://e/b> <http://e/d> .\n"

    def feed() -> None:
        with fifo.open("wb") as out:
            out.write(lines)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    loaded = kg.load([fifo])
    writer.join(timeout=10)
    assert len(loaded.graph) == 2
    assert loaded.sources == [str(fifo)]


def test_rdflib_loader_refuses_what_oxigraph_refuses(tmp_path: Path):
    from kg.errors import InputError

    path = tmp_path / "space.ttl"
    path.write_text("<http://e/a b> <http://e/b> <http://e/c> .\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 1: Invalid IRI code point ' '"):
        kg.load([path])


def test_a_file_that_vanishes_before_the_parse_is_one_line(tmp_path: Path):
    import pyoxigraph as ox

    from kg.errors import InputError
    from kg.store.oxengine import load_source
    from kg.store.rdffiles import opened_input

    path = tmp_path / "gone.nt"
    path.write_text("<http://e/a> <http://e/b> <http://e/c> .\n", encoding="utf-8")
    with opened_input(path) as source:
        path.unlink()
        with pytest.raises(InputError, match="no such file"):
            load_source(ox.Store(), source)


# Two hand-written files that share one triple: the union has 3 + 4 - 1 = 6 distinct triples.
SMALL = """<http://e/a> <http://e/p> "1" .
<http://e/a> <http://e/p> "shared" .
_:x <http://e/p> "small" .
"""
LARGE = """<http://e/a> <http://e/p> "shared" .
<http://e/b> <http://e/p> "2" .
<http://e/b> <http://e/p> "3" .
_:x <http://e/p> "large" .
"""
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _count(graph: kg.KnowledgeGraph, text: str = COUNT) -> int:
    return int(next(iter(graph.query(text)))[0].value)


@pytest.fixture
def two_files(tmp_path: Path) -> tuple[Path, Path]:
    small, large = tmp_path / "small.nt", tmp_path / "large.nt"
    small.write_text(SMALL, encoding="utf-8")
    large.write_text(LARGE, encoding="utf-8")
    return small, large


@pytest.mark.parametrize("order", ["small first", "large first"])
def test_the_union_of_kept_graphs_is_a_set(two_files, order):
    """The default graph is the union as a set, whichever file is the largest or comes first;
    the blank nodes of the two files stay apart (two `_:x`)."""
    small, large = two_files if order == "small first" else two_files[::-1]
    graph = kg.load([small, large])
    assert _count(graph) == 6
    assert len(graph) == 6
    assert _count(graph, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }") == 4
    per_graph = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(?g != <%s>) }"
    assert _count(graph, per_graph % SHAPES_GRAPH) == 7  # 3 + 4: each file's graph keeps its own
    assert len(graph.graph) == 6  # the rdflib view of the same union


def test_a_query_naming_its_dataset_sees_that_dataset(two_files):
    small, large = two_files
    graph = kg.load([small, large])
    text = f"SELECT (COUNT(*) AS ?n) FROM <{small.resolve().as_uri()}> WHERE {{ ?s ?p ?o }}"
    assert _count(graph, text) == 3
    assert _count(graph) == 6  # and the union is unchanged afterwards
    assert len(list(graph.store.quads_for_pattern(None, None, None, ox.DefaultGraph()))) == 6


def test_readers_of_the_store_see_the_whole_union_after_fill_union(two_files):
    graph = kg.load(list(two_files))
    store = graph.fill_union()
    assert len(list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))) == 6
    assert _count(graph) == 6
