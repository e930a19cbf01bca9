"""Focus and class views of a stored graph, read from the part of the store they draw.

Hand-written fixtures with the nodes each view must draw, counted by hand from the Turtle;
rdflib's parser gives the same views through the path that reads every triple. On the
bundled graph and the third-party corpus, the scoped read and the whole-graph read of the
same loaded store draw the same nodes, attributes and edges.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from rdflib import Graph

import kg
from kg.errors import InputError
from kg.views.netread import read_facts
from kg.views.network import to_networkx

from .corpus import NAMES, corpus_path

EX = "http://example.org/"

MACHINES = """
@prefix ex:   <http://example.org/> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ssp:  <https://w3id.org/ssp-kg/ontology#> .

ex:hub a ex:Machine ; rdfs:label "hub" ;
    skos:inScheme ex:plant ;
    ssp:evidence [ a ssp:Evidence ; ssp:anchor "the hub turns" ; ssp:section ex:s1 ] ;
    ex:parts ( ex:m1 ex:m2 ex:m3 ) ;
    ex:near ex:a .
ex:plant a skos:ConceptScheme ; rdfs:label "Plant" .
ex:a a ex:Part ; ex:near ex:b ; ex:madeOf [ ex:grade "x" ; ex:from ex:c ] .
ex:b ex:near ex:far .
ex:m1 a ex:Part .
ex:Part rdfs:subClassOf ex:Thing .
ex:Machine rdfs:subClassOf ex:Thing .
ex:lonely ex:near ex:hub .
ex:B ex:near ex:hub .
ex:A rdfs:subClassOf [ a owl:Restriction ; owl:onProperty ex:p ; owl:someValuesFrom ex:B ] .
"""


@pytest.fixture(scope="module")
def machines(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("scope") / "machines.ttl"
    path.write_text(MACHINES, encoding="utf-8")
    return path


def both(path: Path, **options) -> list[nx.MultiDiGraph]:
    """The view from the loaded store (scoped read) and from rdflib's parser (every triple)."""
    return [
        to_networkx(kg.load([path], bundled=False), **options),
        to_networkx(Graph().parse(path), **options),
    ]


def named(net: nx.MultiDiGraph) -> set[str]:
    """The node keys, each blank node by its label."""
    return {n if d["kind"] != "blank" else d["label"] for n, d in net.nodes(data=True)}


def test_focus_depth_one_leaves_out_folded_neighbours(machines: Path) -> None:
    # The scheme, the evidence record and the section it cites are folded, never drawn; the
    # list is one node; its members are two links away (hub -> list -> member).
    expected = {EX + n for n in ("hub", "a", "Machine", "lonely", "B")} | {"(m1, m2, m3)"}
    for net in both(machines, focus=EX + "hub", depth=1):
        assert named(net) == expected
        hub = net.nodes[EX + "hub"]
        assert hub["scheme"] == ["Plant"]
        assert [e["anchor"] for e in hub["evidence"]] == ["the hub turns"]
        assert hub["classes"] == [EX + "Machine", EX + "Thing"]


def test_focus_depth_two_reaches_list_members_and_superclasses(machines: Path) -> None:
    expected = {
        *(EX + n for n in ("hub", "a", "Machine", "lonely", "B", "m1", "m2", "m3")),
        *(EX + n for n in ("b", "Part", "Thing")),
        "(m1, m2, m3)",
        "[grade: x]",  # a blank node by its literal values
        "p some B",
    }
    views = both(machines, focus=EX + "hub", depth=2)
    for net in views:
        assert named(net) == expected
    assert sorted(views[0].edges(keys=True)) == sorted(views[1].edges(keys=True))


def test_a_list_member_is_one_link_from_the_list(machines: Path) -> None:
    expected = {EX + "m2", "(m1, m2, m3)"}
    for net in both(machines, focus=EX + "m2", depth=1):
        assert named(net) == expected


