"""SHACL validation and the evidence-anchor check, gathered into one report.

The bundled shapes are the ssp-kg profile: what this project requires of its own data
(evidence on every concept and relation, English labels, concepts in its scheme). They are
applied only to data that uses the ssp-kg vocabulary (any IRI under
``https://w3id.org/ssp-kg/``); on anything else nothing is checked, and the report says so
and how many nodes their generic targets (``skos:Concept``, ``skos:related``,
``rdf:Statement``) would have judged by this project's rules. A user's own shapes
(``shapes_files``) are applied to any data. Focus nodes are counted here, with SPARQL over
the shapes' targets: pySHACL's results only list the nodes that fail.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from kg import fingerprint, resources
from kg.errors import InputError, MissingExtra
from kg.evidence import AnchorProblem, Article, check_anchors, evidence_records, section_headings
from kg.loader import KnowledgeGraph, load_graph
from kg.namespaces import shorten
from kg.resources import internal_query
from kg.terms import nt_term

SSP_IRIS = "https://w3id.org/ssp-kg/"
BUNDLED_SHAPES = "the bundled shapes"
NO_TARGET = "urn:x-ssp-kg:no-target"


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
    # What was checked: the shapes' name, and the distinct focus nodes of the data.
    shapes: str = BUNDLED_SHAPES
    focus_nodes: int = 0
    # False when the bundled shapes were not applied (data outside the ssp-kg vocabulary);
    # ``would_target`` then counts the nodes their generic targets select.
    applied: bool = True
    would_target: int = 0

    @property
    def checked_nothing(self) -> bool:
        """No shape was applied to any node (nothing failed, and nothing was shown to hold)."""
        return not self.violations and (not self.applied or self.focus_nodes == 0)

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


def shape_targets(shapes: Graph) -> dict[str, list[object]]:
    """The shapes' targets by kind: class, node, subjectsOf, objectsOf (validate-targets.rq)."""
    targets: dict[str, list[object]] = {"class": [], "node": [], "subjectsOf": [], "objectsOf": []}
    for kind, target in shapes.query(internal_query("validate-targets")):
        if isinstance(target, URIRef | Literal):  # a blank node cannot be named in a query
            targets[str(kind)].append(target)
    return targets


def focus_nodes(data: Graph, shapes: Graph) -> set[object]:
    """The distinct focus nodes that the targets of ``shapes`` select in ``data``."""
    text = internal_query("validate-focus-nodes")
    targets = shape_targets(shapes)
    for kind, terms in targets.items():
        # An empty VALUES block trips rdflib's evaluator: a kind without targets gets an
        # IRI that names nothing instead (it selects no node either).
        values = " ".join(nt_term(term) for term in terms) or f"<{NO_TARGET}>"
        text = text.replace(f"{{ }} # {kind}\n", f"{{ {values} }}\n")
    return {row[0] for row in data.query(text)} | set(targets["node"])


def uses_ssp_vocabulary(data: Graph) -> bool:
    """Whether any IRI of ``data`` is under https://w3id.org/ssp-kg/ (ontology or data)."""
    return any(
        isinstance(term, URIRef) and term.startswith(SSP_IRIS) for triple in data for term in triple
    )


def load_shapes(paths: list[str | Path]) -> Graph:
    """The union of the user's shapes files (parsed with the same checks as data files)."""
    shapes = Graph()
    for path in paths:
        shapes += load_graph(path)
    return shapes


def context_graph() -> Graph:
    """What user files are checked against besides the shapes: the ontology and the article."""
    context = load_graph(resources.ontology_file())
    context += load_graph(resources.article_file())
    return context


# The article is a few thousand words; a --source far bigger than this is not it.
MAX_SOURCE_BYTES = 16 * 1024 * 1024


def read_article(path: Path, data: Graph) -> Article:
    """The article at ``path`` (a regular file or a FIFO, read once), split by ``data``'s
    section headings; InputError for a device, a folder, a huge or non-UTF-8 text, or a text
    in which the headings are not found (it is not the article)."""
    where = str(path)
    try:
        mode = os.stat(path).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
            kind = "a folder" if stat.S_ISDIR(mode) else "a device or socket"
            raise InputError(where, f"is {kind}, not a text file")
        with open(path, "rb") as handle:
            raw = handle.read(MAX_SOURCE_BYTES + 1)
    except OSError as error:
        reason = "no such file" if isinstance(error, FileNotFoundError) else error.strerror
        raise InputError(where, reason or str(error)) from None
    if not raw.strip():
        raise InputError(where, "file is empty")
    if len(raw) > MAX_SOURCE_BYTES:
        raise InputError(where, f"is over {MAX_SOURCE_BYTES // 2**20} MiB: not the article")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise InputError(where, f"line {line}: not UTF-8 (byte 0x{raw[error.start]:02x})") from None
    # The data's own description of the article, else the bundled one (foreign data).
    headings = section_headings(data) or section_headings(load_graph(resources.article_file()))
    article = Article.parse(text, headings)
    if len(article.headings) < len(headings):
        raise InputError(
            where,
            f"does not look like the article: {len(article.headings)} of its "
            f"{len(headings)} section headings found",
        )
    return article


def validate(
    kg: KnowledgeGraph,
    source: str | Path | None = None,
    *,
    with_context: bool = False,
    shapes_files: list[str | Path] | None = None,
) -> Report:
    """SHACL over the flat graph, and every evidence anchor checked.

    ``shapes_files`` are the user's own shapes, used instead of the bundled ones (and then
    no context is added). Without them the bundled shapes are applied only when the data
    uses the ssp-kg vocabulary (see the module's docstring). Evidence anchors are checked
    for the evidence records that exist: none, on foreign data.

    Anchors are checked against the shipped fingerprint of the article, or, if ``source`` is
    given, against that text (whose paragraphs are also compared with the fingerprinted
    edition). ``source`` is read before any SHACL work, so a wrong path fails at once.
    ``with_context`` adds the bundled ontology and article description (needed to check a
    user's file that uses our classes and cites our sections without stating them itself).
    """
    shipped = fingerprint.read(resources.fingerprint_file())
    user_shapes = load_shapes(list(shapes_files)) if shapes_files else None
    own = kg.graph
    applies = user_shapes is not None or uses_ssp_vocabulary(own)
    context = context_graph() if with_context and user_shapes is None and applies else None
    data = own + context if context is not None else own
    article = read_article(Path(source), data) if source is not None else None
    if user_shapes is not None:
        shapes = user_shapes
        report = Report(shapes=", ".join(str(p) for p in shapes_files or ()))
    else:
        shapes = kg.shapes if kg.shapes is not None else load_graph(resources.shapes_file())
        report = Report()
    targeted = focus_nodes(data, shapes)
    if context is not None:  # the ontology's and article's own nodes are not the user's
        targeted -= focus_nodes(context, shapes)
    if applies:
        report.focus_nodes = len(targeted)
        report.violations = shacl_violations(data, shapes)
    else:
        report.applied = False
        report.would_target = len(targeted)
    records = evidence_records(data)
    report.anchors_checked = len(records)
    if article is not None:
        report.anchors_against = str(source)
        report.edition_differences = fingerprint.differing_paragraphs(shipped, article)
        if records:
            report.anchor_problems = check_anchors(data, article)
    elif records:
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
