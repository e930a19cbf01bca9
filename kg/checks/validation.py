"""SHACL validation and the evidence-anchor check, gathered into one report.

The bundled shapes are the ssp-kg profile: what this project requires of its own data
(evidence on every concept and relation, English labels, concepts in its scheme). They are
applied only to data that uses the ssp-kg vocabulary (any IRI under
``https://w3id.org/ssp-kg/``); on anything else nothing is checked, and the report says so
and how many nodes their generic targets (``skos:Concept``, ``skos:related``,
``rdf:Statement``) would have judged by this project's rules. A user's own shapes
(``shapes_files``) are applied to any data. Focus nodes are counted here, with SPARQL over
the shapes' targets: SHACL results only list the nodes that fail.

The shapes are evaluated by :mod:`kg.checks.shacl`, one SPARQL query per constraint on the graph's
Oxigraph store (no copy of the data). Shapes that use what kg.checks.shacl does not evaluate are
run with pySHACL on an rdflib copy instead (:func:`pyshacl_violations`), as are all shapes
when ``KG_VALIDATE_ENGINE=pyshacl`` (the former path: the benchmark's baseline). Both give
the same report; tests/test_validate.py compares them on every fixture.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, SH

from kg import resources
from kg.checks import fingerprint
from kg.checks.evidence import (
    AnchorProblem,
    Article,
    check_anchors,
    evidence_records,
    section_headings,
)
from kg.checks.shacl import PATH_OPERATORS, Unsupported, compile_shapes, shape_store
from kg.errors import InputError, MissingExtra
from kg.namespaces import shorten
from kg.prefixes import PREFIXES
from kg.resources import internal_query
from kg.store.oxengine import KnowledgeGraph
from kg.store.rdflibcopy import load_graph
from kg.terms import neutral, nt_term, to_oxigraph, to_rdflib

SSP_IRIS = "https://w3id.org/ssp-kg/"
BUNDLED_SHAPES = "the bundled shapes"
NO_TARGET = "urn:x-ssp-kg:no-target"
# The ontology and article added beside a user's file are also kept in this named graph, so
# that their own focus nodes can be counted apart (the default graph holds everything).
CONTEXT_GRAPH = ox.NamedNode("urn:x-ssp-kg:validate-context")
# KG_VALIDATE_ENGINE=pyshacl runs the former path (pySHACL on rdflib, per focus node) for
# every shapes graph: the baseline of benchmarks/run.py, and a cross-check.
ENGINE_VARIABLE = "KG_VALIDATE_ENGINE"


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


def shacl_violations(graph: KnowledgeGraph, shapes: Graph) -> list[Violation]:
    """Validate ``graph`` against ``shapes``: with kg.checks.shacl (one SPARQL query per constraint
    on the Oxigraph store), or with pySHACL when the shapes use a feature kg.checks.shacl does not
    evaluate (see its docstring) or when ``KG_VALIDATE_ENGINE=pyshacl``."""
    if os.environ.get(ENGINE_VARIABLE) != "pyshacl":
        try:
            results = compile_shapes(shapes).run(lambda text: _rows(graph.query(text)))
        except (Unsupported, SyntaxError):  # SyntaxError: a user's SPARQL Oxigraph refuses
            pass
        else:
            names: dict[Any, str] = {}  # a focus node with many results is described once
            for r in results:
                if r.focus not in names:
                    names[r.focus] = _describe(r.focus, graph)
            violations = {
                Violation(
                    focus=names[r.focus],
                    path=_path_text(shapes, r.path),
                    component=r.component,
                    message=r.message,
                    severity=_term(r.severity).removeprefix("sh:"),
                )
                for r in results
            }
            return _sorted(violations)
    return pyshacl_violations(graph, shapes)


def pyshacl_violations(graph: KnowledgeGraph, shapes: Graph) -> list[Violation]:
    """The former path: pySHACL on an rdflib copy of ``graph`` (blank nodes keep their ids)."""
    try:
        from pyshacl import validate as pyshacl_validate
    except ImportError:
        raise MissingExtra("pyshacl", "validate") from None
    data = Graph()
    for triple in graph.query(internal_query("validate-triples")):
        data.add(tuple(to_rdflib(neutral(term)) for term in triple))
    _conforms, results, text = pyshacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    if not isinstance(results, Graph):  # pySHACL could not run the shapes at all
        raise InputError("shapes", str(getattr(results, "message", text)))
    violations = set()
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        violations.add(
            Violation(
                focus=_describe(to_oxigraph(neutral(focus)), graph),
                path=_path_text(results, results.value(result, SH.resultPath)),
                component=_term(results.value(result, SH.sourceConstraintComponent)),
                message=str(results.value(result, SH.resultMessage) or ""),
                severity=_term(results.value(result, SH.resultSeverity)).removeprefix("sh:"),
            )
        )
    return _sorted(violations)


def _sorted(violations: set[Violation]) -> list[Violation]:
    return sorted(violations, key=lambda v: (v.focus, v.path, v.component, v.message))


def shape_targets(shapes: Graph) -> dict[str, list[object]]:
    """The shapes' targets by kind: class, node, subjectsOf, objectsOf (validate-targets.rq)."""
    targets: dict[str, list[object]] = {"class": [], "node": [], "subjectsOf": [], "objectsOf": []}
    for row in shape_store(shapes).query(internal_query("validate-targets")):
        target = row["target"]
        if not isinstance(target, ox.BlankNode) and target not in targets[row["kind"].value]:
            targets[row["kind"].value].append(target)  # a blank node cannot be named in a query
    return targets