def test_without_blank_nodes_a_restriction_is_an_edge(machines: Path) -> None:
    for net in both(machines, focus=EX + "B", depth=1, blank_nodes=False):
        assert set(net.nodes) == {EX + "B", EX + "hub", EX + "A"}
        assert [(u, v, d["label"]) for u, v, d in net.edges(data=True) if u == EX + "A"] == [
            (EX + "A", EX + "B", "p some")
        ]


def test_classes_keep_the_resources_of_the_class_and_its_subclasses(machines: Path) -> None:
    for net in both(machines, classes="Thing"):
        assert set(net.nodes) == {EX + "hub", EX + "a", EX + "m1"}
        assert [(u, v, k) for u, v, k in net.edges(keys=True)] == [
            (EX + "hub", EX + "a", EX + "near")
        ]
    for net in both(machines, classes="ex:Part"):
        assert set(net.nodes) == {EX + "a", EX + "m1"}


def test_a_focus_named_by_a_label_or_a_folded_term_reads_the_whole_graph(machines) -> None:
    assert EX + "hub" in to_networkx(kg.load([machines], bundled=False), focus="hub").nodes
    with pytest.raises(InputError):  # the scheme is folded: no node of the view
        to_networkx(kg.load([machines], bundled=False), focus=EX + "plant")


def test_a_folded_chain_thousands_deep(tmp_path: Path) -> None:
    """Blank nodes hanging only from a concept scheme are folded, however deep: deciding the
    last one walks 3,000 subjects up (a stack of its own, not Python's)."""
    skos = "http://www.w3.org/2004/02/skos/core#"
    lines = [
        f"<{EX}plant> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{skos}ConceptScheme> .",
        f"<{EX}plant> <{EX}chain> _:c0 .",
        *(f"_:c{i} <{EX}next> _:c{i + 1} ." for i in range(3000)),
        f"_:c3000 <{EX}next> <{EX}end> .",
        f"<{EX}x> <{EX}near> <{EX}end> .",
    ]
    path = tmp_path / "chain.nt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for net in both(path, focus=EX + "x", depth=2):
        assert set(net.nodes) == {EX + "x", EX + "end"}


def _same_views(graph, whole, **options) -> None:
    scoped = to_networkx(graph, **options)
    everything = to_networkx(whole, **options)
    assert list(scoped.nodes(data=True)) == list(everything.nodes(data=True)), options
    assert list(scoped.edges(keys=True, data=True)) == list(
        everything.edges(keys=True, data=True)
    ), options


def _samples(whole) -> tuple[list[str], list[str]]:
    """Drawn IRIs spread over the whole graph's view (four, evenly in sorted order) and the
    two classes with the most drawn resources: foci and classes to compare the reads on."""
    net = to_networkx(whole)
    iris = sorted(n for n, d in net.nodes(data=True) if d["kind"] == "iri")
    foci = iris[:: max(1, len(iris) // 4)][:4]
    sizes: dict[str, int] = {}
    for _n, d in net.nodes(data=True):
        if d["class_iri"]:
            sizes[d["class_iri"]] = sizes.get(d["class_iri"], 0) + 1
    classes = sorted(sizes, key=lambda c: (-sizes[c], c))[:2]
    return foci, classes


def _compare(graph) -> None:
    whole = read_facts(graph)  # Facts: to_networkx reads them whole
    foci, classes = _samples(whole)
    assert foci and classes
    for focus in foci:
        for depth in (1, 2):
            _same_views(graph, whole, focus=focus, depth=depth)
    for klass in classes:
        _same_views(graph, whole, classes=[klass])
        _same_views(graph, whole, classes=[klass], blank_nodes=False)
    _same_views(graph, whole, focus=foci[0], depth=1, classes=[classes[0]])


def test_the_bundled_graph_scoped_and_whole(bundled) -> None:
    _compare(bundled)


@pytest.mark.parametrize("name", [n for n in NAMES if n != "lv2-plugins.nt"])
def test_corpus_scoped_and_whole(name: str) -> None:
    _compare(kg.load([corpus_path(name)], bundled=False))
