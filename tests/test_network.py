"""RDF -> networkx: what becomes a node, an edge or an attribute, and the scoping options."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

import kg
from kg.errors import InputError
from kg.network import to_networkx

from .conftest import FIXTURES

SSP = "https://w3id.org/ssp-kg/ontology#"
KGNS = "https://w3id.org/ssp-kg/id/"

FOREIGN = """
@prefix ex:   <http://example.org/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:alice a foaf:Person ; foaf:name "Alice" ; foaf:knows ex:bob , [ foaf:name "Carol" ] ;
    foaf:age 41 .
ex:bob a foaf:Person ; rdfs:label "Bob"@en , "Robert"@de ; foaf:knows ex:alice ;
    foaf:workplaceHomepage ex:acme .
ex:alice ex:worksWith ex:bob .
"""


def write(tmp_path: Path, text: str, name: str = "data.ttl") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def bundled_net(bundled) -> nx.MultiDiGraph:
    return to_networkx(bundled)


def test_our_plumbing_is_folded_into_attributes() -> None:
    net = to_networkx(kg.load([FIXTURES / "valid" / "minimal.ttl"]))
    producers, financing = KGNS + "test-producers", KGNS + "test-financing"
    assert sorted(net.nodes) == [financing, producers]
    assert list(net.edges(keys=True)) == [(producers, financing, SSP + "faces")]
    node = net.nodes[producers]
    assert node["label"] == "test producers"
    assert node["class"] == "SmallScaleProducer"  # no ontology loaded: the local name
    assert node["definition"].startswith("Producers that exist only")
    assert node["evidence"] == [
        {
            "section": None,
            "section_title": None,
            "paragraph": 1,
            "anchor": "competing in global markets",
        }
    ]
    assert node["iri"] == producers
    edge = net.edges[producers, financing, SSP + "faces"]
    assert edge["predicate"] == SSP + "faces"
    assert edge["label"] == "faces"
    assert [e["anchor"] for e in edge["evidence"]] == [
        "Limited access to financing often constrains"
    ]


def test_with_the_ontology_classes_and_sections_have_labels(tmp_path: Path) -> None:
    net = to_networkx(kg.load([FIXTURES / "valid" / "minimal.ttl"], bundled=True))
    node = net.nodes[KGNS + "test-financing"]
    assert node["class"] == "financial challenge"
    assert node["classes"] == [SSP + "FinancialChallenge", SSP + "Challenge"]
    assert node["evidence"][0]["section"] == 4
    assert node["evidence"][0]["section_title"].startswith("Challenges Faced by Small-Scale")
    assert "test-scheme" not in " ".join(net.nodes)


def test_bundled_nodes_are_exactly_concepts_and_questions(bundled, bundled_net) -> None:
    graph = bundled.graph
    expected = {
        str(s)
        for s in set(graph.subjects(RDF.type, SKOS.Concept))
        | set(graph.subjects(RDF.type, URIRef(SSP + "CompetencyQuestion")))
    }
    assert expected <= set(bundled_net.nodes)
    assert all(n.startswith(KGNS) for n in bundled_net)  # no ontology term, no blank node
    plumbing = {KGNS + "article", KGNS + "scheme"} | {f"{KGNS}section-{i}" for i in range(1, 8)}
    assert not plumbing & set(bundled_net.nodes)
    triples = {
        (str(s), str(o), str(p))
        for s, p, o in graph
        if str(s) in bundled_net and str(o) in bundled_net
    }
    assert set(bundled_net.edges(keys=True)) == triples
    questions = [n for n, d in bundled_net.nodes(data=True) if d["class"] == "competency question"]
    assert len(questions) == 5
    assert all(bundled_net.nodes[n]["evidence"] for n in expected)


def test_bundled_edge_evidence_comes_from_the_statement(bundled, bundled_net) -> None:
    edge = bundled_net.edges[
        KGNS + "small-scale-producers", KGNS + "high-per-unit-costs", SSP + "faces"
    ]
    assert [(e["section"], e["paragraph"], e["anchor"]) for e in edge["evidence"]] == [
        (4, 1, "production costs per unit can be higher"),
        (7, 8, "high per-unit costs"),
    ]
    node = bundled_net.nodes[KGNS + "market-visibility"]
    assert node["label"] == str(bundled.graph.value(URIRef(node["iri"]), SKOS.prefLabel))
    assert node["alt_labels"] == sorted(
        str(a) for a in bundled.graph.objects(URIRef(node["iri"]), SKOS.altLabel)
    )
    assert node["scheme"] == ["Small-scale production and global supply chains"]


def test_parallel_edges_are_all_kept(tmp_path: Path) -> None:
    path = write(tmp_path, FOREIGN)
    net = to_networkx(kg.load([path]))
    alice, bob = "http://example.org/alice", "http://example.org/bob"
    assert sorted(k for _u, _v, k in net.edges(alice, keys=True) if _v == bob) == [
        "http://example.org/worksWith",
        "http://xmlns.com/foaf/0.1/knows",
    ]
    assert net.has_edge(bob, alice, "http://xmlns.com/foaf/0.1/knows")


def test_other_vocabularies_every_iri_and_blank_node_is_a_node(tmp_path: Path) -> None:
    path = write(tmp_path, FOREIGN)
    graph = Graph().parse(path)
    expected = {str(t) for s, _p, o in graph for t in (s, o) if isinstance(t, URIRef)}
    net = to_networkx(graph)
    iris = {n for n, d in net.nodes(data=True) if d["kind"] == "iri"}
    assert iris == expected  # foaf:Person included: any other vocabulary's class is a node
    blanks = [d for _n, d in net.nodes(data=True) if d["kind"] == "blank"]
    assert len(blanks) == len({o for o in graph.objects() if isinstance(o, BNode)}) == 1
    assert blanks[0]["literals"] == [["name", "Carol"]]
    alice = net.nodes["http://example.org/alice"]
    assert alice["class"] == "Person"
    assert alice["label"] == "alice"  # foaf:name is not a label property: local name
    assert ["age", "41"] in alice["literals"]
    assert net.nodes["http://example.org/bob"]["label"] == "Bob"  # English first
    assert net.nodes["http://example.org/acme"]["class"] == "resource"


def test_literals_option_draws_each_distinct_literal(tmp_path: Path) -> None:
    graph = Graph().parse(write(tmp_path, FOREIGN))
    net = to_networkx(graph, literals=True)
    literal_nodes = {n for n, d in net.nodes(data=True) if d["kind"] == "literal"}
    assert literal_nodes == {o.n3() for o in graph.objects() if isinstance(o, Literal)}
    assert net.has_edge("http://example.org/alice", Literal(41).n3())


def test_blank_node_keys_are_stable_across_parses(tmp_path: Path) -> None:
    path = write(tmp_path, FOREIGN)
    first = to_networkx(Graph().parse(path))
    second = to_networkx(Graph().parse(path))
    assert list(first.nodes) == list(second.nodes)
    assert list(first.edges(keys=True)) == list(second.edges(keys=True))
    assert any(n.startswith("_:") for n in first)


def test_hostile_labels_are_kept_verbatim(tmp_path: Path) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    graph = Graph()
    graph.add((URIRef("http://example.org/x"), RDFS.label, Literal(hostile)))
    graph.add((URIRef("http://example.org/x"), RDFS.seeAlso, URIRef("http://example.org/y")))
    net = to_networkx(graph)
    assert net.nodes["http://example.org/x"]["label"] == hostile


@pytest.mark.parametrize(
    "name",
    [KGNS + "market-visibility", f"<{KGNS}market-visibility>", "kg:market-visibility", "LABEL"],
)
def test_focus_accepts_iri_prefixed_name_or_label(bundled, bundled_net, name: str) -> None:
    center = KGNS + "market-visibility"
    if name == "LABEL":  # any case
        name = bundled_net.nodes[center]["label"].upper()
    for depth in (0, 1, 2):
        net = to_networkx(bundled, focus=name, depth=depth)
        ego = nx.ego_graph(bundled_net.to_undirected(as_view=True), center, radius=depth)
        assert set(net.nodes) == set(ego.nodes)
        assert net.number_of_edges() == bundled_net.subgraph(ego.nodes).number_of_edges()
        assert net.graph["focus"] == center


def test_unknown_focus_names_close_matches(bundled) -> None:
    with pytest.raises(InputError) as caught:
        to_networkx(bundled, focus="market visibilty")
    assert caught.value.where == "market visibilty"
    assert "'market visibility'" in caught.value.message


def test_classes_keeps_subclasses(bundled, bundled_net) -> None:
    graph = bundled.graph
    challenge_classes = set(graph.transitive_subjects(RDFS.subClassOf, URIRef(SSP + "Challenge")))
    expected = {
        str(s)
        for klass in challenge_classes
        for s in graph.subjects(RDF.type, klass)
        if str(s) in bundled_net
    }
    net = to_networkx(bundled, classes=["Challenge"])
    assert set(net.nodes) == expected
    assert len({d["class"] for _n, d in net.nodes(data=True)}) > 1
    both = to_networkx(bundled, classes="challenge, ssp:Technology")
    assert set(net.nodes) < set(both.nodes)


def test_classes_with_focus_keeps_the_focus(bundled) -> None:
    net = to_networkx(bundled, focus="kg:small-scale-producers", depth=1, classes=["Outcome"])
    classes = {d["class"] for n, d in net.nodes(data=True) if n != KGNS + "small-scale-producers"}
    assert classes == {"outcome"}
    assert KGNS + "small-scale-producers" in net


def test_unknown_class_is_an_input_error(bundled) -> None:
    with pytest.raises(InputError, match="no such class"):
        to_networkx(bundled, classes=["Chalenge"])


def test_construct_result_is_labelled_from_its_context(bundled) -> None:
    text = (
        "PREFIX ssp: <https://w3id.org/ssp-kg/ontology#> "
        "CONSTRUCT { ?s ssp:mitigates ?o } WHERE { ?s ssp:mitigates ?o }"
    )
    result = bundled.graph.query(text).graph
    net = to_networkx(result, context=bundled)
    assert net.number_of_edges() == len(result) > 0
    assert {d["label"] for *_e, d in net.edges(data=True)} == {"mitigates"}
    assert all(d["class"] != "resource" for _n, d in net.nodes(data=True))
    assert all(d["evidence"] for *_e, d in net.edges(data=True))


def test_kg_query_construct_feeds_the_view(bundled) -> None:
    text = (
        "PREFIX ssp: <https://w3id.org/ssp-kg/ontology#> "
        "CONSTRUCT { ?s ssp:faces ?o } WHERE { ?s ssp:faces ?o }"
    )
    result = kg.query(text, graph=bundled)
    net = to_networkx(result, context=bundled)
    assert {k for *_uv, k in net.edges(keys=True)} == {SSP + "faces"}
    assert net.number_of_edges() == len(result)


def test_public_api_exports() -> None:
    assert kg.to_networkx is to_networkx
    from kg.view import render_html

    assert kg.render_html is render_html
