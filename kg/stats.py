"""Counts that describe a loaded graph: triples, concepts per class, relations per property."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from rdflib import Graph

from kg.namespaces import shorten
from kg.resources import internal_query


@dataclass
class Stats:
    """The figures ``kg stats`` prints."""

    triples: int
    concepts: int
    concepts_with_evidence: int
    relations: int
    relations_with_evidence: int
    hierarchy_links: int
    concepts_per_class: dict[str, int]
    relations_per_property: dict[str, int]

    @property
    def concept_evidence_share(self) -> float:
        return self.concepts_with_evidence / self.concepts if self.concepts else 0.0

    @property
    def relation_evidence_share(self) -> float:
        return self.relations_with_evidence / self.relations if self.relations else 0.0

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["concept_evidence_share"] = round(self.concept_evidence_share, 4)
        data["relation_evidence_share"] = round(self.relation_evidence_share, 4)
        return data


def compute_stats(graph: Graph) -> Stats:
    """Count what ``graph`` holds."""
    per_class = {
        shorten(str(row[0])): int(row[1])
        for row in graph.query(internal_query("stats-concepts-per-class"))
    }
    per_property: dict[str, int] = {}
    relations = backed = 0
    for row in graph.query(internal_query("stats-relations-per-property")):
        per_property[shorten(str(row[0]))] = int(row[1])
        relations += int(row[1])
        backed += int(row[2])
    concept_row = next(iter(graph.query(internal_query("stats-concept-evidence"))))
    hierarchy_row = next(iter(graph.query(internal_query("stats-hierarchy"))))
    return Stats(
        triples=len(graph),
        concepts=int(concept_row[0]),
        concepts_with_evidence=int(concept_row[1]),
        relations=relations,
        relations_with_evidence=backed,
        hierarchy_links=int(hierarchy_row[0]),
        concepts_per_class=per_class,
        relations_per_property=per_property,
    )
