"""kg.graphml: the GraphML writer, checked against networkx's writer and reader."""

from __future__ import annotations

import networkx as nx
import pytest

from kg.graphml import graphml


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


def test_an_unsupported_value_is_named():
    g = nx.MultiDiGraph()
    g.add_node("urn:a", label=["a", "list"])
    with pytest.raises(TypeError, match="does not support type <class 'list'>"):
        graphml(g)