def focus_nodes(graph: KnowledgeGraph, shapes: Graph, *, context: bool = False) -> set[object]:
    """The distinct focus nodes that the targets of ``shapes`` select in ``graph`` (only in
    its context graph, with ``context``), as pyoxigraph terms."""
    text = internal_query("validate-focus-nodes")
    targets = shape_targets(shapes)
    for kind, terms in targets.items():
        # A kind without targets gets an IRI that names nothing (it selects no node either).
        values = " ".join(nt_term(term) for term in terms) or f"<{NO_TARGET}>"
        text = text.replace(f"{{ }} # {kind}\n", f"{{ {values} }}\n")
    if context:
        solutions = graph.store.query(text, prefixes=PREFIXES, default_graph=CONTEXT_GRAPH)
    else:
        solutions = graph.query(text)
    return {row[0] for row in solutions} | set(targets["node"])


def uses_ssp_vocabulary(graph: KnowledgeGraph) -> bool:
    """Whether any IRI of ``graph`` is under https://w3id.org/ssp-kg/ (ontology or data)."""
    return bool(graph.query(internal_query("validate-uses-vocabulary")))


def load_shapes(paths: list[str | Path]) -> Graph:
    """The union of the user's shapes files (parsed with the same checks as data files)."""
    shapes = Graph()
    for path in paths:
        shapes += load_graph(path)
    return shapes


def add_context(graph: KnowledgeGraph) -> None:
    """Add what user files are checked against besides the shapes, the bundled ontology and
    article, to the default graph and to :data:`CONTEXT_GRAPH` (the same blank nodes)."""
    for path in (resources.ontology_file(), resources.article_file()):
        quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
        for name in (ox.DefaultGraph(), CONTEXT_GRAPH):
            graph.store.extend(ox.Quad(q.subject, q.predicate, q.object, name) for q in quads)


# The article is a few thousand words; a --source far bigger than this is not it.
MAX_SOURCE_BYTES = 16 * 1024 * 1024


