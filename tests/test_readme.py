"""The README stays true: its counts, its class and property tables, its two commands."""

from __future__ import annotations

import re

from rdflib import OWL, RDF, BNode

from kg.namespaces import shorten
from kg.stats import compute_stats

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_counts_match_the_bundled_graph(bundled, rdflib_bundled):
    figures = compute_stats(bundled)
    assert figures.triples == len(rdflib_bundled)
    match = re.search(r"\*\*(\d+) concepts\*\* and \*\*(\d+) relations\*\* \((\d+) triples", README)
    assert match, "the README must state the counts"
    assert (int(match[1]), int(match[2]), int(match[3])) == (
        figures.concepts,
        figures.relations,
        figures.triples,
    )
    assert f"plus {figures.hierarchy_links} `skos:broader` links" in README


def test_every_class_and_relation_is_in_the_tables(rdflib_bundled):
    ontology = rdflib_bundled
    for cls in ontology.subjects(RDF.type, OWL.Class):
        if not isinstance(cls, BNode):
            assert f"| `{shorten(str(cls))}` |" in README, cls
    for prop in ontology.subjects(OWL.inverseOf, None):
        assert f"| `{shorten(str(prop))}` |" in README, prop


def test_readme_opens_with_the_two_commands():
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line for line in first_block.splitlines() if line and not line.startswith("#")]
    assert len(commands) == 2
    assert commands[1] == "bash .ci/run"
    assert (REPO / ".ci" / "run").exists()
