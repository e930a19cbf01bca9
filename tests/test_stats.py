"""`kg stats`: the figures describe the graph and are consistent with each other."""

from __future__ import annotations

import json

from .conftest import FIXTURES

CORE_CLASSES = ("ssp:Producer", "ssp:Challenge", "ssp:Technology", "ssp:Outcome")


def _stats(run_kg, *args):
    result = run_kg("stats", "--json", *args)
    assert result.code == 0, result
    return json.loads(result.stdout)


def test_bundled_graph_is_complete_and_fully_evidenced(run_kg, bundled):
    figures = _stats(run_kg)
    assert figures["triples"] == len(bundled.graph)
    assert figures["concepts"] >= 100
    assert figures["relations"] >= 150
    assert figures["concept_evidence_share"] == 1.0
    assert figures["relation_evidence_share"] == 1.0
    assert sum(figures["relations_per_property"].values()) == figures["relations"]


def test_every_core_kind_has_concepts(bundled):
    """Concepts of each core kind exist (through subclasses too)."""
    for cls in CORE_CLASSES:
        rows = bundled.graph.query(
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
