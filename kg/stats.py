"""Counts that describe a loaded graph: triples, concepts per class, relations per property."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from kg.prefixes import shorten
from kg.resources import internal_query
from kg.terms import neutral

if TYPE_CHECKING:  # pragma: no cover
    from rdflib import Graph

# Runs an internal SELECT query and gives its rows as sequences of terms (rdflib or Term).
Select = Callable[[str], Sequence[Sequence[Any]]]


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
    """Count what the rdflib ``graph`` holds."""
    return stats_from(lambda text: list(graph.query(text)), len(graph))


def stats_from(select: Select, triples: int) -> Stats:
    """The figures from ``select`` (any engine) and the number of distinct triples."""
    per_class = {
        shorten(_text(row[0])): _int(row[1])
        for row in select(internal_query("stats-concepts-per-class"))
    }
    per_property: dict[str, int] = {}
    relations = backed = 0
    for row in select(internal_query("stats-relations-per-property")):
        per_property[shorten(_text(row[0]))] = _int(row[1])
        relations += _int(row[1])
        backed += _int(row[2])
    concept_row = select(internal_query("stats-concept-evidence"))[0]
    hierarchy_row = select(internal_query("stats-hierarchy"))[0]
    return Stats(
        triples=triples,
        concepts=_int(concept_row[0]),
        concepts_with_evidence=_int(concept_row[1]),
        relations=relations,
        relations_with_evidence=backed,
        hierarchy_links=_int(hierarchy_row[0]),
        concepts_per_class=per_class,
        relations_per_property=per_property,
    )


def _text(term: Any) -> str:
    value = neutral(term)
    return value.value if value is not None else ""


def _int(term: Any) -> int:
    value = neutral(term)
    return int(value.value) if value is not None else 0
