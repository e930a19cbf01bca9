"""SHACL validation and the evidence-anchor check, gathered into one report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, SH

from kg import fingerprint, resources
from kg.errors import InputError, MissingExtra
from kg.evidence import AnchorProblem, check_anchors, evidence_records, load_article
from kg.loader import KnowledgeGraph, load_graph
from kg.namespaces import shorten


@dataclass(frozen=True)
class Violation:
    """One SHACL result: the focus node, the path, the constraint and the message."""

    focus: str
    path: str
    component: str
    message: str
    severity: str = "Violation"

    def __str__(self) -> str:
        where = f"{self.focus} {self.path}".strip()
        return f"{self.severity}: {where}: {self.message} [{self.component}]"


@dataclass
class Report:
    """What validation found; ``conforms`` is True only when nothing was found."""

    violations: list[Violation] = field(default_factory=list)
    anchor_problems: list[AnchorProblem] = field(default_factory=list)
    anchors_checked: int = 0
    anchors_against: str = "the article's fingerprint"
    # Paragraphs of the --source text unlike the edition the graph was made from (notes).
    edition_differences: list[str] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return not self.violations and not self.anchor_problems

    def lines(self) -> list[str]:
        """The report as readable lines, one per finding."""
        out = [str(v) for v in self.violations]
        out += [f"Anchor: {p}" for p in self.anchor_problems]
        return out


def shacl_violations(data: Graph, shapes: Graph | None = None) -> list[Violation]:
    """Validate ``data`` against ``shapes`` (default: the bundled shapes) with pySHACL."""
    try:
        from pyshacl import validate as pyshacl_validate
    except ImportError:
        raise MissingExtra("pyshacl", "validate") from None
    if shapes is None:
        shapes = load_graph(resources.shapes_file())
    _conforms, results, text = pyshacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    if not isinstance(results, Graph):  # pySHACL could not run the shapes at all
        raise InputError("shapes", str(getattr(results, "message", text)))
    violations = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        violations.append(
            Violation(
                focus=_describe(results.value(result, SH.focusNode), data),
                path=_term(results.value(result, SH.resultPath)),
                component=_term(results.value(result, SH.sourceConstraintComponent)),
                message=str(results.value(result, SH.resultMessage) or ""),
                severity=_term(results.value(result, SH.resultSeverity)).removeprefix("sh:"),
            )
        )
    return sorted(set(violations), key=lambda v: (v.focus, v.path, v.component, v.message))


def context_graph() -> Graph:
    """What user files are checked against besides the shapes: the ontology and the article."""
    context = load_graph(resources.ontology_file())
    context += load_graph(resources.article_file())
    return context


def validate(
    kg: KnowledgeGraph, source: str | Path | None = None, *, with_context: bool = False
) -> Report:
    """SHACL over the flat graph, and every evidence anchor checked.

    Anchors are checked against the shipped fingerprint of the article, or, if ``source`` is
    given, against that text (whose paragraphs are also compared with the fingerprinted
    edition). ``source`` is read before any SHACL work, so a wrong path fails at once.
    ``with_context`` adds the bundled ontology and article description (needed to check a
    user's file that uses our classes and cites our sections without stating them itself).
    """
    data = kg.graph
    if with_context:
        data = data + context_graph()
    shipped = fingerprint.read(resources.fingerprint_file())
    article = load_article(source, data) if source is not None else None
    shapes = kg.shapes if kg.shapes is not None else load_graph(resources.shapes_file())
    report = Report(violations=shacl_violations(data, shapes))
    records = evidence_records(data)
    report.anchors_checked = len(records)
    if article is not None:
        report.anchors_against = str(source)
        report.anchor_problems = check_anchors(data, article)
        report.edition_differences = fingerprint.differing_paragraphs(shipped, article)
    else:
        report.anchor_problems = fingerprint.check_anchors(shipped, records)
    return report


def _describe(node: object, data: Graph) -> str:
    """A readable name for a focus node; a blank node is named by what points to it."""
    if not isinstance(node, BNode):
        return _term(node)
    if (node, RDF.type, RDF.Statement) in data:
        parts = (
            data.value(node, RDF.subject),
            data.value(node, RDF.predicate),
            data.value(node, RDF.object),
        )
        return "statement " + " ".join(_term(p) for p in parts)
    holder = next(iter(sorted(data.subjects(None, node))), None)
    if holder is None:
        return "blank node"
    return f"evidence of {_describe(holder, data)}"


def _term(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return shorten(str(term))
    return str(term)
