"""`kg stats`: the figures describe the graph and are consistent with each other."""

from __future__ import annotations

import json

from .conftest import FIXTURES

CORE_CLASSES = ("ssp:Producer", "ssp:Challenge", "ssp:Technology", "ssp:Outcome")


def _stats(run_kg, *args):
    result = run_kg("stats", "--json", *args)
    assert result.code == 0, result
    return json.loads(result.stdout)


def test_bundled_graph_is_complete_and_fully_evidenced(run_kg, rdflib_bundled):
    figures = _stats(run_kg)
    assert figures["triples"] == len(rdflib_bundled)
    assert figures["concepts"] >= 100
    assert figures["relations"] >= 150
    assert figures["concept_evidence_share"] == 1.0
    assert figures["relation_evidence_share"] == 1.0
    assert sum(figures["relations_per_property"].values()) == figures["relations"]


def test_every_core_kind_has_concepts(rdflib_bundled):
    """Concepts of each core kind exist (through subclasses too)."""
    for cls in CORE_CLASSES:
        rows = rdflib_bundled.query(
            "PREFIX ssp: <https://w3id.org/ssp-kg/ontology#> "
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c a/rdfs:subClassOf* {cls} }}"
        )
        assert int(next(iter(rows))[0]) >= 3, cls


def test_stats_on_a_user_file(run_kg):
    figures = _stats(run_kg, str(FIXTURES / "valid" / "minimal.ttl"))
    assert figures["concepts"] == 2
    assert figures["relations"] == 1
    assert figures["relations_per_property"] == {"ssp:faces": 1}
    assert figures["concepts_per_class"] == {
        "ssp:FinancialChallenge": 1,
        "ssp:SmallScaleProducer": 1,
    }


def test_human_output_names_the_figures(run_kg):
    result = run_kg("stats")
    assert result.code == 0
    assert "concepts per class:" in result.stdout
    assert "relations per property:" in result.stdout


def test_bundled_graph_has_generic_figures_too(run_kg, rdflib_bundled):
    """Generic figures beside the ssp ones, checked against rdflib's own parse and iteration."""
    from collections import Counter

    from rdflib import RDF, BNode, URIRef

    figures = _stats(run_kg)
    graph = rdflib_bundled
    subjects = set(graph.subjects())
    assert figures["ssp_vocabulary"] is True
    assert figures["subjects"] == len(subjects)
    assert figures["blank_subjects"] == sum(isinstance(s, BNode) for s in subjects)
    assert sorted(figures["properties"].values()) == sorted(
        Counter(p for _s, p, _o in graph).values()
    )
    instances: dict[object, set[object]] = {}
    for s, o in graph.subject_objects(RDF.type):
        if isinstance(o, URIRef):
            instances.setdefault(o, set()).add(s)
    assert sorted(figures["classes"].values()) == sorted(len(v) for v in instances.values())
    assert figures["classes"]["skos:Concept"] == figures["concepts"]


def test_a_triple_in_two_named_graphs_counts_once_per_property(run_kg, tmp_path):
    quads = tmp_path / "two.nq"
    quads.write_text(
        "<http://e/a> <http://e/p> <http://e/b> <http://e/g1> .\n"
        "<http://e/a> <http://e/p> <http://e/b> <http://e/g2> .\n"
        "_:x <http://www.w3.org/2000/01/rdf-schema#label> \"x\" <http://e/g1> .\n"
        "<http://e/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://e/C> .\n",
        encoding="utf-8",
    )
    figures = _stats(run_kg, str(quads))
    assert figures["triples"] == 3
    assert figures["properties"] == {"<http://e/p>": 1, "rdfs:label": 1, "rdf:type": 1}
    assert figures["classes"] == {"<http://e/C>": 1}
    assert (figures["subjects"], figures["blank_subjects"], figures["labelled_subjects"]) == (
        2,
        1,
        1,
    )
    assert figures["ssp_vocabulary"] is False and "concepts" not in figures


def test_human_output_on_foreign_data_says_the_ssp_figures_are_absent(run_kg, tmp_path):
    path = tmp_path / "tiny.ttl"
    path.write_text(
        "@prefix ex: <http://example.org/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        'ex:a a ex:Thing ; rdfs:label "A" .\nex:b a ex:Thing .\n',
        encoding="utf-8",
    )
    result = run_kg("stats", str(path))
    assert result.code == 0, result
    lines = result.stdout.splitlines()
    assert lines[0] == "triples              3"
    assert lines[1] == "subjects             2 (50% with a label, 0% blank nodes)"
    assert "ssp vocabulary       not used" in result.stdout
    assert "  ex:Thing      2" in lines
    assert "concepts per class:" not in result.stdout
