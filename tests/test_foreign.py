"""Real third-party RDF (tests/corpus.py): honest figures, honest validation, exact counts.

Every expected value comes from pyoxigraph read directly (an independent reader: no kg code),
or is a count recorded by hand for the pinned package versions. Each command runs in a
subprocess with a generous timeout, a guard against hangs rather than a speed test.
"""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from .conftest import kg_process
from .corpus import NAMES, corpus_path

# Distinct triples per file, counted by loading each file into a bare pyoxigraph Store, for
# pylode 3.4.1, brickschema 0.8.0, the pySHACL in pyproject.toml, Debian's lv2-dev 1.18.4, and
# Debian 12's lsp-plugins-lv2 1.2.5-1 with x42-plugins 20221119-1 (lv2-plugins.nt: 553,655
# triples as parsed, 551,572 distinct; rapper -i ntriples piped through sort -u agrees).
TRIPLES = {
    "skos.ttl": 252,
    "prov.ttl": 1668,
    "shacl-shacl.ttl": 420,
    "schemaorg.ttl": 23877,
    "brick15.ttl": 62083,
    "s223.ttl": 8871,
    "lv2.nt": 7054,
    "lv2-plugins.nt": 551572,
}
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABELS = {
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://schema.org/name",
    "https://schema.org/name",
    "http://purl.org/dc/terms/title",
}
TIMEOUT = 900  # seconds: a hang guard on a loaded machine, not a speed requirement


def kg(*args: str) -> subprocess.CompletedProcess[str]:
    return kg_process(*args, timeout=TIMEOUT)


def read(path: Path) -> list[ox.Triple]:
    """The file's distinct triples, as bare pyoxigraph parses them."""
    fmt = ox.RdfFormat.N_TRIPLES if path.suffix == ".nt" else ox.RdfFormat.TURTLE
    store = ox.Store()
    store.load(path=str(path), format=fmt, base_iri=path.resolve().as_uri())
    return [quad.triple for quad in store]


@pytest.fixture(scope="module", params=NAMES)
def corpus_file(request) -> tuple[Path, list[ox.Triple]]:
    path = corpus_path(request.param)
    return path, read(path)


def test_the_corpus_holds_the_recorded_triples(corpus_file):
    path, triples = corpus_file
    assert len(triples) == TRIPLES[path.name]


def test_stats_describe_the_graph(corpus_file):
    path, triples = corpus_file
    run = kg("stats", "--json", "--data", str(path))
    assert run.returncode == 0, run.stderr
    figures = json.loads(run.stdout)

    subjects = {t.subject for t in triples}
    per_property = Counter(t.predicate.value for t in triples)
    instances: dict[str, set[object]] = {}
    for t in triples:
        if t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode):
            instances.setdefault(t.object.value, set()).add(t.subject)
    assert figures["triples"] == len(triples) == TRIPLES[path.name]
    assert figures["subjects"] == len(subjects) > 0
    assert figures["blank_subjects"] == sum(isinstance(s, ox.BlankNode) for s in subjects)
    labelled = {t.subject for t in triples if t.predicate.value in LABELS}
    assert figures["labelled_subjects"] == len(labelled)
    assert figures["labelled_share"] == round(len(labelled) / len(subjects), 4)
    # Tables are keyed by prefixed names: compare what they count, row for row.
    assert sorted(figures["properties"].values()) == sorted(per_property.values())
    assert sum(figures["properties"].values()) == len(triples)
    assert sorted(figures["classes"].values()) == sorted(len(v) for v in instances.values())
    assert figures["classes"], "every corpus file types some of its resources"
    assert figures["ssp_vocabulary"] is False
    assert "concepts" not in figures and "relations_per_property" not in figures


def test_human_stats_say_the_ssp_figures_are_not_counted(corpus_file):
    path, triples = corpus_file
    run = kg("stats", "--data", str(path))
    assert run.returncode == 0, run.stderr
    assert f"triples              {len(triples)}\n" in run.stdout
    assert "ssp vocabulary       not used" in run.stdout
    assert "instances per class" in run.stdout and "triples per property" in run.stdout
    assert "concepts per class" not in run.stdout


