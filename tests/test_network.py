"""RDF -> networkx: what becomes a node, an edge or an attribute, and the scoping options."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

import kg
from kg.errors import InputError
from kg.views.network import to_networkx

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
    modality = set(graph.subjects(RDF.type, URIRef(SSP + "Modality")))  # claims' qualifiers
    expected = {
        str(s)
        for s in (set(graph.subjects(RDF.type, SKOS.Concept)) - modality)
        | set(graph.subjects(RDF.type, URIRef(SSP + "CompetencyQuestion")))
    }
    assert len(modality) == 3 and not {str(m) for m in modality} & set(bundled_net.nodes)
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
    from kg.views.view import render_html

    assert kg.render_html is render_html


# --- Oxigraph input, stable blank nodes, readable blank-node labels ---------------------

ONTOLOGY = """
@prefix ex:   <http://example.org/> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sh:   <http://www.w3.org/ns/shacl#> .
ex:Valve a owl:Class ; rdfs:label "Valve" .
ex:Damper a owl:Class ; rdfs:label "Damper" .
ex:hasPart a owl:ObjectProperty ; rdfs:label "hasPart" .
ex:Unit a owl:Class ;
    rdfs:subClassOf
        [ a owl:Restriction ; owl:onProperty ex:hasPart ; owl:someValuesFrom ex:Valve ] ,
        [ a owl:Restriction ; owl:onProperty ex:hasPart ; owl:minQualifiedCardinality 2 ;
          owl:onClass ex:Damper ] ,
        [ a owl:Class ; owl:unionOf ( ex:Valve ex:Damper ) ] .
ex:UnitShape a sh:NodeShape ; sh:targetClass ex:Unit ;
    sh:property [ sh:path ex:hasPart ; sh:class ex:Valve ; sh:minCount 1 ] .
