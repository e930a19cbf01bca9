"""The Oxigraph engine: RDF files into an in-memory pyoxigraph Store, SPARQL on it.

Files are parsed by Oxigraph itself from their path (no Python-side parsing). Triples go
into the store's default graph, which, like the rdflib loader's flat graph, is a set: a
triple stated in two files is there once. Quad files (N-Quads, TriG) keep their graphs and
queries then see the union of all graphs. The bundled shapes are left out, as in the flat
graph. Parameters are bound with the same ``VALUES`` block an endpoint gets: Oxigraph's own
``substitutions`` only accept variables that the query projects (oxigraph issue 1837),
which catalogue parameters often are not. Results come back as :class:`kg.terms.Term`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg import deadline, progress, resources
from kg.errors import InputError
from kg.prefixes import DATA_GRAPH, ONTOLOGY_GRAPH, PREFIXES, SHAPES_GRAPH
from kg.querying import querytext
from kg.querying.catalogue import NamedQuery
from kg.querying.results import Rows, Triples, prefix_map
from kg.resources import internal_query
from kg.store.rdffiles import (
    MAX_TERM_BYTES,
    QUAD_SYNTAXES,
    InputFile,
    bundled_graph_files,
    declared_prefixes,
    display_name,
    first_bad_utf8,
    opened_input,
    refuse_repeated_stdin,
    short_message,
)
from kg.terms import XSD_STRING, Term

RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "n3": ox.RdfFormat.N3,
    "json-ld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
}
_POSITION = re.compile(
    r"^Parser error (?:at|between) line [^:]*: "
)
_QUERY_POSITION = re.compile(r"^error at (\d+):(\d+): (.*)$", re.S)


# Where a quad file's default-graph triples are kept apart from the union (see KnowledgeGraph).
SOURCE_DEFAULT_GRAPH = ox.NamedNode("urn:x-kg:default-graph")


@dataclass
class KnowledgeGraph:
    """What was loaded: the store, the prefixes the files declare, and where it came from.

    Every source keeps its own named graph (the bundled ontology, data and shapes graphs; a
    user file's graph is named by the file's URI; a quad file keeps its graphs, its
    default-graph triples going to :data:`SOURCE_DEFAULT_GRAPH`). The store's default graph
    is the union of them all but the shapes, as a set: what queries, views and exports see.
    A single user triple file is the one exception: it is loaded straight into the default
    graph (no copy), and ``graphs`` maps its graph IRI to the default graph.

    The union is not copied whole when loading: the store's default graph receives every
    graph but the largest (less the triples the largest already holds), and queries read
    the default graph and the largest graph together as their default graph, which is the
    same set. :meth:`fill_union` completes the copy; :meth:`query` does it for a query
    that names its own dataset (``FROM``), and so does any reader of ``store``'s default
    graph (call it before reading the store directly).
    """

    store: ox.Store
    prefixes: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    # Graph IRI (as ``--graphs`` names it) -> where its triples are in ``store``, load order.
    graphs: dict[str, ox.NamedNode | ox.DefaultGraph] = field(default_factory=dict)
    _dataset: Any = field(default=None, repr=False)
    _flat: Any = field(default=None, repr=False)
    # While the union is shared (see above): the graphs queries read as their default graph.
    _union: list[Any] | None = field(default=None, repr=False)

    def query(self, text: str, prefixes: dict[str, str] | None = None) -> Any:
        """Run SPARQL ``text`` on the loaded graph, with ``prefixes`` (default: the
        project's) declared for it."""
        declared = PREFIXES if prefixes is None else prefixes
        if self._union is not None and not querytext.names_dataset(text):
            return self.store.query(text, prefixes=declared, default_graph=self._union)
        return self.fill_union().query(text, prefixes=declared)

    def fill_union(self) -> ox.Store:
        """The store, its default graph made the whole union (one copy, the first time)."""
        for shared in self._union[1:] if self._union is not None else ():
            self.store.update(internal_query("union-complete").replace("$LARGEST", shared.value))
        self._union = None
        return self.store

    def triples_about(self, node: ox.NamedNode | ox.BlankNode | ox.Literal) -> set[ox.Triple]:
        """The triples :meth:`query` reads that have ``node`` as subject or object (looked up
        in the store's indexes, no query parsed)."""
        found = set(self.matching(None, None, node))
        if not isinstance(node, ox.Literal):
            found.update(self.matching(node))
        return found

    def blank_part(self, blanks: Iterable[ox.BlankNode]) -> set[ox.Triple]:
        """Every triple of the blank nodes linked to ``blanks`` through blank nodes (what a
        view makes their stable keys and labels from)."""
        part = set(blanks)
        queue = list(part)
        found: set[ox.Triple] = set()
        while queue:
            for triple in self.triples_about(queue.pop()):
                found.add(triple)
                for end in (triple.subject, triple.object):
                    if isinstance(end, ox.BlankNode) and end not in part:
                        part.add(end)
                        queue.append(end)
        return found

    def matching(
        self, subject: Any = None, predicate: Any = None, obj: Any = None
    ) -> Iterator[ox.Triple]:
        """The triples :meth:`query` reads that match a pattern (None matches any term),
        looked up in the store's indexes. The graphs read together may hold a triple twice."""
        for graph in self._union or [ox.DefaultGraph()]:
            for quad in self.store.quads_for_pattern(subject, predicate, obj, graph):
                yield quad.triple

    def select(self, text: str) -> list[list[Term | None]]:
        """The rows of an internal SELECT query as lists of terms."""
        solutions = self.query(text)
        width = len(solutions.variables)
        return [[term(solution[i]) for i in range(width)] for solution in solutions]

    def rows(self, text: str) -> list[dict[str, Term | None]]:
        """The rows of an internal SELECT query as dicts of variable name -> term."""
        solutions = self.query(text)
        names = [v.value for v in solutions.variables]
        return [{n: term(solution[i]) for i, n in enumerate(names)} for solution in solutions]

    @property
    def shapes_graph(self) -> ox.NamedNode | None:
        """The bundled shapes graph, when it was loaded."""
        stored = self.graphs.get(SHAPES_GRAPH)
        return stored if isinstance(stored, ox.NamedNode) else None

    def triple_count(self) -> int:
        """How many distinct triples the graph holds (what rdflib's ``len`` counts)."""
        if all(isinstance(g, ox.DefaultGraph) for g in self.graphs.values()):
            return len(self.store)
        rows = self.select(internal_query("stats-triples"))
        return int(rows[0][0].value) if rows and rows[0][0] else 0

    def __len__(self) -> int:
        return self.triple_count()

    def names(self) -> list[str]:
        """The IRIs of the graphs that hold triples, in load order (shapes included)."""
        return list(self._present())

    @property
    def dataset(self) -> Any:
        """An rdflib Dataset of every graph, shapes included (built on first use)."""
        if self._dataset is None:
            from kg.store.rdflibcopy import to_dataset

            self._dataset = to_dataset(self)
        return self._dataset

    @property
    def graph(self) -> Any:
        """The flat rdflib Graph queries see: every graph but the shapes (built on first use)."""
        if self._flat is None:
            from kg.store.rdflibcopy import to_graph

            self._flat = to_graph(self)
        return self._flat

    def graph_quads(self, names: Iterable[str] = ()) -> Iterator[ox.Quad]:
        """The quads of the graphs ``names`` (short names such as ``data``, graph IRIs, or
        ``default``), else of every graph but the shapes, each named by its graph IRI (a quad
        file's default-graph triples in the default graph). Empty graphs count as absent; an
        unknown name is an InputError listing the graphs there are."""
        for iri, stored in self.chosen(list(names)):
            name: Any = ox.DefaultGraph() if stored == SOURCE_DEFAULT_GRAPH else ox.NamedNode(iri)
            for quad in self.store.quads_for_pattern(None, None, None, stored):
                yield ox.Quad(quad.subject, quad.predicate, quad.object, name)

    def _present(self) -> dict[str, ox.NamedNode | ox.DefaultGraph]:
        present = {}
        for iri, stored in self.graphs.items():
            if next(iter(self.store.quads_for_pattern(None, None, None, stored)), None):
                present[iri] = stored
        return present

    def chosen(self, names: list[str]) -> list[tuple[str, ox.NamedNode | ox.DefaultGraph]]:
        """(graph IRI, where it is stored) for each graph ``names`` picks (see graph_quads)."""
        present = self._present()
        merged = [iri for iri, g in present.items() if isinstance(g, ox.DefaultGraph)]
        if names and len(merged) > 1:
            raise InputError(
                names[0], "the graphs were merged when loading (load with keep_graphs=True)"
            )
        default = SOURCE_DEFAULT_GRAPH.value
        return choose_graphs(present, names, default)  # type: ignore[return-value]


OxGraph = KnowledgeGraph  # the name it had while rdflib was a second engine


def from_rdflib(source: Any) -> KnowledgeGraph:
    """A KnowledgeGraph holding a copy of an rdflib Graph or Dataset (its prefixes too);
    TypeError for anything else."""
    from rdflib import Graph

    from kg.store.rdflibcopy import to_store

    if not isinstance(source, Graph):
        raise TypeError(
            "graph must be a KnowledgeGraph (kg.load) or an rdflib Graph or Dataset, "
            f"not {type(source).__name__}"
        )

    store, graphs = to_store(source)
    declared = {str(p): str(ns) for p, ns in source.namespaces() if p}
    graph = KnowledgeGraph(store=store, prefixes=declared, sources=["<rdflib>"], graphs=graphs)
    _fill_union(graph)
    return graph


# Named graphs a user may give by short name (``--graphs``).
GRAPH_NAMES: dict[str, str] = {
    "ontology": ONTOLOGY_GRAPH,
    "data": DATA_GRAPH,
    "shapes": SHAPES_GRAPH,
}


def choose_graphs(
    present: Mapping[str | None, Any], names: Iterable[str], default: str | None
) -> list[tuple[str | None, Any]]:
    """The ``(key, graph)`` pairs of ``present`` that ``names`` picks: short names
    (:data:`GRAPH_NAMES`), graph IRIs, or ``default`` for the key ``default``; without
    names, every graph but the shapes. An unknown name is an InputError listing the graphs
    there are. Used by the store (:meth:`KnowledgeGraph.chosen`) and the exports' reader."""
    names = list(names)
    if not names:
        return [(key, graph) for key, graph in present.items() if key != SHAPES_GRAPH]
    chosen: list[tuple[str | None, Any]] = []
    for name in names:
        key = default if name == "default" else GRAPH_NAMES.get(name, name)
        if key not in present:
            known = sorted(
                {short for short, iri in GRAPH_NAMES.items() if iri in present}
                | {"default" if k == default else str(k)
                   for k in present if k not in GRAPH_NAMES.values()}
            )
            raise InputError(name, f"no such graph (graphs: {', '.join(known)})")
        if all(key != done for done, _ in chosen):
            chosen.append((key, present[key]))
    return chosen


# --- Loading -------------------------------------------------------------------------------


def load(
    paths: Iterable[str | Path] = (),
    *,
    bundled: bool | None = None,
    syntax: str | None = None,
    keep_graphs: bool = True,
) -> KnowledgeGraph:
    """Load the bundled graph and/or RDF files into one :class:`KnowledgeGraph`.

    ``bundled`` defaults to True when no paths are given and False otherwise; pass True to
    load user files beside the bundled graph (ontology, data and shapes). ``syntax`` forces one
    syntax for all paths. A path may be ``-`` (standard input, once) or a FIFO: see
    :func:`kg.store.rdffiles.opened_input`, which also refuses unsafe RDF/XML and JSON-LD.
    ``keep_graphs`` False (the commands that only read the union: query, stats, viz,
    validate) loads every triple file straight into the default graph, with no named graph
    to copy from: as fast as one bare load; the shapes and a quad file's graphs stay named.
    """
    names = list(paths)
    refuse_repeated_stdin(names)
    if bundled is None:
        bundled = not names
    graph = KnowledgeGraph(store=ox.Store())
    if bundled:
        trusted = [*bundled_graph_files()]
        if resources.shapes_file().exists():
            trusted.append((resources.shapes_file(), SHAPES_GRAPH))
        for path, graph_iri in trusted:
            target: Any = (
                ox.NamedNode(graph_iri)
                if keep_graphs or graph_iri == SHAPES_GRAPH
                else ox.DefaultGraph()
            )
            graph.store.load(
                path=str(path), format=RDF_FORMATS["turtle"], base_iri=path.resolve().as_uri(),
                to_graph=target,
            )
            graph.graphs[graph_iri] = target
            if graph_iri != SHAPES_GRAPH:
                _add_prefixes(graph, declared_prefixes(path, "turtle"))
        graph.sources.append("bundled")
    alone = (not bundled and len(names) == 1) or not keep_graphs
    for name in names:
        _load_file(graph, name, syntax, alone=alone, merge=not keep_graphs)
        graph.sources.append(display_name(name))
    _fill_union(graph)
    return graph


def _fill_union(graph: KnowledgeGraph) -> None:
    """Make the store's default graph the union of the named graphs but the shapes, less
    the largest one, which queries then read beside it (see :class:`KnowledgeGraph`): the
    copy is as large as the small graphs, not as the whole union."""
    named = [
        stored for iri, stored in graph.graphs.items()
        if iri != SHAPES_GRAPH and isinstance(stored, ox.NamedNode)
    ]  # fmt: skip
    if not named:
        return
    if any(isinstance(stored, ox.DefaultGraph) for stored in graph.graphs.values()):
        graph._union = [ox.DefaultGraph(), *named]  # a default graph of its own: copy it all
        graph.fill_union()
        return
    sizes = {row[0]: int(row[1].value) for row in graph.store.query(internal_query("graph-sizes"))}
    largest = max(named, key=lambda g: sizes.get(g, 0))
    smaller = " ".join(str(g) for g in named if g != largest)
    if smaller:
        text = internal_query("load-union").replace("$GRAPHS", smaller)
        graph.store.update(text.replace("$LARGEST", largest.value))
    graph._union = [ox.DefaultGraph(), largest]


def _add_prefixes(graph: KnowledgeGraph, declared: dict[str, str]) -> None:
    for name, iri in declared.items():
        graph.prefixes.setdefault(name, iri)


def _load_file(
    graph: KnowledgeGraph, name: str | Path, syntax: str | None, *, alone: bool, merge: bool
) -> None:
    """Check the input ``name`` (:func:`kg.store.rdffiles.opened_input`), parse it into the store:
    into its own named graph, or (``alone``: the only source, or graphs not kept) the default
    graph. A quad file keeps its named graphs; its default-graph triples go to the default
    graph when graphs are not kept (``merge``), else to :data:`SOURCE_DEFAULT_GRAPH`."""
    with opened_input(name, syntax) as source:
        quads = source.syntax in QUAD_SYNTAXES
        if alone and not quads:
            load_source(graph.store, source)
            graph.graphs[source.base] = ox.DefaultGraph()
        else:
            before = set(graph.store.named_graphs()) if quads else set()
            if quads and merge:  # its default graph goes straight into the union
                target: Any = None
            else:
                target = SOURCE_DEFAULT_GRAPH if quads else ox.NamedNode(source.base)
            load_source(graph.store, source, to_graph=target)
            if quads:
                added = [g for g in graph.store.named_graphs() if g not in before]
                for named in sorted(added, key=str):
                    if isinstance(named, ox.NamedNode) and named.value != SHAPES_GRAPH:
                        graph.graphs.setdefault(named.value, named)
            if target is None:
                graph.graphs.setdefault(source.base, ox.DefaultGraph())
            else:
                graph.graphs.setdefault(target.value, target)
        _add_prefixes(graph, declared_prefixes(source.path, source.syntax))


def load_source(
    store: ox.Store, source: InputFile, *, to_graph: ox.NamedNode | None = None
) -> None:
    """Parse ``source`` into ``store``: its triples into ``to_graph`` (default: the default
    graph), a quad file's named graphs into themselves."""
    fmt = RDF_FORMATS[source.syntax]
    label = f"loading {Path(source.name).name}"
    with _parse_errors(source), progress.reading(source.path, source.size, label):
        if source.syntax == "n3":  # checked quad by quad: N3 formulas are refused
            target = ox.DefaultGraph() if to_graph is None else to_graph
            store.bulk_extend(
                ox.Quad(q.subject, q.predicate, q.object, target) for q in parse_quads(source)
            )
        elif source.offset:
            with source.path.open("rb") as handle:
                handle.seek(source.offset)
                store.load(input=handle, format=fmt, base_iri=source.base, to_graph=to_graph)
        else:
            store.load(path=str(source.path), format=fmt, base_iri=source.base, to_graph=to_graph)


def parse_quads(source: InputFile) -> Iterator[ox.Quad]:
    """Every quad of ``source`` as Oxigraph parses it, streamed (blank nodes renamed apart).

    Errors are raised as InputError while iterating. An N3 formula (``{ ... }``, which
    Oxigraph reads as a graph named by a blank node) is not RDF: it is refused.
    """
    fmt = RDF_FORMATS[source.syntax]
    options: dict[str, Any] = {"base_iri": source.base, "rename_blank_nodes": True}
    with _parse_errors(source):
        if not source.offset:
            quads = ox.parse(format=fmt, path=str(source.path), **options)
            yield from _without_formulas(quads, source) if source.syntax == "n3" else quads
            return
        with source.path.open("rb") as handle:
            handle.seek(source.offset)
            quads = ox.parse(handle, fmt, **options)
            yield from _without_formulas(quads, source) if source.syntax == "n3" else quads


def _without_formulas(quads: Iterable[ox.Quad], source: InputFile) -> Iterator[ox.Quad]:
    for quad in quads:
        if type(quad.graph_name) is ox.BlankNode:
            raise InputError(
                source.name,
                "N3 formulas ({ ... } as a term) are not RDF; kg reads N3 without them",
            )
        yield quad


@contextmanager
def _parse_errors(source: InputFile) -> Iterator[None]:
    """Turn what Oxigraph raises on a bad file into one InputError naming the file."""
    try:
        yield
    except SyntaxError as error:
        raise InputError(source.name, _describe_load_error(error, source)) from None
    except MemoryError as error:
        raise InputError(source.name, memory_message(error)) from None
    except FileNotFoundError:
        raise InputError(source.name, "no such file (it went away while loading)") from None
    except (OSError, ValueError) as error:
        what = short_message(str(error)) or type(error).__name__
        raise InputError(source.name, f"cannot load as {source.syntax}: {what}") from None


def memory_message(error: MemoryError) -> str:
    """Oxigraph's parser buffer limit, or memory running out, as one line."""
    if "buffer maximal size" in str(error):
        limit = MAX_TERM_BYTES // (1024 * 1024)
        return f"a single literal, IRI or token is over {limit} MiB, more than the parser takes"
    return "out of memory while loading"


def _describe_load_error(error: SyntaxError, source: InputFile) -> str:
    message = str(error.args[0]) if error.args else str(error)
    if "UTF-8" in message:
        bad = first_bad_utf8(source.path)
        if bad:
            return bad
    line = error.lineno
    if line is None and source.syntax == "xml":
        line = _xml_error_line(source.path)
    what = short_message(_POSITION.sub("", querytext.first_line(message))) or "bad syntax"
    return f"line {line}: {what}" if line else f"cannot parse as {source.syntax}: {what}"


def _xml_error_line(path: Path) -> int | None:
    """Where expat finds an XML file ill-formed (Oxigraph's RDF/XML errors carry no line).

    Only called once :func:`kg.store.rdffiles.check_xml_safety` has passed the file.
    """
    import xml.parsers.expat

    parser = xml.parsers.expat.ParserCreate()
    try:
        with path.open("rb") as handle:
            parser.ParseFile(handle)
    except xml.parsers.expat.ExpatError as error:
        return error.lineno
    return None


# --- Queries -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """A query Oxigraph parsed, with its form and ordering (see :func:`querytext.shape`)."""

    named: NamedQuery
    shape: querytext.Shape
    local: bool = True  # checked for a local run (SERVICE refused)
    prefixes: dict[str, str] = field(default_factory=lambda: dict(PREFIXES))

    @property
    def kind(self) -> str:
        return self.shape.kind

    @property
    def ordered(self) -> bool:
        return self.shape.ordered

    @property
    def star(self) -> bool:
        return self.shape.star


def compile_query(
    named: NamedQuery, *, local: bool = True, declared: dict[str, str] | None = None
) -> Checked:
    """Parse ``named`` with Oxigraph (on an empty store); one-line InputError if it fails.

    The text is checked first (:func:`querytext.precheck`): Oxigraph would call a SERVICE
    even on the empty store, and its parser overflows the stack on deep nesting. A query
    for an endpoint (``local`` False) may call SERVICE, that server's business: such a
    query is left to the endpoint to parse, so that nothing here makes the call.
    ``declared`` are the prefixes the loaded files declare: user text may use them
    (:meth:`NamedQuery.prefixes`).
    """
    prefixes = named.prefixes(declared or {})
    querytext.precheck(named, local=local, prefixes=prefixes)
    checked = Checked(
        named=named, shape=querytext.shape(named.text), local=local, prefixes=prefixes
    )
    if not local and querytext.calls_service(named.text):
        return checked
    try:
        ox.Store().query(named.text, prefixes=prefixes)
    except SyntaxError as error:
        if querytext.starts_like_update(named.text):
            raise InputError(named.source, querytext.UPDATE_REFUSED) from None
        raise InputError(named.source, _describe_query_error(str(error), named.text)) from None
    except (OSError, RuntimeError, ValueError) as error:
        raise InputError(
            named.source, f"query failed: {querytext.first_line(str(error))}"
        ) from None
    return checked


def _describe_query_error(message: str, text: str) -> str:
    """Where and why the query does not parse, worded as the rdflib engine words it.

    Oxigraph's parser reports the furthest point it tried, often the end of the text, so
    the position comes from rdflib's parser (loaded only on this error path) when it agrees
    that the query is broken.
    """
    from kg.querying.syntaxerrors import describe_parse_failure

    described = describe_parse_failure(text)
    if described:
        return described
    match = _QUERY_POSITION.match(message)
    if not match:
        return querytext.first_line(message) or "syntax error"
    offset = querytext.offset_of(text, int(match.group(1)), int(match.group(2)))
    return querytext.syntax_error(text, offset, querytext.token_at(text, offset))


def run(
    checked: Checked,
    bindings: Mapping[str, Term],
    graph: KnowledgeGraph,
    *,
    max_rows: int | None = None,
) -> Rows | bool | Triples:
    """Evaluate ``checked`` on ``graph`` with ``bindings`` (variable -> Term).

    TooManyResults once the result has more than ``max_rows`` rows or triples.
    """
    text = querytext.with_values(checked.named.text, bindings)
    prefixes = prefix_map(graph.prefixes, checked.named.text)
    where = checked.named.source
    try:
        result = graph.query(text, checked.prefixes)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        if isinstance(result, ox.QuerySolutions):
            return rows_of(result, checked, prefixes, max_rows)
        return triples_of(result, checked, prefixes, max_rows)
    except (OSError, RuntimeError, ValueError, SyntaxError) as error:
        raise InputError(
            where, f"query failed: {querytext.first_line(str(error))}"
        ) from None


def triples_of(
    triples: Iterable[Any], checked: Checked, prefixes: dict[str, str],
    max_rows: int | None = None,
) -> Triples:
    """pyoxigraph triples (a CONSTRUCT's, or a parsed answer's) as :class:`Triples`.

    The result is a graph, a set: Oxigraph's CONSTRUCT yields a triple once per solution
    that builds it, so repeats are dropped here (and not counted against ``max_rows``).
    """
    found: dict[tuple[Term, Term, Term], None] = {}
    for seen, t in enumerate(triples):
        found[(term(t.subject), term(t.predicate), term(t.object))] = None
        deadline.check_count(len(found), max_rows, checked.named.source, "triples")
        if not seen & 4095:
            deadline.check_time()
    return Triples(triples=list(found), prefixes=prefixes)  # type: ignore[arg-type]


def rows_of(
    solutions: Any, checked: Checked, prefixes: dict[str, str], max_rows: int | None = None
) -> Rows:
    """pyoxigraph solutions as :class:`Rows`: sorted unless the query orders them."""
    names = [v.value for v in solutions.variables]
    indexes = list(range(len(names)))
    rows = []
    for solution in solutions:
        rows.append({names[i]: term(solution[i]) for i in indexes})
        deadline.check_count(len(rows), max_rows, checked.named.source)
        if not len(rows) & 4095:
            deadline.check_time()
    if checked.shape.star:
        names = querytext.star_order(checked.named.text, names)
    selected = Rows(vars=names, rows=rows, prefixes=prefixes)
    return selected if checked.shape.ordered else selected.sort()


_NAMED, _BLANK, _LITERAL = ox.NamedNode, ox.BlankNode, ox.Literal


def term(node: Any) -> Term | None:
    """The :class:`Term` for a pyoxigraph term (None stays None)."""
    kind = type(node)
    if kind is _NAMED:
        return Term("iri", node.value)
    if kind is _LITERAL:
        lang = node.language
        if lang:
            return Term("literal", node.value, None, lang)
        datatype = node.datatype.value
        return Term("literal", node.value, None if datatype == XSD_STRING else datatype)
    if kind is _BLANK:
        return Term("bnode", node.value)
    if node is None:
        return None
    raise InputError(None, f"unsupported RDF term in a result: {node}")