def _generic_targets(triples: list[ox.Triple]) -> int:
    """Nodes the bundled shapes' non-ssp targets select: instances of skos:Concept and
    rdf:Statement (through rdfs:subClassOf) and subjects of skos:related."""
    store = ox.Store()
    store.extend([ox.Quad(t.subject, t.predicate, t.object) for t in triples])
    query = """
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {
          { ?x rdf:type/rdfs:subClassOf* skos:Concept }
          UNION { ?x rdf:type/rdfs:subClassOf* rdf:Statement }
          UNION { ?x skos:related ?y }
        }"""
    return int(next(iter(store.query(query)))[0].value)


def test_validate_with_the_bundled_shapes_checks_nothing_and_says_so(corpus_file):
    path, triples = corpus_file
    run = kg("validate", "--data", str(path))
    assert run.returncode == 0, (run.stdout[-2000:], run.stderr)
    assert "OK" not in run.stdout
    line = run.stdout.strip().splitlines()[-1]
    assert line.startswith("Nothing checked: the graph uses no ssp-kg vocabulary")
    assert "(0 focus nodes checked, 0 evidence anchors)" in line
    matched = _generic_targets(triples)
    if matched:
        assert f": {matched} of its nodes match their generic targets" in line
    else:
        assert "the bundled shapes target none of its nodes" in line


def test_brick_has_concepts_the_ssp_profile_would_have_judged():
    """Brick 1.5 has 45 quantities (hand-checked: 45 lines 'X a brick:Quantity' in Brick.ttl),
    and brick:Quantity is rdfs:subClassOf skos:Concept: the ssp profile would demand evidence
    and an ssp concept scheme of each (258 violations before), so it is not applied."""
    path = corpus_path("brick15.ttl")
    assert _generic_targets(read(path)) == 45


def test_export_round_trips_every_triple(corpus_file, tmp_path):
    path, triples = corpus_file
    run = kg("export", "--data", str(path), "-f", "nt")
    assert run.returncode == 0, run.stderr
    out = tmp_path / "out.nt"
    out.write_text(run.stdout, encoding="utf-8")
    assert len(read(out)) == len(triples)


# A label that is, or holds, a hash: a blank-node key (_:b + hex) or a long hex run.
HASH = re.compile(r"_:|(?<![0-9A-Za-z])[0-9a-f]{12,}(?![0-9A-Za-z])")


def test_graphml_labels_no_node_by_a_hash(corpus_file, tmp_path):
    """The property-graph export: every node is an IRI of the file or a blank node, and
    each is labelled by what it says (a label, a local name, "a ControlPort"), not a hash."""
    path, triples = corpus_file
    out = tmp_path / "out.graphml"
    run = kg("export", "--data", str(path), "-f", "graphml", "-o", str(out))
    assert run.returncode == 0, run.stderr
    iris = {t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)}
    iris |= {t.object.value for t in triples if isinstance(t.object, ox.NamedNode)}
    label_key, nodes, blank = None, 0, 0
    for _event, element in ET.iterparse(out):
        tag = element.tag.rpartition("}")[2]
        if tag == "key" and element.get("for") == "node" and element.get("attr.name") == "label":
            label_key = element.get("id")
        elif tag == "node":
            node, nodes = element.get("id"), nodes + 1
            label = next((d.text or "" for d in element if d.get("key") == label_key), "")
            assert label and not HASH.search(label), (node, label)
            if node.startswith("_:"):
                blank += 1
            else:
                assert node in iris, node
            element.clear()
    assert nodes > 0
    assert blank <= len({t.subject for t in triples if isinstance(t.subject, ox.BlankNode)}
                        | {t.object for t in triples if isinstance(t.object, ox.BlankNode)})


def test_classes_keep_every_resource_typed_with_the_class(tmp_path):
    """``--classes Plugin`` keeps every resource asserted to be an lv2:Plugin, whatever other
    class it also has (most plugins are also a DelayPlugin, a CompressorPlugin...)."""
    path = corpus_path("lv2-plugins.nt")
    plugin = "http://lv2plug.in/ns/lv2core#Plugin"
    typed = {t.subject for t in read(path) if t.predicate.value == RDF_TYPE
             and t.object.value == plugin}  # fmt: skip
    out = tmp_path / "plugins.html"
    run = kg("viz", "--data", str(path), "--classes", "Plugin", "-o", str(out))
    assert run.returncode == 0, run.stderr
    assert f"({len(typed)} nodes, " in run.stderr, run.stderr
    assert len(typed) > 200


