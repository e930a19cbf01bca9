"""The one export path at scale: every file goes through Oxigraph's parser and writers.

(This file tested kg/streamexport.py, the special case for large N-Triples/N-Quads files,
which the general path replaced.) Also issue 13: literals come out exactly as they went in,
checked with pyoxigraph's parser as the independent reader.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from kg.cli.export import FORMATS as CLI_FORMATS
from kg.exports.export import FORMATS
from kg.store.bnodes import labels

from .conftest import REPO

CORPUS = REPO / "tests" / "corpus"
READERS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
}
# Lexical forms that a store or rdflib would rewrite (Oxigraph's Store: "007" -> "7").
LITERALS = r"""
@prefix ex:  <http://example.org/ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
ex:thing ex:when "2026-11-27T10:31:09.748+10:00"^^xsd:dateTime , "2026-11-27T10:31:09Z"^^xsd:date ;
    ex:count "007"^^xsd:integer , "+3"^^xsd:integer ;
    ex:ratio "1.50"^^xsd:decimal , "1.0E2"^^xsd:double , "INF"^^xsd:float ;
    ex:flag "1"^^xsd:boolean , "0"^^xsd:boolean ;
    ex:html "<p class=\"a\" id='b'>x &amp; y</p>"^^rdf:HTML ;
    ex:bad "abc"^^xsd:integer ;
    ex:text "two\nlines\t\"q\" \\ ✓" , "Farbe"@de .
