"""Exports: deterministic RDF serialisations, skolemisation, and property-graph files.

Every RDF export is written from Oxigraph. The files are read with Oxigraph's parser
(:func:`read_statements`; not into a Store, which rewrites typed literals such as
``"007"^^xsd:integer``), each graph kept as N-Triples lines; blank nodes are relabelled from
their content (:mod:`kg.store.bnodes`, or skolem IRIs), the lines are sorted and merged as a set,
and Turtle, TriG and RDF/XML are Oxigraph's own writers fed those sorted statements, with
the project's prefixes and then the files' own (all declared, sorted by name). JSON-LD is
built here from the same sorted lines with the shipped ``@context``. Literals keep their
lexical form byte for byte. Files are written atomically (see :mod:`kg.atomic`).
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import pyoxigraph as ox

from kg.atomic import atomic_directory, atomic_open, folder_target, write_all, write_stdout
from kg.errors import InputError, KGError
from kg.prefixes import BASE, PREFIXES, SHAPES_GRAPH, local_name
from kg.store.bnodes import row_labels

if TYPE_CHECKING:  # pragma: no cover
    from rdflib import Dataset, Graph

    from kg.store.oxengine import OxGraph

    Source: TypeAlias = "Statements | OxGraph | Dataset | Graph"

# Skolem IRIs for blank nodes (RDF 1.1 section 3.5).
GENID = BASE + ".well-known/genid/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"



@dataclass(frozen=True)
class ExportFormat:
    """One output format: its name, kind, usual file suffix and media type."""

    name: str
    kind: str  # "triples", "quads" or "property-graph"
    suffix: str
    media_type: str


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("turtle", "triples", ".ttl", "text/turtle"),
        ExportFormat("nt", "triples", ".nt", "application/n-triples"),
        ExportFormat("nq", "quads", ".nq", "application/n-quads"),
        ExportFormat("trig", "quads", ".trig", "application/trig"),
        ExportFormat("jsonld", "triples", ".jsonld", "application/ld+json"),
        ExportFormat("xml", "triples", ".rdf", "application/rdf+xml"),
        ExportFormat("graphml", "property-graph", ".graphml", "application/graphml+xml"),
        ExportFormat("gexf", "property-graph", ".gexf", "application/gexf+xml"),
        ExportFormat("neo4j", "property-graph", "", "text/csv"),
        ExportFormat("kuzu", "property-graph", "", "text/csv"),
    )
}
# Formats that write a folder (through kg.atomic.atomic_directory) rather than one file.
FOLDER_FORMATS = ("neo4j", "kuzu")
RDF_FORMATS = tuple(name for name, f in FORMATS.items() if f.kind != "property-graph")
SUFFIXES: dict[str, str] = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "nt",
    ".nq": "nq",
    ".trig": "trig",
    ".jsonld": "jsonld",
    ".json": "jsonld",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
    ".graphml": "graphml",
    ".gexf": "gexf",
}
_OX_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "xml": ox.RdfFormat.RDF_XML,
}
_PREFIX_NAME = re.compile(r"[A-Za-z](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")


# --- Choosing what to export ---------------------------------------------------------------


def format_for(name: str | None, output: str | None = None) -> ExportFormat:
    """The format called ``name``, or else the one ``output``'s suffix implies (default Turtle)."""
    if name:
        try:
            return FORMATS[name.lower()]
        except KeyError:
            known = ", ".join(FORMATS)
            raise InputError(name, f"unknown export format (known: {known})") from None
    if output and output != "-":
        implied = SUFFIXES.get(Path(output).suffix.lower())
        if implied:
            return FORMATS[implied]
        raise InputError(output, "cannot tell the format from the extension; give it with --format")
    return FORMATS["turtle"]


def as_statements(source: Source) -> Statements | OxGraph:
    """``source`` as :class:`Statements` (an rdflib graph is copied), or an OxGraph as it is.

    A KnowledgeGraph or Dataset keeps its named graphs (its default graph as ``default``);
    a plain rdflib Graph becomes one graph with nothing to choose.
    """
    from kg.store.oxengine import OxGraph

    if isinstance(source, (Statements, OxGraph)):
        return source
    from rdflib import Dataset, Graph
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

    dataset = source
    if not isinstance(dataset, Graph):
        raise TypeError(f"cannot export a {type(source).__name__}")
    plain = not isinstance(dataset, Dataset)
    out = Statements(graphs={}, prefixes={}, sources=[], plain=plain)
    blanks: dict[Any, ox.BlankNode] = {}
    for part in [dataset] if plain else list(dataset.graphs()):
        if not len(part):
            continue
        named = not plain and part.identifier != DATASET_DEFAULT_GRAPH_ID
        triples = (
            ox.Triple(_ox_term(s, blanks), _ox_term(p, blanks), _ox_term(o, blanks))
            for s, p, o in part
        )
        _add_lines(out, str(part.identifier) if named else None,
                   ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))  # fmt: skip
    out.prefixes = dict(getattr(source, "prefixes", {}) or {})
    for prefix, namespace in sorted(dataset.namespaces()):
        if prefix:
            out.prefixes.setdefault(prefix, str(namespace))
    return out


def _ox_term(term: Any, blanks: dict[Any, ox.BlankNode]) -> Any:
    from rdflib import BNode, Literal

    if isinstance(term, BNode):
        found = blanks.get(term)
        if found is None:
            found = blanks[term] = ox.BlankNode()
        return found
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        datatype = ox.NamedNode(str(term.datatype)) if term.datatype else None
        return ox.Literal(str(term), datatype=datatype)
    return ox.NamedNode(str(term))


def _chosen(graph: OxGraph, names: Sequence[str]) -> list[tuple[str, Any]]:
    """(graph IRI or None for a default graph, where it is stored) of each chosen graph."""
    from kg.store.oxengine import SOURCE_DEFAULT_GRAPH

    chosen = graph.chosen(list(names))
    return [
        (None if stored == SOURCE_DEFAULT_GRAPH else iri, stored) for iri, stored in chosen
    ]


