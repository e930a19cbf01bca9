"""kg.exports.graphml: the GraphML writer, checked against networkx's writer and reader."""

from __future__ import annotations

import networkx as nx
import pytest

from kg.exports.graphml import graphml


def networkx_text(network: nx.Graph) -> str:
    return "\n".join(nx.generate_graphml(network, prettyprint=True)) + "\n"


def mixed() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    g.add_node("urn:a", label='A & <b> "c"', count=3, share=0.5, named=True, empty="")
    g.add_node("urn:b", label="caf\u00e9 \u2014 \U0001f600", count="three")  # a str count too
    g.add_node('urn:c?x="1"&y=<2>')  # no attributes; the id needs escaping
    g.add_node("urn:d", note="line one\nline two\ttab")
    g.add_edge("urn:a", "urn:b", key="urn:p", label="p", weight=2)
    g.add_edge("urn:a", "urn:b", key="urn:q", label="q")  # a parallel edge
    g.add_edge("urn:b", 'urn:c?x="1"&y=<2>', key="urn:p")
    return g


@pytest.mark.parametrize(
    "network",
    [mixed(), nx.MultiDiGraph(), nx.DiGraph([("a", "b")]), nx.Graph([("a", "b")])],
    ids=["mixed", "empty", "digraph", "undirected"],
)
def test_the_same_document_as_networkx(network):
    assert graphml(network) == networkx_text(network)


def test_a_line_separator_in_a_value_is_kept():
    # networkx's lines split at U+2028 (str.splitlines), which a reader gets back as "\n".
    g = nx.MultiDiGraph()
    g.add_node("urn:a", label="one\u2028two\x0cthree")
    text = graphml(g)
    assert text.isascii() and "one&#8232;two" in text
    back = nx.parse_graphml(text.replace("\x0c", ""), force_multigraph=True)
    assert back.nodes["urn:a"]["label"] == "one\u2028twothree"


def test_a_carriage_return_in_a_value_reads_back_as_written(tmp_path):
    # A raw "\r" in XML text reaches a reader as "\n" (XML 1.0, end-of-line handling), which
    # is what networkx writes; networkx's and igraph's readers must both get "\r" back.
    import igraph

    g = nx.MultiDiGraph()
    g.add_node("urn:a", label="one\rtwo\r\nthree", note="tab\there")
    text = graphml(g)
    assert "\r" not in text and "one&#13;two&#13;\nthree" in text
    back = nx.parse_graphml(text, force_multigraph=True)
    assert back.nodes["urn:a"] == {"label": "one\rtwo\r\nthree", "note": "tab\there"}
    path = tmp_path / "g.graphml"
    path.write_text(text, encoding="ascii")
    (vertex,) = igraph.Graph.Read_GraphML(str(path)).vs
    assert vertex["label"] == "one\rtwo\r\nthree"


def test_an_unsupported_value_is_named():
    g = nx.MultiDiGraph()
    g.add_node("urn:a", label=["a", "list"])
    with pytest.raises(TypeError, match="does not support type <class 'list'>"):
        graphml(g)


def test_the_exported_property_graph_keeps_literals_as_written(tmp_path):
    # rdflib, which built this graph before, wrote "…09.748000+10:00" and dropped the
    # quotes of the HTML attribute (schema.org's own file has both).
    import subprocess
    import sys

    from .conftest import REPO

    data = tmp_path / "g.ttl"
    data.write_text(
        "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        '<urn:x> <urn:when> "2021-04-21T09:18:09.748+10:00"^^xsd:dateTime ;\n'
        '  <urn:html> "<p class=\\"a\\">x</p>"^^rdf:HTML ;\n'
        '  <urn:n> "007"^^xsd:integer .\n',
        encoding="utf-8",
    )
    out = tmp_path / "g.graphml"
    command = ["export", "--data", str(data), "-f", "graphml", "-o", str(out)]
    subprocess.run(
        [sys.executable, "-m", "kg", *command],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    (node,) = [n for n in nx.read_graphml(out).nodes(data=True) if n[0] == "urn:x"]
    literals = node[1]["literals"]
    assert '"2021-04-21T09:18:09.748+10:00"' in literals
    assert '"<p class=\\"a\\">x</p>"' in literals
    assert '"007"' in literals


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_a_character_xml_cannot_carry_is_refused_and_nothing_is_written(tmp_path, fmt):
    # U+0007 (bell) is not an XML 1.0 character, raw or as &#7;: a file holding it is not XML.
    from .conftest import kg_process

    data = tmp_path / "g.nt"
    data.write_text(
        '<urn:a> <http://www.w3.org/2000/01/rdf-schema#label> "ring\\u0007" .\n',
        encoding="utf-8",
    )
    out = tmp_path / f"g.{fmt}"
    run = kg_process("export", "--data", str(data), "-f", fmt, "-o", str(out))
    assert run.returncode == 2, run
    assert run.stderr == (
        f"kg: <urn:a>: its label holds U+0007, which XML cannot carry: no {fmt} file can hold "
        "this graph (export RDF, or -f neo4j)\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.nt"]


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_a_character_xml_cannot_carry_inside_json_text_is_written_escaped(tmp_path, fmt):
    # A literal that is not a label goes into the node's "literals" attribute as JSON text,
    # where U+0007 is the escape \u0007: the file is XML, and the value reads back whole.
    import json

    from .conftest import kg_process

    data = tmp_path / "g.nt"
    data.write_text('<urn:a> <urn:note> "ring\\u0007" .\n', encoding="utf-8")
    out = tmp_path / f"g.{fmt}"
    run = kg_process("export", "--data", str(data), "-f", fmt, "-o", str(out))
    assert run.returncode == 0, run
    read = nx.read_graphml(out) if fmt == "graphml" else nx.read_gexf(out)
    (attributes,) = [d for n, d in read.nodes(data=True) if n == "urn:a"]
    assert json.loads(attributes["literals"]) == [["note", "ring\x07"]]
