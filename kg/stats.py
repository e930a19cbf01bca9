"""Counts that describe a loaded graph.

Generic figures for any graph: triples, subjects (with a label, blank), instances per class
and triples per property. The ssp-kg figures (concepts per class, relations per property,
evidence shares, hierarchy links) only when the graph uses the ssp vocabulary: a class or a
property in its namespace.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kg.prefixes import PREFIXES, shorten
from kg.resources import internal_query
from kg.terms import neutral

# Runs an internal SELECT query and gives its rows as sequences of terms.
Select = Callable[[str], Sequence[Sequence[Any]]]

SSP_NAMESPACE = "https://w3id.org/ssp-kg/ontology#"
LABEL_PROPERTIES = ("rdfs:label", "skos:prefLabel", "schema:name", "dcterms:title")
# The keys of the ssp-kg figures in as_dict(): absent when the graph has no ssp vocabulary.
SSP_KEYS = (
    "concepts",
    "concepts_with_evidence",
    "concept_evidence_share",
    "relations",
    "relations_with_evidence",
    "relation_evidence_share",
    "hierarchy_links",
    "concepts_per_class",
    "relations_per_property",
)


@dataclass
class Stats:
    """The figures ``kg stats`` prints.

    ``classes`` and ``properties`` are keyed by full IRIs (shortened on output, with the
    file's own prefixes if given); the ssp tables by shortened names, as before.
    """

    triples: int
    concepts: int = 0
    concepts_with_evidence: int = 0
    relations: int = 0
    relations_with_evidence: int = 0
    hierarchy_links: int = 0
    concepts_per_class: dict[str, int] = field(default_factory=dict)
    relations_per_property: dict[str, int] = field(default_factory=dict)
    subjects: int = 0
    labelled_subjects: int = 0
    blank_subjects: int = 0
    classes: dict[str, int] = field(default_factory=dict)
    properties: dict[str, int] = field(default_factory=dict)
    ssp_vocabulary: bool = False

    @property
    def concept_evidence_share(self) -> float:
        return self.concepts_with_evidence / self.concepts if self.concepts else 0.0

    @property
    def relation_evidence_share(self) -> float:
        return self.relations_with_evidence / self.relations if self.relations else 0.0

    @property
    def labelled_share(self) -> float:
        return self.labelled_subjects / self.subjects if self.subjects else 0.0

    @property
    def blank_share(self) -> float:
        return self.blank_subjects / self.subjects if self.subjects else 0.0

    def as_dict(self, prefixes: Mapping[str, str] | None = None) -> dict[str, object]:
        """The figures as JSON values; ``prefixes`` (a file's own) shorten the generic tables."""
        names = {**PREFIXES, **(prefixes or {})}
        data: dict[str, object] = {
            "triples": self.triples,
            "subjects": self.subjects,
            "labelled_subjects": self.labelled_subjects,
            "labelled_share": round(self.labelled_share, 4),
            "blank_subjects": self.blank_subjects,
            "blank_share": round(self.blank_share, 4),
            "classes": {shorten(iri, names): n for iri, n in self.classes.items()},
            "properties": {shorten(iri, names): n for iri, n in self.properties.items()},
            "ssp_vocabulary": self.ssp_vocabulary,
        }
        if self.ssp_vocabulary:
            data.update(
                concepts=self.concepts,
                concepts_with_evidence=self.concepts_with_evidence,
                concept_evidence_share=round(self.concept_evidence_share, 4),
                relations=self.relations,
                relations_with_evidence=self.relations_with_evidence,
                relation_evidence_share=round(self.relation_evidence_share, 4),
                hierarchy_links=self.hierarchy_links,
                concepts_per_class=dict(self.concepts_per_class),
                relations_per_property=dict(self.relations_per_property),
            )
        return data


def compute_stats(graph: Any) -> Stats:
    """Count what ``graph`` holds: what :func:`kg.load` returns, or an rdflib Graph."""
    from kg.store.oxengine import KnowledgeGraph, from_rdflib

    loaded = graph if isinstance(graph, KnowledgeGraph) else from_rdflib(graph)
    return stats_from(loaded.select, loaded.triple_count())


def stats_from(select: Select, triples: int) -> Stats:
    """The figures from ``select`` (any engine) and the number of distinct triples."""

    def run(name: str) -> Sequence[Sequence[Any]]:
        return select(internal_query(name))

    figures = Stats(triples=triples)
    figures.properties = _counts(run("stats-properties"))
    figures.classes = _counts(run("stats-classes"))
    subjects = run("stats-subjects")[0]
    figures.subjects, figures.blank_subjects = _int(subjects[0]), _int(subjects[1])
    figures.labelled_subjects = _int(run("stats-labelled")[0][0])
    figures.ssp_vocabulary = any(
        iri.startswith(SSP_NAMESPACE) for iri in (*figures.classes, *figures.properties)
    )
    if figures.ssp_vocabulary:
        _ssp_figures(run, figures)
    return figures


def _ssp_figures(run: Callable[[str], Sequence[Sequence[Any]]], figures: Stats) -> None:
    figures.concepts_per_class = {
        shorten(_text(row[0])): _int(row[1]) for row in run("stats-concepts-per-class")
    }
    for row in run("stats-relations-per-property"):
        figures.relations_per_property[shorten(_text(row[0]))] = _int(row[1])
        figures.relations += _int(row[1])
        figures.relations_with_evidence += _int(row[2])
    concept_row = run("stats-concept-evidence")[0]
    figures.concepts = _int(concept_row[0])
    figures.concepts_with_evidence = _int(concept_row[1])
    figures.hierarchy_links = _int(run("stats-hierarchy")[0][0])


def _counts(rows: Sequence[Sequence[Any]]) -> dict[str, int]:
    return {_text(row[0]): _int(row[1]) for row in rows}


def _text(term: Any) -> str:
    value = neutral(term)
    return value.value if value is not None else ""


def _int(term: Any) -> int:
    value = neutral(term)
    return int(value.value) if value is not None else 0