# --- Reading the files with lexical forms kept --------------------------------------------

# A quad line's object (an IRI or blank node, or a literal) and what follows (its graph).
_QUAD_OBJECT = re.compile(r'(?:<[^>]*>|_:\S+|"(?:[^"\\]|\\.)*"(?:@[A-Za-z0-9\-]+|\^\^<[^>]*>)?)')


@dataclass
class Statements:
    """RDF files parsed by Oxigraph's parser, each graph as N-Triples lines (lexical forms
    kept: Oxigraph's Store rewrites ``"007"^^xsd:integer`` as ``"7"``, its parser does not).

    ``graphs``: graph IRI (None for a quad file's default graph) -> lines, in load order,
    named as :class:`kg.store.oxengine.OxGraph` names them (the bundled ontology, data and shapes
    graphs; a triple file by its URI; a quad file's own graphs). ``prefixes``: those the
    files declare (shapes left out).
    """

    graphs: dict[str | None, list[str]]
    prefixes: dict[str, str]
    sources: list[str]
    plain: bool = False  # a plain rdflib Graph: no named graphs to choose from


def read_statements(
    paths: Sequence[str | Path] = (), *, bundled: bool | None = None, syntax: str | None = None
) -> Statements:
    """Parse the bundled graph and/or ``paths`` like :func:`kg.store.oxengine.load`, keeping each
    literal exactly as written (standard input and FIFOs read once, unsafe input refused)."""
    from kg import progress, resources
    from kg.store.oxengine import parse_quads
    from kg.store.rdffiles import (
        QUAD_SYNTAXES,
        bundled_graph_files,
        declared_prefixes,
        display_name,
        opened_input,
        refuse_repeated_stdin,
    )

    names = list(paths)
    refuse_repeated_stdin(names)
    if bundled is None:
        bundled = not names
    out = Statements(graphs={}, prefixes={}, sources=[])
    if bundled:
        trusted = list(bundled_graph_files())
        if resources.shapes_file().exists():
            trusted.append((resources.shapes_file(), SHAPES_GRAPH))
        for path, iri in trusted:
            quads = ox.parse(
                path=str(path), format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri(),
                rename_blank_nodes=True,
            )
            _add_lines(out, iri, ox.serialize(quads, format=ox.RdfFormat.N_TRIPLES))
            if iri != SHAPES_GRAPH:
                for prefix, namespace in declared_prefixes(path, "turtle").items():
                    out.prefixes.setdefault(prefix, namespace)
        out.sources.append("bundled")
    for name in names:
        with opened_input(name, syntax) as source:
            quad_file = source.syntax in QUAD_SYNTAXES
            fmt = ox.RdfFormat.N_QUADS if quad_file else ox.RdfFormat.N_TRIPLES
            label = f"reading {Path(source.name).name}"
            with progress.reading(source.path, source.size, label):
                data = ox.serialize(parse_quads(source), format=fmt)
            if quad_file:
                _add_quad_lines(out, data)
            else:
                _add_lines(out, source.base, data)
            for prefix, namespace in declared_prefixes(source.path, source.syntax).items():
                out.prefixes.setdefault(prefix, namespace)
        out.sources.append(display_name(name))
    return out


def _add_lines(out: Statements, iri: str | None, data: bytes) -> None:
    lines = data.decode("utf-8").split("\n")
    lines.pop()  # after the last newline
    out.graphs.setdefault(iri, []).extend(lines)


def _add_quad_lines(out: Statements, data: bytes) -> None:
    """N-Quads lines into their graphs (the default graph's under None)."""
    match = _QUAD_OBJECT.match
    by_graph: dict[str | None, list[str]] = {}
    for line in data.decode("utf-8").split("\n"):
        if not line:
            continue
        subject, predicate, rest = line.split(" ", 2)
        found = match(rest)
        end = found.end() if found else len(rest) - 2
        graph = rest[end + 1 : -2]
        triple = f"{subject} {predicate} {rest[:end]} ."
        key = graph[1:-1] if graph.startswith("<") else None
        by_graph.setdefault(key, []).append(triple)
    for key in sorted(by_graph, key=lambda k: (k is not None, k or "")):
        out.graphs.setdefault(key, []).extend(by_graph[key])


def _chosen_lines(source: Statements, names: Sequence[str]) -> list[tuple[str | None, list[str]]]:
    """The graphs ``names`` asks for (as :meth:`kg.store.oxengine.OxGraph.graph_quads` chooses)."""
    if names and source.plain:
        raise InputError("--graphs", "this graph has no named graphs to choose from")
    from kg.store.oxengine import choose_graphs

    present = {iri: lines for iri, lines in source.graphs.items() if lines}
    return choose_graphs(present, names, None)


# --- Canonical statements ------------------------------------------------------------------


def _graph_lines(source: Source, graphs: Sequence[str]) -> list[tuple[str | None, list[str]]]:
    """The N-Triples lines of each chosen graph, as read (blank nodes as the parser or the
    store labelled them; a line may repeat)."""
    graph = as_statements(source)
    if isinstance(graph, Statements):
        return _chosen_lines(graph, graphs)
    parts = []  # an OxGraph's store: typed literals come back in Oxigraph's canonical form
    for iri, stored in _chosen(graph, graphs):
        data = graph.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=stored)
        lines = data.decode("utf-8").split("\n")
        lines.pop()  # after the last newline
        parts.append((iri, lines))
    return parts