def test_query_counts_the_same_triples(corpus_file):
    path, triples = corpus_file
    text = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    run = kg("query", text, "--data", str(path), "-f", "csv")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["n", str(len(triples))]


# --- kg validate --shapes: the user's own shapes on foreign data -------------------------

SKOS_SHAPES = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <http://example.org/shapes#> .

ex:PropertyLabel a sh:NodeShape ;
    sh:targetClass rdf:Property ;
    sh:property [ sh:path rdfs:label ; sh:minCount 1 ] .
"""
RANGE_SHAPE = """
ex:ObjectPropertyRange a sh:NodeShape ;
    sh:targetClass owl:ObjectProperty ;
    sh:property [ sh:path rdfs:range ; sh:minCount 1 ] .
"""


def _count(path: Path, query: str) -> int:
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri())
    prefixes = (
        "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "PREFIX owl: <http://www.w3.org/2002/07/owl#> "
    )
    return int(next(iter(store.query(prefixes + query)))[0].value)


def test_own_shapes_that_hold_count_their_focus_nodes(tmp_path):
    path = corpus_path("skos.ttl")
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(SKOS_SHAPES, encoding="utf-8")
    properties = _count(path, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a rdf:Property }")
    unlabelled = _count(
        path,
        "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a rdf:Property "
        "FILTER NOT EXISTS { ?p rdfs:label ?l } }",
    )
    assert properties == 28 and unlabelled == 0  # hand-checked: SKOS labels all 28
    run = kg("validate", "--data", str(path), "--shapes", str(shapes))
    assert run.returncode == 0, (run.stdout, run.stderr)
    assert run.stdout == (
        f"OK: the graph conforms to {shapes} ({properties} focus nodes checked), and its 0 "
        "evidence anchors are in their paragraphs (the article's fingerprint).\n"
    )


def test_own_shapes_that_fail_name_each_violation(tmp_path):
    path = corpus_path("skos.ttl")
    first, second = tmp_path / "labels.ttl", tmp_path / "ranges.ttl"
    first.write_text(SKOS_SHAPES, encoding="utf-8")
    second.write_text(SKOS_SHAPES + RANGE_SHAPE, encoding="utf-8")
    without_range = _count(
        path,
        "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a owl:ObjectProperty "
        "FILTER NOT EXISTS { ?p rdfs:range ?r } }",
    )
    focus = _count(
        path,
        "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { { ?p a rdf:Property } "
        "UNION { ?p a owl:ObjectProperty } }",
    )
    assert without_range > 0
    run = kg("validate", "--data", str(path), "--shapes", str(first), "--shapes", str(second))
    assert run.returncode == 1, (run.stdout, run.stderr)
    violations = [line for line in run.stdout.splitlines() if line.startswith("Violation:")]
    assert len(violations) == without_range
    assert all("rdfs:range" in line and "MinCountConstraintComponent" in line
               for line in violations)  # fmt: skip
    assert run.stderr == (
        f"FAILED: {without_range} problem(s) ({focus} focus nodes checked against "
        f"{first}, {second}, 0 evidence anchors).\n"
    )


def test_own_shapes_that_target_nothing_say_so(tmp_path):
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(SKOS_SHAPES, encoding="utf-8")
    path = corpus_path("shacl-shacl.ttl")
    assert _count(path, "SELECT (COUNT(*) AS ?n) WHERE { ?p a rdf:Property }") == 0
    run = kg("validate", "--data", str(path), "--shapes", str(shapes))
    assert run.returncode == 0, (run.stdout, run.stderr)
    assert run.stdout == (
        f"Nothing checked: {shapes} target no node of the graph "
        "(0 focus nodes checked, 0 evidence anchors).\n"
    )


def test_a_missing_shapes_file_is_one_line(tmp_path):
    run = kg("validate", "--data", str(corpus_path("skos.ttl")), "--shapes", "nope.ttl")
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert len(run.stderr.splitlines()) == 1 and "nope.ttl" in run.stderr