"""


def _kg(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kg", *args],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def literal_set(path: Path, fmt: ox.RdfFormat) -> set[str]:
    """Every literal of the file as pyoxigraph's parser reads it (lexical forms kept)."""
    return {str(q.object) for q in ox.parse(path=str(path), format=fmt)
            if isinstance(q.object, ox.Literal)}  # fmt: skip


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    spec = importlib.util.spec_from_file_location("generate", REPO / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = tmp_path_factory.mktemp("stream") / "generated.nt"
    module.write(path, 3000, seed=7)
    # A duplicate line must come out once.
    with path.open("a", encoding="utf-8") as out:
        out.write(path.read_text(encoding="utf-8").splitlines()[0] + "\n")
    return path


def test_nt_export_is_the_input_graph_with_hashed_blank_nodes(generated, tmp_path):
    out = tmp_path / "out.nt"
    assert _kg("export", "--data", str(generated), "-o", str(out)).returncode == 0
    a = Graph().parse(out, format="nt")
    b = Graph().parse(generated, format="nt")
    assert len(a) == len(b)
    assert isomorphic(a, b)
    # The input's labels are replaced by content hashes.
    assert "_:e0 " in generated.read_text(encoding="utf-8")
    assert "_:e0 " not in out.read_text(encoding="utf-8")


def test_output_is_sorted_unique_and_the_same_in_every_process(generated):
    first = _kg("export", "--data", str(generated), "-f", "nt")
    second = _kg("export", "--data", str(generated), "-f", "nt", env={"PYTHONHASHSEED": "1"})
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout  # Oxigraph's blank-node ids differ between the runs
    lines = first.stdout.splitlines()
    assert lines == sorted(set(lines))
    raw = generated.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(set(raw)) < len(raw)


def test_shuffled_and_relabelled_input_gives_the_same_bytes(generated, tmp_path):
    lines = generated.read_text(encoding="utf-8").splitlines()
    other = tmp_path / "other.nt"
    renamed = [line.replace("_:e", "_:zz").replace("_:r", "_:q") for line in reversed(lines)]
    other.write_text("\n".join(renamed) + "\n", encoding="utf-8")
    for fmt in ("nt", "turtle"):
        a = _kg("export", "--data", str(generated), "-f", fmt)
        b = _kg("export", "--data", str(other), "-f", fmt)
        assert a.returncode == b.returncode == 0
        assert a.stdout == b.stdout, fmt


def test_nquads_keep_their_graphs(tmp_path):
    source = tmp_path / "in.nq"
    source.write_text(
        '<http://e/b> <http://e/p> "x y"@en <http://e/g2> .\n'
        "<http://e/a> <http://e/p> _:n1 <http://e/g1> .\n"
        "_:n1 <http://e/p> <http://e/c> <http://e/g1> .\n"
        '<http://e/a> <http://e/p> "in the default graph <http://e/g9>" .\n',
        encoding="utf-8",
    )
    for fmt in ("nq", "trig"):
        out = tmp_path / f"out.{fmt}"
        result = _kg("export", "--data", str(source), "-f", fmt, "-o", str(out))
        assert result.returncode == 0, result.stderr
        expected, got = Dataset(), Dataset()
        expected.parse(source, format="nquads")
        got.parse(out, format="nquads" if fmt == "nq" else "trig")
        for name in ("http://e/g1", "http://e/g2"):
            assert isomorphic(expected.graph(name), got.graph(name)), (fmt, name)
        assert len(got.default_graph) == 1, fmt


def test_a_broken_file_is_one_line_and_leaves_no_output(tmp_path):
    source = tmp_path / "broken.nt"
    source.write_text("<http://e/a> <http://e/p> <http://e/c> .\n<http://e/a> <http://e/p> c .\n")
    out = tmp_path / "out.nt"
    result = _kg("export", "--data", str(source), "-o", str(out))
    assert result.returncode == 2
    assert result.stderr.startswith(f"kg: {source}: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [source]


def test_the_cli_lists_every_export_format():
    assert set(CLI_FORMATS) == set(FORMATS)


# --- Issue 13: literals byte for byte ------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_every_format_keeps_every_literal_exactly(fmt, tmp_path):
    source = tmp_path / "literals.ttl"
    source.write_text(LITERALS, encoding="utf-8")
    out = tmp_path / f"out.{fmt}"
    result = _kg("export", "--data", str(source), "-f", fmt, "-o", str(out))
    assert result.returncode == 0, result.stderr
    expected = literal_set(source, ox.RdfFormat.TURTLE)
    assert '"007"^^<http://www.w3.org/2001/XMLSchema#integer>' in expected
    assert literal_set(out, READERS[fmt]) == expected


def test_schemaorg_to_ntriples_keeps_every_literal(tmp_path):
    source = CORPUS / "schemaorg.ttl"
    if not source.exists():
        pytest.skip("tests/corpus not fetched (python -m tests.corpus)")
    out = tmp_path / "schemaorg.nt"
    result = _kg("export", "--data", str(source), "-f", "nt", "-o", str(out))
    assert result.returncode == 0, result.stderr
    expected = literal_set(source, ox.RdfFormat.TURTLE)
    assert len(expected) > 1000
    assert literal_set(out, ox.RdfFormat.N_TRIPLES) == expected


# --- kg.store.bnodes -----------------------------------------------------------------------------


def _labels_of(text: str) -> list[str]:
    return sorted(labels(ox.parse(text.encode(), ox.RdfFormat.N_TRIPLES)).values())


def test_blank_node_labels_are_unique_and_ignore_input_labels():
    twins = (  # two identical records on one node, one elsewhere, a shared list tail
        '<http://e/c> <http://e/ev> _:a .\n_:a <http://e/anchor> "x" .\n'
        '<http://e/c> <http://e/ev> _:b .\n_:b <http://e/anchor> "x" .\n'
        '<http://e/d> <http://e/ev> _:c .\n_:c <http://e/anchor> "x" .\n'
        "_:l1 <http://e/next> _:t .\n_:l2 <http://e/next> _:t .\n"
        "_:r1 <http://e/next> _:r2 .\n_:r2 <http://e/next> _:r3 .\n_:r3 <http://e/next> _:r1 .\n"
    )
    first = _labels_of(twins)
    assert len(set(first)) == len(first) == 9
    renamed = "\n".join(reversed(twins.replace("_:", "_:other").splitlines())) + "\n"
    assert _labels_of(renamed) == first


def test_a_long_blank_node_chain_gets_distinct_labels():
    count = 20_000  # no recursion and bounded rounds: this would overflow or crawl otherwise
    chain = "<http://e/h> <http://e/n> _:n0 .\n" + "".join(
        f"_:n{i} <http://e/n> _:n{i + 1} .\n" for i in range(count)
    )
    assert len(set(_labels_of(chain))) == count + 1