def canonical_lines(
    source: Source, *, graphs: Sequence[str] = (), keep_graphs: bool, skolemize: bool = False
) -> list[tuple[str | None, list[str]]]:
    """The chosen graphs as sorted, unique N-Triples lines with stable blank nodes.

    ``keep_graphs``: one ``(graph IRI or None for the default graph, lines)`` per graph, in
    that order (default first, then by IRI); else one ``(None, lines)``, the graphs merged
    as a set. Blank nodes are ``_:b`` + 32 hex digits of :func:`kg.store.bnodes.row_labels`, or
    skolem IRIs under :data:`GENID`.
    """
    parts = [
        (iri if keep_graphs else None, lines) for iri, lines in _graph_lines(source, graphs)
    ]
    # Per graph: the lines without blank nodes, and (deduplicated: a graph is a set) the
    # lines with them, split into terms.
    plain: list[tuple[str | None, list[str]]] = []
    rows: list[tuple[str, str, str, str]] = []
    spans = []
    for iri, lines in parts:
        tail = ("-" if iri is None else f"<{iri}>") if keep_graphs else ""
        plain.append((iri, [line for line in lines if "_:" not in line]))
        start = len(rows)
        for line in dict.fromkeys(line for line in lines if "_:" in line):
            subject, predicate, rest = line.split(" ", 2)
            rows.append((subject, predicate, rest[:-2], tail))
        spans.append((start, len(rows)))
    del parts
    names = row_labels(rows)
    prefix = "<" + GENID if skolemize else "_:b"
    close = ">" if skolemize else ""
    new = {f"_:{label}": f"{prefix}{digest[:32]}{close}" for label, digest in names.items()}
    del names
    get = new.get
    merged: dict[str | None, list[str]] = {}
    for (iri, lines), (start, end) in zip(plain, spans, strict=True):
        found = merged.setdefault(iri, [])
        found.extend(lines)
        found.extend(f"{get(s, s)} {p} {get(o, o)} ." for s, p, o, _ in rows[start:end])
    del plain, rows
    out = []
    for iri in sorted(merged, key=lambda iri: (iri is not None, iri or "")):
        lines = merged.pop(iri)
        lines.sort()  # input order is mostly grouped already, which the sort uses
        out.append((iri, [line for i, line in enumerate(lines) if not i or line != lines[i - 1]]))
    return out


def _nquads(parts: list[tuple[str | None, list[str]]]) -> list[str]:
    """N-Quads lines of ``parts`` (graph by graph, each sorted)."""
    out: list[str] = []
    for iri, lines in parts:
        if iri is None:
            out.extend(lines)
        else:
            name = f" <{iri}> ."
            out.extend(line[:-2] + name for line in lines)
    return out


def _text(lines: list[str]) -> bytes:
    """The lines, each ended by a newline, as UTF-8 (one joined copy at a time)."""
    lines.append("")
    try:
        return "\n".join(lines).encode("utf-8") if len(lines) > 1 else b""
    finally:
        lines.pop()


def skolemize(graph: Graph) -> Graph:
    """A copy of rdflib ``graph`` whose blank nodes are stable IRIs under ``GENID``."""
    from rdflib import Graph

    from kg.namespaces import bind_prefixes
    from kg.store.rdflibcopy import add_quads

    ((_, lines),) = canonical_lines(graph, keep_graphs=False, skolemize=True) or [(None, [])]
    out = bind_prefixes(Graph(bind_namespaces="none"))
    return add_quads(out, ox.parse(_text(lines), ox.RdfFormat.N_TRIPLES))


# --- RDF serialisations --------------------------------------------------------------------


@cache
def jsonld_context() -> dict[str, Any]:
    """The shipped JSON-LD ``@context`` (kg/contexts/ssp.jsonld)."""
    text = files("kg").joinpath("contexts", "ssp.jsonld").read_text(encoding="utf-8")
    return json.loads(text)["@context"]


def _prefixes(graph: OxGraph | Statements) -> dict[str, str]:
    """The project's prefixes, then the files' own (a name or namespace bound once).

    All of them are declared, used or not: finding which ones a large graph uses would cost
    a scan of every IRI.
    """
    chosen: dict[str, str] = {}
    for prefix, namespace in (*PREFIXES.items(), *graph.prefixes.items()):
        if prefix in chosen or namespace in chosen.values() or not namespace:
            continue
        if _PREFIX_NAME.fullmatch(prefix):
            chosen[prefix] = namespace
    return chosen


# What RDF/XML can use as an element name: the predicate IRI must end in an XML name.
_XML_LOCAL = re.compile(r"[^\W\d][\w.\-]*$")


def _check_xml_predicates(data: bytes) -> None:
    """An InputError for a predicate RDF/XML cannot write (Oxigraph would write bad XML)."""
    predicates = {line.split(b" ", 2)[1] for line in data.split(b"\n") if line}
    for predicate in sorted(predicates):
        iri = predicate[1:-1].decode("utf-8")
        if not _XML_LOCAL.search(iri):
            raise InputError(
                "xml", f"cannot write this graph: the predicate <{iri}> does not end in an XML "
                "name, which RDF/XML needs (use another format)",
            )


# The bytes of characters XML 1.0 cannot carry (_NOT_XML), as Oxigraph's RDF/XML writes them.
_NOT_XML_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")


def _xml_text(written: bytes, nquads: bytes) -> bytes:
    """Oxigraph's RDF/XML with each carriage return in a literal written as ``&#13;`` (an XML
    parser reads a raw one as a line feed); an InputError naming the first triple whose
    literal holds a character XML 1.0 cannot carry at all."""
    if _NOT_XML_BYTES.search(written):
        for quad in ox.parse(nquads, ox.RdfFormat.N_QUADS, rename_blank_nodes=False):
            value = quad.object.value if isinstance(quad.object, ox.Literal) else ""
            found = _NOT_XML.search(value)
            if found:
                raise InputError(
                    "xml",
                    f"cannot write this graph: the literal of {quad.subject} {quad.predicate} "
                    f"holds U+{ord(found.group()):04X}, which XML 1.0 cannot carry "
                    "(use another format)",
                )
        raise InputError(
            "xml", "cannot write this graph: it holds a character XML 1.0 cannot carry"
        )
    return written.replace(b"\r", b"&#13;")


_XMLNS = re.compile(r' xmlns:([^=]+)="([^"]*)"')


