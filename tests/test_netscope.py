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

from .conftest import TURTLE_PREFIXES
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


PREFIXES = TURTLE_PREFIXES + """\
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix schema:  <https://schema.org/> .
"""
# A list whose second cell is folded (typed a section), with a described member y.
FOLDED_INNER = (
    "ex:a ex:p _:c1 . _:c1 rdf:first ex:x ; rdf:rest _:c2 . "
    "_:c2 a ssp:Section ; rdf:first ex:y ; rdf:rest rdf:nil . ex:y ex:q ex:w ."
)
# Odd graphs where the scoped read once differed from the whole read (an attacker's finds).
ODD = {
    "literal-haspart": (
        'ex:a ex:p ex:doc . ex:doc dcterms:title "Doc" ; schema:hasPart "x" .',
        {"focus": EX + "a", "depth": 1},
    ),
    "object-only-depth-0": ("ex:a ex:p ex:b .", {"focus": EX + "b", "depth": 0}),
    "two-anchors": (
        'ex:x ex:p ex:y ; ssp:evidence [ a ssp:Evidence ; ssp:anchor "aa", "zz" ] .',
        {"focus": EX + "x", "depth": 1},
    ),
    "anchor-and-iri": (
        'ex:x ex:p ex:y ; ssp:evidence [ a ssp:Evidence ; ssp:anchor "aa", ex:n1 ] .',
        {"focus": EX + "x", "depth": 1},
    ),
    "cell-two-firsts": (
        "ex:a ex:l _:c . _:c rdf:first ex:x , ex:z ; rdf:rest rdf:nil .",
        {"focus": EX + "a", "depth": 2},
    ),
    "typed-inner-cell": (
        "ex:a ex:p _:c1 . _:c1 rdf:first ex:x ; rdf:rest _:c2 . "
        "_:c2 rdf:first ex:y ; rdf:rest rdf:nil ; a ex:C .",
        {"classes": ["C"]},
    ),
    "self-rest-cell": (
        "ex:a ex:p _:c1 . _:c1 rdf:first ex:x ; rdf:rest _:c1 ; a ex:C .",
        {"classes": ["C"]},
    ),
    "folded-head": (
        "_:c1 a skos:ConceptScheme ; rdf:first ex:x ; rdf:rest _:c2 . "
        "_:c2 rdf:first ex:y ; rdf:rest rdf:nil . ex:a ex:p _:c2 .",
        {"focus": EX + "a", "depth": 2},
    ),
    "folded-inner-cell": (FOLDED_INNER, {"focus": EX + "a", "depth": 2}),
    "folded-inner-cell-member": (FOLDED_INNER, {"focus": EX + "y", "depth": 1}),
    "folded-inner-literal": (
        "ex:a ex:p _:c1 . _:c1 rdf:first ex:x ; rdf:rest _:c2 . "
        '_:c2 a ssp:Section ; rdf:first "v" ; rdf:rest rdf:nil .',
        {"focus": EX + "a", "depth": 1},
    ),
    "member-depth-0": ("ex:a ex:l ( ex:b ex:c ) .", {"focus": EX + "b", "depth": 0}),
    "member-depth-1": ("ex:a ex:l ( ex:b ex:c ) .", {"focus": EX + "b", "depth": 1}),
    "hidden-chain": (
        "ex:a ex:p [ ex:q [ ex:r ex:b ] ] . ex:b ex:s ex:c .",
        {"focus": EX + "a", "depth": 1, "blank_nodes": False},
    ),
}


@pytest.mark.parametrize("name", sorted(ODD))
def test_odd_graphs_scoped_and_whole(name: str, tmp_path: Path, monkeypatch) -> None:
    """The scoped read against the whole read of the same store (the file's own prefixes)."""
    from kg.views import network

    text, options = ODD[name]
    path = tmp_path / "odd.ttl"
    path.write_text(PREFIXES + text + "\n", encoding="utf-8")
    graph = kg.load([path], bundled=False)
    scoped = to_networkx(graph, **options)
    monkeypatch.setattr(network, "_stored_part", lambda *args, **kwargs: None)
    whole = to_networkx(graph, **options)
    assert list(scoped.nodes(data=True)) == list(whole.nodes(data=True))
    assert list(scoped.edges(keys=True, data=True)) == list(whole.edges(keys=True, data=True))


def test_a_focus_at_depth_zero_that_is_only_an_object(tmp_path: Path) -> None:
    path = tmp_path / "b.ttl"
    path.write_text(PREFIXES + "ex:a ex:p ex:b .\n", encoding="utf-8")
    net = to_networkx(kg.load([path], bundled=False), focus="ex:b", depth=0)
    assert list(net.nodes) == [EX + "b"]


def test_classes_unknown_to_the_whole_read_are_unknown_here(tmp_path: Path) -> None:
    """A class only in a subclass link to a blank node, or to itself, is no class."""
    path = tmp_path / "dog.ttl"
    path.write_text(
        PREFIXES + "ex:Dog rdfs:subClassOf [ a owl:Restriction ; owl:onProperty ex:has ; "
        "owl:someValuesFrom ex:Tail ] . ex:C0 rdfs:subClassOf ex:C0 .\n",
        encoding="utf-8",
    )
    graph = kg.load([path], bundled=False)
    for name in ("Dog", "C0"):
        with pytest.raises(InputError, match="no such class"):
            to_networkx(graph, classes=[name])


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


def _compare(graph, monkeypatch) -> None:
    from kg.views import network

    whole = read_facts(graph)  # Facts: to_networkx reads them whole
    foci, classes = _samples(whole)
    assert foci and classes
    scoped: list[bool] = []  # which views the scoped read drew (not handed to the whole read)
    stored_part = network._stored_part

    def spy(source, *args, **kwargs):
        found = stored_part(source, *args, **kwargs)
        if source is graph:
            scoped.append(found is not None)
        return found

    monkeypatch.setattr(network, "_stored_part", spy)
    for focus in foci:
        for depth in (1, 2):
            _same_views(graph, whole, focus=focus, depth=depth)
    for klass in classes:
        _same_views(graph, whole, classes=[klass])
        _same_views(graph, whole, classes=[klass], blank_nodes=False)
    _same_views(graph, whole, focus=foci[0], depth=1, classes=[classes[0]])
    assert sum(scoped) >= len(scoped) * 3 // 4, scoped


def test_the_bundled_graph_scoped_and_whole(bundled, monkeypatch) -> None:
    _compare(bundled, monkeypatch)


@pytest.mark.parametrize("name", [n for n in NAMES if n != "lv2-plugins.nt"])
def test_corpus_scoped_and_whole(name: str, monkeypatch) -> None:
    _compare(kg.load([corpus_path(name)], bundled=False), monkeypatch)