ex:spare ex:parts ( ex:Valve ex:Damper ex:Unit ) .
"""


def ox_load(path: Path):
    from kg.store import oxengine

    return oxengine.load([path])


def test_oxigraph_and_rdflib_inputs_give_the_same_graph(tmp_path: Path) -> None:
    path = write(tmp_path, FOREIGN + ONTOLOGY.replace("@prefix ex:   <http://example.org/> .", ""))
    from_ox = to_networkx(ox_load(path))
    from_rdflib = to_networkx(Graph().parse(path))
    assert list(from_ox.nodes(data=True)) == list(from_rdflib.nodes(data=True))
    assert list(from_ox.edges(keys=True, data=True)) == list(
        from_rdflib.edges(keys=True, data=True)
    )


def test_blank_node_keys_are_stable_across_oxigraph_loads(tmp_path: Path) -> None:
    path = write(tmp_path, ONTOLOGY)
    first, second = to_networkx(ox_load(path)), to_networkx(ox_load(path))
    blanks = [n for n, d in first.nodes(data=True) if d["kind"] == "blank"]
    # two restrictions, a union, a property shape, two list heads (the union's and ex:parts)
    assert len(blanks) == 6
    assert all(re.fullmatch(r"_:b[0-9a-f]{16}", n) for n in blanks)
    assert list(first.nodes) == list(second.nodes)
    assert list(first.edges(keys=True)) == list(second.edges(keys=True))


CYCLES = """
@prefix ex: <http://example.org/> .
_:a ex:next _:b . _:b ex:next _:a .
_:x ex:next _:y . _:y ex:next _:z . _:z ex:next _:x .
"""


def test_blank_node_cycles_refinement_cannot_tell_apart_are_keyed_the_same_every_load(
    tmp_path: Path,
) -> None:
    # Every node of both cycles has one "next" in and one out, to a node like itself, so
    # colour refinement gives all five one colour. Which cycle was walked first used to
    # follow Oxigraph's random labels: its nodes took the first keys, and the edges
    # between keys changed from load to load.
    path = write(tmp_path, CYCLES)
    nets = [to_networkx(ox_load(path)) for _ in range(8)]
    edges = [sorted(net.edges(keys=True)) for net in nets]
    assert all(e == edges[0] for e in edges)
    assert [len(c) for c in sorted(nx.weakly_connected_components(nets[0]), key=len)] == [2, 3]


PAIRS = """
@prefix ex: <http://example.org/> .
ex:r ex:has _:a , _:b , _:c , _:d .
_:a ex:knows _:b . _:c ex:knows _:d .
"""


def test_tied_siblings_are_keyed_one_at_a_time_so_their_pairs_stay_put(tmp_path: Path) -> None:
    # All four share parent, predicate and surroundings: ranking them at once by the
    # parser's labels could give a and c the two "knower" ranks on one load and a and d
    # on the next, so the edges between keys changed from run to run.
    path = write(tmp_path, PAIRS)
    nets = [to_networkx(ox_load(path)) for _ in range(8)]
    edges = [sorted(net.edges(keys=True)) for net in nets]
    assert all(e == edges[0] for e in edges)
    knows = [(u, v) for u, v, k in nets[0].edges(keys=True) if k == "http://example.org/knows"]
    assert len(knows) == 2 and len({n for pair in knows for n in pair}) == 4


def blank_labels(net: nx.MultiDiGraph) -> set[str]:
    return {d["label"] for _n, d in net.nodes(data=True) if d["kind"] == "blank"}


def test_blank_nodes_are_labelled_by_what_they_say(tmp_path: Path) -> None:
    net = to_networkx(ox_load(write(tmp_path, ONTOLOGY)))
    assert blank_labels(net) == {
        "hasPart some Valve",
        "hasPart min 2 Damper",
        "Valve or Damper",
        "(Valve, Damper)",
        "hasPart: Valve, min 1",
        "(Valve, Damper, Unit)",
    }
    assert "shape of Unit" not in blank_labels(net)  # ex:UnitShape is an IRI, kept by name
    head = next(n for n, d in net.nodes(data=True) if d["label"] == "(Valve, Damper, Unit)")
    members = {net.nodes[v]["label"] for _u, v, k in net.out_edges(head, keys=True)}
    assert members == {"Valve", "Damper", "Unit"}  # one node for the list, not one per cell
    assert {k for _u, _v, k in net.out_edges(head, keys=True)} == {str(RDFS.member)}


def test_a_node_shape_without_a_name_is_labelled_by_its_target(tmp_path: Path) -> None:
    text = """
    @prefix ex: <http://example.org/> . @prefix sh: <http://www.w3.org/ns/shacl#> .
    ex:shapes ex:has [ a sh:NodeShape ; sh:targetClass ex:Pump ] ,
        [ sh:path [ sh:inversePath ex:feeds ] ; sh:maxCount 3 ] .
    """
    net = to_networkx(ox_load(write(tmp_path, text)))
    # the path is a blank node of its own too
    assert blank_labels(net) == {"shape of Pump", "^feeds: max 3", "^feeds"}


def test_blank_nodes_can_be_left_out(tmp_path: Path) -> None:
    path = write(tmp_path, ONTOLOGY)
    net = to_networkx(ox_load(path), blank_nodes=False)
    assert all(d["kind"] == "iri" for _n, d in net.nodes(data=True))
    graph = Graph().parse(path)
    named = {
        str(t)
        for s, p, o in graph
        for t in (s, o)
        if isinstance(t, URIRef)
        and not str(t).startswith(("http://www.w3.org/",))
        and not isinstance(s, BNode)
    }
    assert set(net.nodes) == named
    ex = "http://example.org/"
    assert sorted(
        (u, v, d["label"]) for u, v, d in net.edges(data=True) if d["predicate"] == ex + "hasPart"
    ) == [(ex + "Unit", ex + "Damper", "hasPart with"), (ex + "Unit", ex + "Valve", "hasPart some")]


def test_a_thousand_long_blank_node_chain(tmp_path: Path) -> None:
    members = " ".join(f'"m{i}"' for i in range(1000))
    nested = "[ ex:next " * 1000 + "ex:end" + " ]" * 1000
    text = (
        "@prefix ex: <http://example.org/> .\n"
        f"ex:a ex:list ( {members} ) .\nex:b ex:chain {nested} ."
    )
    path = write(tmp_path, text)  # rdflib's Turtle parser cannot read this nesting
    net = to_networkx(ox_load(path))
    blanks = [n for n, d in net.nodes(data=True) if d["kind"] == "blank"]
    assert len(blanks) == 1000 + 1  # the chain's nodes, and the list as one node
    again = to_networkx(ox_load(path))
    assert list(net.nodes) == list(again.nodes)
    head = next(n for n in blanks if net.nodes[n]["label"].startswith("("))
    assert net.nodes[head]["label"] == "(m0, m1, m2, m3, m4, m5, …)"


def test_quads_in_two_graphs_are_drawn_once(tmp_path: Path) -> None:
    from kg.store import oxengine

    text = """
    <http://example.org/g1> { <http://example.org/a> <http://example.org/p> <http://example.org/b> ;
        <http://example.org/note> "hi" . }
    <http://example.org/g2> { <http://example.org/a> <http://example.org/p> <http://example.org/b> ;
        <http://example.org/note> "hi" . }
    """
    net = to_networkx(oxengine.load([write(tmp_path, text, "q.trig")]))
    assert net.number_of_edges() == 1
    assert net.nodes["http://example.org/a"]["literals"] == [["note", "hi"]]


# --- Schemas, big graphs ------------------------------------------------------------------

VOCABULARY = """
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<http://www.w3.org/2004/02/skos/core> a owl:Ontology .
skos:Concept a owl:Class ; rdfs:label "Concept"@en .
skos:ConceptScheme a owl:Class ; rdfs:label "Concept Scheme"@en ; owl:disjointWith skos:Concept .
skos:inScheme a owl:ObjectProperty ; rdfs:range skos:ConceptScheme .
skos:broader a owl:ObjectProperty ; rdfs:subPropertyOf skos:semanticRelation ;
    rdfs:domain skos:Concept ; rdfs:range skos:Concept .