def _with_header(text: bytes, prefixes: dict[str, str], name: str) -> bytes:
    """Oxigraph's output with its prefix declarations replaced by ours, sorted by name."""
    if name == "xml":
        start = text.find(b"<rdf:RDF")
        end = text.find(b">", start)
        if start < 0 or end < 0:
            return text
        attributes = _XMLNS.findall(text[start:end].decode("utf-8"))
        tag = "<rdf:RDF" + "".join(f' xmlns:{p}="{ns}"' for p, ns in sorted(attributes))
        return text[:start] + tag.encode("utf-8") + text[end:]
    body = text
    while body.startswith(b"@prefix "):
        body = body[body.index(b"\n") + 1 :]
    header = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(prefixes.items()))
    return header.encode("utf-8") + (b"\n" if header and body else b"") + body


def serialize(
    source: Source,
    fmt: str = "turtle",
    *,
    graphs: Sequence[str] = (),
    skolemize: bool = False,
) -> bytes:
    """The chosen graphs of ``source`` in RDF format ``fmt``, byte-for-byte deterministic.

    ``source`` is an :class:`kg.store.oxengine.OxGraph` (what the command line loads) or an rdflib
    KnowledgeGraph, Dataset or Graph. Triple formats (turtle, nt, jsonld, xml) merge the
    chosen graphs; quad formats (nq, trig) keep each in its named graph. ``skolemize`` turns
    blank nodes into stable IRIs.
    """
    export_format = format_for(fmt)
    if export_format.kind == "property-graph":
        raise InputError(fmt, "not an RDF format; use export_graph() for property graphs")
    name = export_format.name
    graph = as_statements(source)
    parts = canonical_lines(
        graph, graphs=graphs, keep_graphs=export_format.kind == "quads", skolemize=skolemize
    )
    try:
        if name == "nt":
            return _text([line for _, lines in parts for line in lines])
        lines = _nquads(parts)
        del parts
        if name == "nq":
            lines.sort()
            return _text(lines)
        if name == "jsonld":
            return _jsonld(lines)
        nquads = _text(lines)
        del lines
        if name == "xml":
            _check_xml_predicates(nquads)
        prefixes = _prefixes(graph)
        written = ox.serialize(
            ox.parse(nquads, ox.RdfFormat.N_QUADS, rename_blank_nodes=False),
            format=_OX_FORMATS[name],
            prefixes=prefixes,
        )
        if name == "xml":
            written = _xml_text(written, nquads)
        return _with_header(written, prefixes, name)
    except KGError:
        raise
    except (ValueError, SyntaxError, OSError) as exc:  # e.g. RDF/XML cannot name a predicate
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(name, f"cannot write this graph: {reason}") from None


def _jsonld(lines: list[str]) -> bytes:
    """Flattened JSON-LD: one node object per subject, IRIs compacted with the shipped context.

    Sorted N-Triples lines in, one node object per subject, each on its own line, in the
    order of the subjects' N-Triples forms (IRIs, then blank nodes); keys and values sorted.
    Lists stay as rdf:first/rdf:rest nodes; every literal keeps its lexical form (Oxigraph's
    N-Triples quoting is read as a JSON string).
    """
    context = jsonld_context()
    namespaces = sorted(context.items(), key=lambda item: (-len(item[1]), item[0]))
    compacted: dict[str, str] = {}

    def compact(iri: str) -> str:
        found = compacted.get(iri)
        if found is None:
            found = iri
            for prefix, namespace in namespaces:
                local = iri[len(namespace) :]
                if iri.startswith(namespace) and local and not local.startswith("//"):
                    found = f"{prefix}:{local}"
                    break
            compacted[iri] = found
        return found

    dumps, loads = json.dumps, json.loads
    out: list[str] = []
    current: str | None = None
    properties: dict[str, list[Any]] = {}

    def flush() -> None:
        obj: dict[str, Any] = {"@id": current}
        for key, values in properties.items():
            if len(values) == 1:
                obj[key] = values[0]
            else:
                obj[key] = sorted(values, key=lambda v: dumps(v, sort_keys=True))
        out.append("    " + dumps(obj, sort_keys=True, ensure_ascii=False))

    subject = None
    cached = compacted.get
    rdf_type = f"<{RDF_TYPE}>"
    for line in lines:  # sorted, so each subject's statements are together
        s, p, rest = line.split(" ", 2)
        o = rest[:-2]
        if s != subject:
            if current is not None:
                flush()
            subject, properties = s, {}
            current = s if s[0] == "_" else compact(s[1:-1])
        first = o[0]
        if first == "<":
            iri = o[1:-1]
            if p == rdf_type:
                properties.setdefault("@type", []).append(cached(iri) or compact(iri))
                continue
            item: Any = {"@id": cached(iri) or compact(iri)}
        elif first == "_":
            item = {"@id": o}
        else:
            item = _jsonld_literal(o, compact, loads)
        predicate = p[1:-1]
        properties.setdefault(cached(predicate) or compact(predicate), []).append(item)
    if current is not None:
        flush()
    head = dumps({"@context": context}, indent=2, sort_keys=True, ensure_ascii=False)[:-2]
    body = ",\n".join(out)
    out.clear()
    graph = f"[\n{body}\n  ]" if body else "[]"
    return f'{head},\n  "@graph": {graph}\n}}\n'.encode()


def _jsonld_literal(token: str, compact: Any, loads: Any) -> Any:
    """A literal's N-Triples form as a JSON-LD value (a plain string stays a string)."""
    end = token.rindex('"')
    try:
        text = loads(token[: end + 1])
    except ValueError:  # an escape JSON does not share: let Oxigraph read it
        quad = next(iter(ox.parse(f"<x:s> <x:p> {token} .".encode(), ox.RdfFormat.N_TRIPLES)))
        text = quad.object.value
    suffix = token[end + 1 :]
    if not suffix:
        return text
    if suffix[0] == "@":
        return {"@language": suffix[1:], "@value": text}
    return {"@type": compact(suffix[3:-1]), "@value": text}


# --- Writing -------------------------------------------------------------------------------