def read_article(path: Path, data: KnowledgeGraph) -> Article:
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
    See :func:`validate_graph`, which this calls (on a copy of the graph, with the context).
    """
    if with_context:  # the context is added to a copy: ``kg`` stays as it was
        copy = ox.Store()
        copy.bulk_extend(kg.fill_union().quads_for_pattern(None, None, None, ox.DefaultGraph()))
        kg = KnowledgeGraph(store=copy, prefixes=kg.prefixes, sources=kg.sources)
    return validate_graph(kg, source, with_context=with_context, shapes_files=shapes_files)


def validate_graph(
    graph: KnowledgeGraph,
    source: str | Path | None = None,
    *,
    with_context: bool = False,
    shapes_files: list[str | Path] | None = None,
) -> Report:
    """:func:`validate`, checking the default graph of ``graph``'s store in place: with
    ``with_context`` the ontology and article are added to that store (``kg validate``
    loads a graph for this alone, so a million triples are not copied)."""
    graph.fill_union()  # the checks below read the store's default graph
    shipped = fingerprint.read(resources.fingerprint_file())
    user_shapes = load_shapes(list(shapes_files)) if shapes_files else None
    applies = user_shapes is not None or uses_ssp_vocabulary(graph)
    context = with_context and user_shapes is None and applies
    if context:
        add_context(graph)
    article = read_article(Path(source), graph) if source is not None else None
    if user_shapes is not None:
        shapes = user_shapes
        report = Report(shapes=", ".join(str(p) for p in shapes_files or ()))
    else:
        shapes = load_graph(resources.shapes_file())
        report = Report()
    targeted = focus_nodes(graph, shapes)
    if context:  # the ontology's and article's own nodes are not the user's
        targeted -= focus_nodes(graph, shapes, context=True)
    if applies:
        report.focus_nodes = len(targeted)
        report.violations = shacl_violations(graph, shapes)
    else:
        report.applied = False
        report.would_target = len(targeted)
    records = evidence_records(graph)
    if context:  # the ontology's own evidence (the modality values) is not the user's
        from kg.store.oxengine import load

        bundled = set(evidence_records(load([resources.ontology_file(), resources.article_file()])))
        records = [record for record in records if record not in bundled]
    report.anchors_checked = len(records)
    if article is not None:
        report.anchors_against = str(source)
        report.edition_differences = fingerprint.differing_paragraphs(shipped, article)
        if records:
            report.anchor_problems = check_anchors(graph, article)
    elif records:
        report.anchor_problems = fingerprint.check_anchors(shipped, records)
    return report


def _rows(solutions: Any) -> list[dict[str, Any]]:
    names = [variable.value for variable in solutions.variables]
    return [{name: s[name] for name in names} for s in solutions]


def _describe(node: Any, graph: KnowledgeGraph) -> str:
    """A readable name for a focus node; a blank node is named by what points to it."""
    if not isinstance(node, ox.BlankNode):
        return _term(node)
    store = graph.store

    def value(predicate: str) -> Any:
        quads = store.quads_for_pattern(node, ox.NamedNode(predicate), None, DEFAULT)
        return next((q.object for q in quads), None)

    if next(store.quads_for_pattern(node, RDF_TYPE, RDF_STATEMENT, DEFAULT), None) is not None:
        parts = (value(str(RDF.subject)), value(str(RDF.predicate)), value(str(RDF.object)))
        return "statement " + " ".join(_term(p) for p in parts)
    holders = {_rdflib(q.subject) for q in store.quads_for_pattern(None, None, node, DEFAULT)}
    if not holders:
        return "blank node"
    return f"evidence of {_describe(to_oxigraph(neutral(min(holders))), graph)}"


DEFAULT = ox.DefaultGraph()
RDF_TYPE = ox.NamedNode(str(RDF.type))
RDF_STATEMENT = ox.NamedNode(str(RDF.Statement))


def _path_text(results: Graph, path: object, depth: int = 0) -> str:
    """A SHACL property path as SPARQL writes it (``ssp:evidence/ssp:anchor``, ``^p``,
    ``a|b``, ``p*``), not the blank-node id pySHACL gives a complex path's node."""
    if not isinstance(path, BNode) or depth > 16:
        return _term(path)
    items = list(results.items(path)) if (path, RDF.first, None) in results else []
    if items:
        return "/".join(_path_text(results, item, depth + 1) for item in items)
    inverse = results.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _path_text(results, inverse, depth + 1)
    alternatives = results.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(_path_text(results, i, depth + 1) for i in results.items(alternatives))
    for operator, suffix in PATH_OPERATORS.items():
        inner = results.value(path, operator)
        if inner is not None:
            return _path_text(results, inner, depth + 1) + suffix
    return "path"


def _term(term: object) -> str:
    """A term as the report writes it: an IRI shortened, anything else as its text."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return _shorten(term.value)
    if isinstance(term, ox.BlankNode | ox.Literal):
        return term.value
    if isinstance(term, URIRef):
        return _shorten(str(term))
    return str(term)


def _rdflib(term: Any) -> Any:
    """The rdflib term for a pyoxigraph term (None for None); IRIs, the most, directly."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    return None if term is None else to_rdflib(neutral(term))


# The same few predicates and classes come back in thousands of results.
_shorten = lru_cache(maxsize=4096)(shorten)