skos:semanticRelation a owl:ObjectProperty .
"""


def test_schema_draws_a_vocabularys_own_terms(tmp_path: Path) -> None:
    path = write(tmp_path, VOCABULARY)
    plain = to_networkx(ox_load(path))
    assert set(plain.nodes) == {"http://www.w3.org/2004/02/skos/core"}  # SKOS terms folded
    net = to_networkx(ox_load(path), schema=True)
    skos = str(SKOS)
    assert set(net.nodes) == {
        skos + name
        for name in ("Concept", "ConceptScheme", "inScheme", "broader", "semanticRelation")
    }
    assert set(net.edges(keys=True)) == {
        (skos + "ConceptScheme", skos + "Concept", "http://www.w3.org/2002/07/owl#disjointWith"),
        (skos + "inScheme", skos + "ConceptScheme", str(RDFS.range)),
        (skos + "broader", skos + "semanticRelation", str(RDFS.subPropertyOf)),
        (skos + "broader", skos + "Concept", str(RDFS.domain)),
        (skos + "broader", skos + "Concept", str(RDFS.range)),
    }
    assert net.nodes[skos + "broader"]["class"] == "ObjectProperty"


def star(tmp_path: Path) -> Path:
    """A hub with 30 leaves, a smaller hub with 5, and 20 linked pairs."""
    lines = [
        f"<http://example.org/hub> <http://example.org/p> <http://example.org/leaf{i}> ."
        for i in range(30)
    ]
    lines += [
        f"<http://example.org/small> <http://example.org/p> <http://example.org/s{i}> ."
        for i in range(5)
    ]
    lines += [
        f"<http://example.org/x{i}> <http://example.org/p> <http://example.org/y{i}> ."
        for i in range(20)
    ]
    return write(tmp_path, "\n".join(lines), "star.nt")


def test_max_nodes_keeps_the_most_connected_and_their_neighbours(tmp_path: Path) -> None:
    net = to_networkx(ox_load(star(tmp_path)), max_nodes=12)
    ex = "http://example.org/"
    assert net.number_of_nodes() == 12
    assert ex + "hub" in net and ex + "small" in net
    # per hub at most max(8, 12 // 20) neighbours: 8 leaves of the hub, then the small hub
    assert sum(1 for n in net if n.startswith(ex + "leaf")) == 8
    assert sum(1 for n in net if n.startswith(ex + "s")) == 3  # "small" and two of its leaves
    assert net.graph["omitted"] == {  # 31 + 6 + 40 nodes, 30 + 5 + 20 edges
        "nodes": 77 - 12,
        "edges": 55 - 10,
        "total_nodes": 77,
    }


def test_max_nodes_with_focus_keeps_the_focus(tmp_path: Path) -> None:
    net = to_networkx(ox_load(star(tmp_path)), focus="http://example.org/hub", max_nodes=5)
    assert net.number_of_nodes() == 5
    assert "http://example.org/hub" in net and net.graph["focus"] == "http://example.org/hub"


def test_class_summary_counts_classes_and_links(tmp_path: Path) -> None:
    from kg.views.netsummary import class_summary

    text = """
    @prefix ex: <http://example.org/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    @prefix ssp: <https://w3id.org/ssp-kg/ontology#> .
    ex:Farm rdfs:label "farm" .
    ex:f1 a ex:Farm ; ex:sells ex:m1 , ex:m2 ; ssp:evidence ex:e1 .
    ex:f2 a ex:Farm ; ex:sells ex:m1 .
    ex:m1 a ex:Market . ex:m2 a ex:Market .
    ex:e1 a ssp:Evidence .
    """
    net = class_summary(ox_load(write(tmp_path, text)))
    ex = "http://example.org/"
    assert sorted(net.nodes) == [ex + "Farm", ex + "Market"]  # evidence records left out
    assert net.nodes[ex + "Farm"]["label"] == "farm (2)"
    assert net.nodes[ex + "Market"]["weight"] == 2
    assert list(net.edges(keys=True, data="label")) == [
        (ex + "Farm", ex + "Market", ex + "sells", "sells \N{MULTIPLICATION SIGN}3")
    ]


TWO_TYPES = """\
@prefix e: <http://example.org/> .
e:comp a e:Plugin, e:Compressor ; e:port [ a e:Port, e:InputPort ] .
e:gate a e:Compressor .
e:other a e:Port .
"""


def _two_types(tmp_path: Path) -> kg.KnowledgeGraph:
    path = tmp_path / "two-types.ttl"
    path.write_text(TWO_TYPES, encoding="utf-8")
    return kg.load([path], bundled=False)


def test_classes_match_every_asserted_class_not_only_the_most_specific(tmp_path: Path) -> None:
    # e:comp is a Plugin and a Compressor, with no subclass link between them: asking for
    # either class keeps it (its drawn class is one of the two).
    graph = _two_types(tmp_path)
    plugins = to_networkx(graph, classes=["Plugin"])
    assert sorted(plugins.nodes) == ["http://example.org/comp"]
    compressors = to_networkx(graph, classes="e:Compressor")
    assert sorted(compressors.nodes) == ["http://example.org/comp", "http://example.org/gate"]
    ports = to_networkx(graph, classes=["InputPort"])  # a blank node with two types
    assert [d["kind"] for _n, d in ports.nodes(data=True)] == ["blank"]


def test_classes_after_a_query_match_every_asserted_class(tmp_path: Path) -> None:
    path = tmp_path / "two-types.ttl"
    path.write_text(TWO_TYPES, encoding="utf-8")
    out = tmp_path / "view.html"
    done = subprocess.run(
        [sys.executable, "-m", "kg", "viz", "--data", str(path), "--classes", "Plugin",
         "--query", "SELECT ?s WHERE { ?s a ?c }", "-o", str(out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "(1 nodes, 0 edges)" in done.stderr, done.stderr  # e:comp alone


def test_a_files_own_prefix_wins_in_focus_and_classes(tmp_path: Path) -> None:
    # The file binds schema: to http://schema.org/ (the project's schema: is https).
    path = tmp_path / "own-schema.ttl"
    path.write_text(
        "@prefix schema: <http://schema.org/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "schema:Place a rdfs:Class .\n"
        "schema:Museum rdfs:subClassOf schema:Place .\n"
        "<http://example.org/louvre> a schema:Museum .\n",
        encoding="utf-8",
    )
    graph = kg.load([path], bundled=False)
    near = to_networkx(graph, focus="schema:Museum", depth=1)
    assert near.graph["focus"] == "http://schema.org/Museum"
    places = to_networkx(graph, classes="schema:Place")
    assert sorted(places.nodes) == ["http://example.org/louvre"]


HASHLIKE = re.compile(r"[0-9a-f]{12}")
PORTS = """\
@prefix e: <http://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
e:comp a e:Plugin ; rdfs:label "compressor" ;
    e:port [ a e:Port ; e:index 0 ; e:range [ e:min 0 ; e:max 1 ] ] ,
           [ a e:Port ; e:index 1 ; e:range [ e:min 0 ; e:max 1 ] ] ;
    e:presets ( e:soft e:hard ) .
e:gate a e:Plugin ; e:port [ a e:Port ; e:index 0 ; e:range [ e:min 0 ; e:max 1 ] ] .
"""


def test_a_focus_with_blank_nodes_keys_them_stably(tmp_path: Path) -> None:
    """The blank nodes around a focus get the same keys on every load (Oxigraph names them
    at random) and from rdflib's parser, and their labels say what they are."""
    path = tmp_path / "ports.ttl"
    path.write_text(PORTS, encoding="utf-8")
    views = [
        to_networkx(kg.load([path], bundled=False), focus="e:comp", depth=2) for _ in range(3)
    ]
    views.append(to_networkx(Graph().parse(path), focus="http://example.org/comp", depth=2))
    keys = [sorted(v.nodes) for v in views]
    assert keys[0] == keys[1] == keys[2] == keys[3]
    first = views[0]
    blanks = [n for n, d in first.nodes(data=True) if d["kind"] == "blank"]
    assert len(blanks) == 5  # two ports, their two ranges, the presets list; not gate's port
    assert all(n.startswith("_:b") and len(n) == 19 for n in blanks)  # _:b + 16 hex digits
    assert not any(HASHLIKE.search(d["label"]) for _n, d in first.nodes(data=True))