def export_graph(
    source: Source,
    fmt: str | None,
    output: str | Path,
    *,
    graphs: Sequence[str] = (),
    skolemize: bool = False,
    force: bool = False,
) -> ExportFormat:
    """Write ``source`` in format ``fmt`` to ``output`` atomically ("-" is standard output).

    ``fmt`` None takes the format from ``output``'s suffix. The neo4j format writes a folder
    of CSV files; it replaces an existing folder only if a previous export wrote it (or it
    is empty), or with ``force``. The target is checked before any work (see
    :mod:`kg.atomic`), and the temp file is open while the graph is serialised, so a failure
    or signal at any point leaves the target as it was. Returns the format used.
    """
    out = str(output)
    export_format = format_for(fmt, out)
    if force and export_format.name not in FOLDER_FORMATS:
        raise InputError("--force", "only applies to a folder output (--format neo4j or kuzu)")
    if export_format.name == "kuzu":
        if out == "-":
            raise InputError("-", "kuzu export writes a folder of CSV files; give it with -o")
        with atomic_directory(out, KUZU_FILES, force=force) as folder:
            write_kuzu(network_of(source, graphs=graphs, skolemize=skolemize), folder)
        return export_format
    if export_format.name == "neo4j":
        if out == "-":
            raise InputError("-", "neo4j export writes a folder of CSV files; give it with -o")
        replace_any = force or is_legacy_neo4j_export(out)
        with atomic_directory(out, NEO4J_FILES, force=replace_any) as folder:
            write_neo4j(network_of(source, graphs=graphs, skolemize=skolemize), folder)
        return export_format
    if out == "-":
        write_stdout(_payload(source, export_format, graphs=graphs, skolemize=skolemize))
        return export_format
    with atomic_open(out, "wb") as handle:
        for chunk in _chunks(source, export_format, graphs=graphs, skolemize=skolemize):
            write_all(handle, chunk)
    return export_format


def check_neo4j_output(output: str, *, force: bool = False) -> None:
    """An InputError now, before any work, if a neo4j export could not replace ``output``."""
    folder_target(output, NEO4J_FILES, force=force or is_legacy_neo4j_export(output))


def _chunks(
    source: Source,
    export_format: ExportFormat,
    *,
    graphs: Sequence[str],
    skolemize: bool,
) -> Iterator[bytes]:
    """The bytes of a one-file export, GraphML a few thousand lines at a time (a 127 MB
    document is never whole in memory)."""
    if export_format.name != "graphml":
        yield _payload(source, export_format, graphs=graphs, skolemize=skolemize)
        return
    from kg.exports.graphml import graphml_chunks

    flat = _FlatLists(network_of(source, graphs=graphs, skolemize=skolemize))

    def check(text: str) -> None:  # one search per chunk; the node is named only on a hit
        found = _NOT_XML.search(text)
        if found:
            refuse_xml_unsafe(flat, export_format.name)
            raise InputError(  # in a name rather than a value (refuse_xml_unsafe reads those)
                export_format.name,
                f"the graph holds U+{ord(found.group()):04X}, which XML cannot carry: no "
                f"{export_format.name} file can hold this graph (export RDF, or -f neo4j)",
            )

    yield from graphml_chunks(flat, check)


def _payload(
    source: Source,
    export_format: ExportFormat,
    *,
    graphs: Sequence[str],
    skolemize: bool,
) -> bytes:
    """The bytes of a one-file export."""
    if export_format.kind != "property-graph":
        return serialize(source, export_format.name, graphs=graphs, skolemize=skolemize)
    if export_format.name == "graphml":
        return b"".join(_chunks(source, export_format, graphs=graphs, skolemize=skolemize))
    network = network_of(source, graphs=graphs, skolemize=skolemize)
    refuse_xml_unsafe(_flat_network(network), export_format.name)  # the text to be written
    return to_gexf(network)


# Characters XML 1.0 cannot carry, raw or as references (its Char production).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def refuse_xml_unsafe(network: Any, format_name: str) -> None:
    """InputError naming the node or edge whose text holds a character XML 1.0 forbids
    (U+0007, say): a GraphML or GEXF file holding it is not XML, and no reader opens it.

    ``network`` has flat attributes (:func:`_flat_network`): nested values are JSON text by
    then, where such a character is written as an escape (``\\u0007``) and so allowed."""

    def check(attributes: dict[str, Any], where: str) -> None:
        for name, value in sorted(attributes.items()):
            texts: list[str] = []
            _collect_strings(value, texts)
            found = next(filter(None, map(_NOT_XML.search, texts)), None)
            if found:
                raise InputError(
                    where,
                    f"its {name} holds U+{ord(found.group()):04X}, which XML cannot carry: "
                    f"no {format_name} file can hold this graph (export RDF, or -f neo4j)",
                )

    def clean(*values: Any) -> bool:  # one search over all the text ("\n" is allowed)
        texts: list[str] = []
        _collect_strings(values, texts)
        return not _NOT_XML.search("\n".join(texts))

    for node, attributes in network.nodes(data=True):
        if not clean(node, attributes):
            check({"id": node, **attributes}, f"<{node}>")
    for subject, obj, key, attributes in network.edges(keys=True, data=True):
        if not clean(key, attributes):
            check({"key": key, **attributes}, f"the edge <{subject}> -> <{obj}>")


def _collect_strings(value: Any, into: list[str]) -> None:
    """Every string inside an attribute value (nested lists, tuples and dicts included),
    appended to ``into``; the exact types first, the common case of the attributes."""
    kind = type(value)
    if kind is str:
        into.append(value)
    elif kind is list or kind is tuple:
        for item in value:
            if type(item) is str:
                into.append(item)
            elif item is not None and not isinstance(item, (int, float)):
                _collect_strings(item, into)
    elif isinstance(value, dict):
        for item in value.items():
            _collect_strings(item, into)
    elif isinstance(value, str):
        into.append(value)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect_strings(item, into)


# --- Property graphs (GraphML, GEXF, Neo4j CSV) --------------------------------------------


def network_of(source: Source, *, graphs: Sequence[str] = (), skolemize: bool = False) -> Any:
    """The property graph of the chosen graphs: :func:`kg.views.network.to_networkx` of their union.

    The same MultiDiGraph ``kg viz`` draws: nodes keyed by IRI with ``label``, ``class``,
    ``classes``, ``definition``, ``evidence`` and more; edges keyed by predicate IRI.
    """
    from kg.views.netread import Facts
    from kg.views.network import to_networkx

    if skolemize:  # the skolem IRIs are the blank nodes' content labels
        ((_, lines),) = canonical_lines(
            source, graphs=graphs, keep_graphs=False, skolemize=True
        ) or [(None, [])]
    else:  # the view keys blank nodes by content itself, whatever their labels and order
        lines = list(dict.fromkeys(
            line for _, part in _graph_lines(source, graphs) for line in part
        ))  # a graph is a set: a triple in two graphs or twice in a file is one edge
    quads = ox.parse(_text(lines), ox.RdfFormat.N_TRIPLES)
    del lines
    facts = Facts.from_pyoxigraph((q.subject, q.predicate, q.object) for q in quads)
    return to_networkx(facts, fold_lists=False)


def _flat_value(value: Any, *, lists: bool) -> Any:
    """A value a property-graph file can hold.

    Strings, numbers and booleans stay; a list of those becomes " | "-joined text (or stays a
    list when ``lists``); anything nested (evidence records, literal pairs) becomes compact
    JSON with sorted keys; None becomes None (left out).
    """
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool or kind is float:
        return value
    if isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)) and all(
        isinstance(v, (str, int, float, bool)) for v in value
    ):
        return [str(v) for v in value] if lists else " | ".join(str(v) for v in value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _flat_attributes(attributes: dict[str, Any], *, lists: bool = False) -> dict[str, Any]:
    """Sorted, flattened attributes; an ``evidence`` list also gives ``evidence_count``."""
    evidence = attributes.get("evidence")
    counted = isinstance(evidence, list)
    names = sorted([*attributes, "evidence_count"] if counted else attributes)
    out: dict[str, Any] = {}
    for key in names:
        if counted and key == "evidence_count":
            out[key] = len(evidence)  # type: ignore[arg-type]
            continue
        value = attributes[key]
        kind = type(value)
        if not (kind is str or kind is int or kind is bool or kind is float):
            value = _flat_value(value, lists=lists)  # None, a list, nested records
        if value is not None:
            out[key] = value
    return out


def _flat_network(network: Any, *, lists: bool = False) -> Any:
    """A copy of ``network`` with flat attributes, nodes and edges in sorted order."""
    import networkx as nx

    flat = nx.MultiDiGraph()
    for node in sorted(network.nodes, key=str):
        flat.add_node(str(node), **_flat_attributes(network.nodes[node], lists=lists))
    edges = sorted(
        network.edges(keys=True, data=True), key=lambda e: (str(e[0]), str(e[1]), str(e[2]))
    )
    for u, v, key, data in edges:
        flat.add_edge(str(u), str(v), key=str(key), **_flat_attributes(data, lists=lists))
    return flat


class _FlatLists:
    """What :func:`_flat_network` would hold, as two sorted lists: what :mod:`kg.exports.graphml`
    reads from a graph (an empty ``graph`` dict, nodes and keyed edges with their data, in
    the order the MultiDiGraph would give them), without building one."""

    def __init__(self, network: Any) -> None:
        self.graph: dict[str, Any] = {}  # as in _flat_network's new graph
        self._nodes = [
            (str(node), _flat_attributes(network.nodes[node]))
            for node in sorted(network.nodes, key=str)
        ]
        edges = sorted(
            network.edges(keys=True, data=True), key=lambda e: (str(e[0]), str(e[1]), str(e[2]))
        )
        self._edges = [(str(u), str(v), str(k), _flat_attributes(d)) for u, v, k, d in edges]

    def nodes(self, data: bool = True) -> list[tuple[str, dict[str, Any]]]:
        return self._nodes

    def edges(self, keys: bool = True, data: bool = True) -> list[tuple[str, str, str, dict]]:
        return self._edges

    def is_multigraph(self) -> bool:
        return True

    def is_directed(self) -> bool:
        return True


def to_graphml(network: Any) -> bytes:
    """GraphML (for Cytoscape, yEd, Gephi), deterministic (:mod:`kg.exports.graphml`)."""
    from kg.exports.graphml import graphml_bytes

    return graphml_bytes(_FlatLists(network))


def to_gexf(network: Any) -> bytes:
    """GEXF 1.2 (for Gephi), deterministic: no "last modified" date, a fixed creator; valid
    against the published 1.2draft XSD (checked by hand: see the README's export table)."""
    import io

    from networkx.readwrite.gexf import GEXFWriter

    writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
    meta = writer.xml.find("meta")
    if meta is not None:
        meta.attrib.pop("lastmodifieddate", None)
        creator = meta.find("creator")
        if creator is not None:
            creator.text = "ssp-kg"
    writer.add_graph(_flat_network(network))
    for graph in writer.xml.iter("graph"):
        graph.attrib.pop("name", None)  # networkx writes name="", which the 1.2draft XSD refuses
    stream = io.BytesIO()
    writer.write(stream)
    return stream.getvalue()


NEO4J_README = """\
Property graph of the ssp-kg knowledge graph for Neo4j (written by `kg export --format neo4j`).

Load it into an empty database with:

    neo4j-admin database import full neo4j --nodes=nodes.csv --relationships=relationships.csv

Node ids (:ID) are IRIs; node labels (:LABEL) are the class and its superclasses; relationship
types (:TYPE) are the predicates' local names in upper snake case (ssp:hasCapability becomes
HAS_CAPABILITY). List columns (string[]) use ";" between items; evidence is JSON text.
"""


# What README.txt said in earlier versions (the database name last, which neo4j-admin 5.19
# and later read as a file): folders holding it are ours too.
_EARLIER_NEO4J_READMES = (NEO4J_README.replace(
    "full neo4j --nodes=nodes.csv --relationships=relationships.csv\n",
    "full --nodes=nodes.csv --relationships=relationships.csv neo4j\n",
),)


# The files write_neo4j puts in its folder (kg.atomic adds its marker, .kg-export).
NEO4J_FILES = ("README.txt", "nodes.csv", "relationships.csv")


def is_legacy_neo4j_export(path: str | Path) -> bool:
    """True for a neo4j folder written before folders carried the marker.

    It holds only our three files, as regular files, and our README.txt word for word.
    """
    folder = Path(path)
    try:
        names = set(os.listdir(folder))
        if "README.txt" not in names or not names <= set(NEO4J_FILES):
            return False
        if not all(stat.S_ISREG(os.lstat(folder / name).st_mode) for name in names):
            return False
        text = (folder / "README.txt").read_text(encoding="utf-8")
        return text in (NEO4J_README, *_EARLIER_NEO4J_READMES)
    except (OSError, UnicodeDecodeError):
        return False


def _neo4j_type(values: Iterable[Any]) -> str:
    """The neo4j-admin header type for a column holding ``values``."""
    kinds = {type(v) for v in values if v is not None}
    if not kinds:
        return ""
    if kinds <= {bool}:
        return ":boolean"
    if kinds <= {int}:
        return ":long"
    if kinds <= {int, float}:
        return ":double"
    if kinds <= {list}:
        return ":string[]"
    return ""


def _neo4j_value(value: Any, delimiter: str = ";") -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return delimiter.join(value)
    return str(value)


# The array delimiters a Neo4j export may use (neo4j-admin has no escape for one inside an
# item): its default first, then others a shell reads as themselves once quoted.
NEO4J_ARRAY_DELIMITERS = (";", "|", "^", "~")


def _array_delimiter(values: Iterable[Any]) -> str:
    """The first of :data:`NEO4J_ARRAY_DELIMITERS` that no list item among ``values`` holds."""
    used = "".join(item for value in values if isinstance(value, list) for item in value)
    for delimiter in NEO4J_ARRAY_DELIMITERS:
        if delimiter not in used:
            return delimiter
    shown = " ".join(NEO4J_ARRAY_DELIMITERS)
    raise InputError(
        "neo4j",
        f"cannot write this graph: its list items hold each of {shown}, one of which "
        "neo4j-admin needs between items (use another format)",
    )


def neo4j_readme(delimiter: str = ";") -> str:
    """README.txt of a Neo4j export whose list columns use ``delimiter``."""
    if delimiter == ";":
        return NEO4J_README
    return NEO4J_README.replace(
        " --relationships=relationships.csv\n",
        f" --relationships=relationships.csv --array-delimiter='{delimiter}'\n",
    ).replace('use ";" between items', f'use "{delimiter}" between items')


def relationship_type(predicate: str) -> str:
    """``.../ontology#hasCapability`` -> ``HAS_CAPABILITY`` (Neo4j's usual style)."""
    local = re.sub(r"[^0-9A-Za-z]+", "_", local_name(predicate))
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", local).strip("_").upper() or "RELATED"


def node_labels(attributes: dict[str, Any], delimiter: str = ";") -> str:
    """``Farmer;SmallScaleProducer;...``: the node's class and superclasses, or ``Resource``
    (between them the array ``delimiter``, which neo4j-admin reads :LABEL with)."""
    classes = attributes.get("classes") or []
    if isinstance(classes, str):
        classes = [c for c in classes.split(" | ") if c]
    names = [re.sub(r"[^0-9A-Za-z_]", "_", local_name(str(c))) for c in classes]
    return delimiter.join(sorted(set(names))) or "Resource"


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_neo4j(network: Any, folder: Path) -> None:
    """Write ``nodes.csv``, ``relationships.csv`` and ``README.txt`` for neo4j-admin import.

    Nodes: ``id:ID``, one column per attribute (typed headers), ``:LABEL``. Relationships:
    ``:START_ID``, ``:END_ID``, ``:TYPE``, then the edge attributes. Rows are sorted. Lists
    (and labels) are joined by ``;``, or where an item holds one by the first of
    :data:`NEO4J_ARRAY_DELIMITERS` none holds, which README.txt's command then names.
    """
    flat = _flat_network(network, lists=True)
    nodes = list(flat.nodes(data=True))
    edges = list(flat.edges(keys=True, data=True))
    delimiter = _array_delimiter(
        [v for _, data in nodes for v in data.values()]
        + [v for *_, data in edges for v in data.values()]
    )
    node_keys = sorted({k for _, data in nodes for k in data} - {"id"})
    node_header = ["id:ID"]
    node_header += [k + _neo4j_type(d.get(k) for _, d in nodes) for k in node_keys]
    node_header.append(":LABEL")
    node_rows = [
        [
            node,
            *(_neo4j_value(data.get(k), delimiter) for k in node_keys),
            node_labels(data, delimiter),
        ]
        for node, data in nodes
    ]
    edge_keys = sorted({k for *_, data in edges for k in data})
    edge_header = [":START_ID", ":END_ID", ":TYPE"]
    edge_header += [k + _neo4j_type(e[3].get(k) for e in edges) for k in edge_keys]
    edge_rows = [
        [
            u,
            v,
            relationship_type(str(data.get("predicate", key))),
            *(_neo4j_value(data.get(k), delimiter) for k in edge_keys),
        ]
        for u, v, key, data in edges
    ]
    (folder / "nodes.csv").write_text(_csv_text(node_header, node_rows), encoding="utf-8")
    (folder / "relationships.csv").write_text(_csv_text(edge_header, edge_rows), encoding="utf-8")
    (folder / "README.txt").write_text(neo4j_readme(delimiter), encoding="utf-8")


# --- Kuzu (an embedded property-graph database with Cypher) ------------------------------

KUZU_README = """\
Property graph of the ssp-kg knowledge graph for Kuzu (written by `kg export --format kuzu`).

Load it into a new, empty database (Kuzu or its fork LadybugDB) with one statement:

    IMPORT DATABASE '/path/to/this/folder';

It runs schema.cypher (the tables) and then copy.cypher (COPY FROM the CSV files). Nodes are
one table, Resource, keyed by IRI (id); `class` is the label of the node's class, `classes`
its class IRIs. Relationships are one table, Relation, whose `type` is the predicate's local
name in upper snake case (ssp:hasCapability becomes HAS_CAPABILITY) and `predicate` its IRI.
Lists are " | "-joined text, as in the GraphML export (Kuzu's CSV lists cannot hold a comma);
evidence is JSON text. Literal values of the nodes (dcterms:identifier, schema:position) are
columns of their own. For example, the concepts that answer the article's question 4:

    MATCH (q:Resource {identifier: 'article-q4'})-[r:Relation {type: 'ANSWERED_BY'}]->(c)
    RETURN c.id, c.label, c.`class` ORDER BY c.label;
"""

# The files write_kuzu puts in its folder (kg.atomic adds its marker, .kg-export).
KUZU_FILES = ("README.txt", "copy.cypher", "nodes.csv", "relationships.csv", "schema.cypher")


def _kuzu_type(values: Iterable[Any]) -> str:
    """The Kuzu column type for a column holding ``values`` (flat: no lists)."""
    kinds = {type(v) for v in values if v is not None}
    if kinds and kinds <= {bool}:
        return "BOOLEAN"
    if kinds and kinds <= {int}:
        return "INT64"
    if kinds and kinds <= {int, float}:
        return "DOUBLE"
    return "STRING"


def _kuzu_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _kuzu_name(name: str) -> str:
    return "`" + name.replace("`", "") + "`"


def _literal_columns(network: Any, taken: set[str]) -> dict[str, str]:
    """Literal predicate label -> its column name (``literal_`` + label if ``taken``)."""
    labels = sorted(
        {
            str(pair[0])
            for _, data in network.nodes(data=True)
            for pair in data.get("literals") or []
        }
    )
    columns = {}
    for label in labels:
        name = re.sub(r"[^0-9A-Za-z_]", "_", label)
        columns[label] = name if name not in taken and name[:1].isalpha() else f"literal_{name}"
    return columns


def write_kuzu(network: Any, folder: Path) -> None:
    """Write a folder that Kuzu's ``IMPORT DATABASE`` loads: schema, copy script, CSV files.

    Nodes: table ``Resource`` (``id`` primary key, one column per flat attribute as in
    GraphML, one per literal predicate). Relationships: table ``Relation`` (``type``,
    ``predicate``, then the edge attributes). Rows are sorted; CSV has a header row and is
    read serially (values may hold newlines, which Kuzu's parallel reader refuses).
    """
    flat = _flat_network(network)
    nodes = list(flat.nodes(data=True))
    node_keys = sorted({k for _, data in nodes for k in data} - {"id"})
    literal_columns = _literal_columns(network, {"id", *node_keys})
    literal_values: dict[str, dict[str, str]] = {}
    for node, data in network.nodes(data=True):
        by_column: dict[str, list[str]] = {}
        for pair in data.get("literals") or []:
            by_column.setdefault(literal_columns[str(pair[0])], []).append(str(pair[1]))
        literal_values[str(node)] = {c: " | ".join(sorted(v)) for c, v in by_column.items()}
    literal_names = sorted(set(literal_columns.values()))
    node_types = {k: _kuzu_type(d.get(k) for _, d in nodes) for k in node_keys}
    node_header = ["id", *node_keys, *literal_names]
    node_rows = [
        [
            node,
            *(_kuzu_value(data.get(k)) for k in node_keys),
            *(literal_values.get(node, {}).get(c, "") for c in literal_names),
        ]
        for node, data in nodes
    ]
    edges = list(flat.edges(keys=True, data=True))
    edge_keys = sorted({k for *_, data in edges for k in data} - {"type", "predicate"})
    edge_types = {k: _kuzu_type(e[3].get(k) for e in edges) for k in edge_keys}
    edge_header = ["from", "to", "type", "predicate", *edge_keys]
    edge_rows = [
        [
            u,
            v,
            relationship_type(str(data.get("predicate", key))),
            str(data.get("predicate", key)),
            *(_kuzu_value(data.get(k)) for k in edge_keys),
        ]
        for u, v, key, data in edges
    ]
    node_columns = [
        "`id` STRING",
        *(f"{_kuzu_name(k)} {node_types[k]}" for k in node_keys),
        *(f"{_kuzu_name(c)} STRING" for c in literal_names),
        "PRIMARY KEY (`id`)",
    ]
    edge_columns = [
        "FROM `Resource` TO `Resource`",
        "`type` STRING",
        "`predicate` STRING",
        *(f"{_kuzu_name(k)} {edge_types[k]}" for k in edge_keys),
        "MANY_MANY",
    ]
    schema = (
        f"CREATE NODE TABLE `Resource` ({', '.join(node_columns)});\n"
        f"CREATE REL TABLE `Relation` ({', '.join(edge_columns)});\n"
    )
    copy = (
        'COPY `Resource` FROM "nodes.csv" (header=true, parallel=false);\n'
        'COPY `Relation` FROM "relationships.csv" (header=true, parallel=false);\n'
    )
    (folder / "schema.cypher").write_text(schema, encoding="utf-8")
    (folder / "copy.cypher").write_text(copy, encoding="utf-8")
    (folder / "nodes.csv").write_text(_csv_text(node_header, node_rows), encoding="utf-8")
    (folder / "relationships.csv").write_text(_csv_text(edge_header, edge_rows), encoding="utf-8")
    (folder / "README.txt").write_text(KUZU_README, encoding="utf-8")


def check_kuzu_output(output: str, *, force: bool = False) -> None:
    """An InputError now, before any work, if a kuzu export could not replace ``output``."""
    folder_target(output, KUZU_FILES, force=force)
