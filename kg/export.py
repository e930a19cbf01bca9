"""Exports: deterministic RDF serialisations, skolemisation, and property-graph files.

Every export is a pure function of the input triples: blank nodes get labels computed from
their content (so the same input gives byte-identical files in any process), N-Triples and
N-Quads lines are sorted, Turtle/TriG/RDF-XML are written from a graph filled in sorted order,
and JSON-LD uses the shipped ``@context`` with sorted keys and arrays. Files are written
atomically (see :mod:`kg.atomic`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from kg.atomic import atomic_directory, atomic_open, folder_target, write_all, write_stdout
from kg.errors import InputError, KGError
from kg.loader import KnowledgeGraph
from kg.namespaces import BASE, DATA_GRAPH, ONTOLOGY_GRAPH, SHAPES_GRAPH, bind_prefixes
from kg.prefixes import local_name

# Skolem IRIs for blank nodes (RDF 1.1 section 3.5).
GENID = BASE + ".well-known/genid/"
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

# Named graphs a user may give by short name with --graphs.
GRAPH_NAMES: dict[str, str] = {
    "ontology": ONTOLOGY_GRAPH,
    "data": DATA_GRAPH,
    "shapes": SHAPES_GRAPH,
}


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

Quad = tuple[Node, Node, Node, Node | None]


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


def select_graphs(
    source: KnowledgeGraph | Dataset | Graph, names: Sequence[str] = ()
) -> list[Graph]:
    """The named graphs to export: those ``names`` gives (short names or IRIs), else all but shapes.

    Empty graphs are left out. An unknown name is an InputError listing the graphs there are.
    """
    if isinstance(source, Graph) and not isinstance(source, Dataset):
        if names:
            raise InputError("--graphs", "this graph has no named graphs to choose from")
        return [source]
    dataset = source.dataset if isinstance(source, KnowledgeGraph) else source
    present = {g.identifier: g for g in dataset.graphs() if len(g)}
    if not names:
        return [g for iri, g in present.items() if iri != URIRef(SHAPES_GRAPH)]
    chosen: list[Graph] = []
    for name in names:
        iri = URIRef(GRAPH_NAMES.get(name, name))
        if iri == URIRef("default"):
            iri = DATASET_DEFAULT_GRAPH_ID
        if iri not in present:
            known = sorted(
                {k for k, v in GRAPH_NAMES.items() if URIRef(v) in present}
                | {str(i) for i in present if str(i) not in GRAPH_NAMES.values()}
            )
            raise InputError(name, f"no such graph (graphs: {', '.join(known)})")
        if present[iri] not in chosen:
            chosen.append(present[iri])
    return chosen


def collect_quads(graphs: Iterable[Graph], *, keep_graphs: bool) -> list[Quad]:
    """The statements of ``graphs``: quads naming their graph, or (merged) triples."""
    seen: set[Quad] = set()
    for graph in graphs:
        name = graph.identifier if keep_graphs else None
        if name == DATASET_DEFAULT_GRAPH_ID or not isinstance(name, URIRef):
            name = None  # the default graph (a plain Graph's own identifier is random)
        for s, p, o in graph:
            seen.add((s, p, o, name))
    return list(seen)


# --- Blank nodes: content-derived labels ---------------------------------------------------


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _term_key(term: Node | None, me: BNode, colours: dict[BNode, str]) -> str:
    if term is None:
        return "-"
    if term == me:
        return "@"
    if isinstance(term, BNode):
        return "_:" + colours[term]
    return term.n3()


def blank_node_hashes(quads: Sequence[Quad]) -> dict[BNode, str]:
    """A hex hash for each blank node, computed only from the statements around it.

    Colour refinement, within each group of linked blank nodes: a node's first colour hashes
    its own statements (other blank nodes masked); each round rehashes them with the
    neighbours' colours, until no colour class splits. Nodes that still share a colour (e.g.
    two identical evidence records) are told apart one at a time, which gives the same
    output whichever is picked first when they are interchangeable. The hashes depend on the
    content, not on parser labels, hash seeds or insertion order.
    """
    touching: dict[BNode, list[int]] = defaultdict(list)
    for index, quad in enumerate(quads):
        for node in dict.fromkeys(t for t in quad if isinstance(t, BNode)):
            touching[node].append(index)
    if not touching:
        return {}
    colours = {node: "" for node in touching}
    # Each group of linked blank nodes is refined on its own, so a node's hash does not
    # change when unrelated parts of the graph do.
    remaining = set(touching)
    while remaining:
        component = _component(next(iter(remaining)), quads, touching)
        remaining -= component
        _settle(quads, touching, colours, component)
    while True:
        classes: dict[str, list[BNode]] = defaultdict(list)
        for node, colour in colours.items():
            classes[colour].append(node)
        tied = sorted(colour for colour, members in classes.items() if len(members) > 1)
        if not tied:
            return colours
        # Individualise one member of the smallest tied colour, then refine again.
        chosen = classes[tied[0]][0]
        colours[chosen] = _digest(colours[chosen] + "/individual")
        _settle(quads, touching, colours, _component(chosen, quads, touching))


def _settle(
    quads: Sequence[Quad],
    touching: dict[BNode, list[int]],
    colours: dict[BNode, str],
    nodes: set[BNode],
) -> None:
    """Refine one group of linked blank nodes, then mix the group's signature into each colour.

    Refinement stops once the group's colour classes stop splitting, which can leave a node
    coloured like a node of a different group (the same list tail in two different lists);
    the signature, a hash of all the group's colours, tells such nodes apart.
    """
    _refine(quads, touching, colours, nodes)
    signature = _digest("\n".join(sorted(colours[n] for n in nodes)))
    for node in nodes:
        colours[node] = _digest(signature + colours[node])


def _refine(
    quads: Sequence[Quad],
    touching: dict[BNode, list[int]],
    colours: dict[BNode, str],
    nodes: set[BNode],
) -> None:
    """Rehash the colours of ``nodes`` (in place) until their number of classes stops growing."""
    count = len({colours[n] for n in nodes})
    while True:
        updated = {}
        for node in nodes:
            rows = sorted(
                " ".join(_term_key(t, node, colours) for t in quads[i]) for i in touching[node]
            )
            updated[node] = _digest(colours[node] + "\n" + "\n".join(rows))
        colours.update(updated)
        new_count = len(set(updated.values()))
        if new_count <= count:
            return
        count = new_count


def _component(start: BNode, quads: Sequence[Quad], touching: dict[BNode, list[int]]) -> set[BNode]:
    """The blank nodes linked to ``start`` through statements that hold two blank nodes."""
    found = {start}
    todo = [start]
    while todo:
        node = todo.pop()
        for index in touching[node]:
            for term in quads[index]:
                if isinstance(term, BNode) and term not in found:
                    found.add(term)
                    todo.append(term)
    return found


def canonical_quads(quads: Sequence[Quad], *, skolemize: bool = False) -> list[Quad]:
    """``quads`` with content-derived blank node labels (or skolem IRIs), sorted."""
    hashes = blank_node_hashes(quads)
    names: dict[BNode, Node] = {
        node: URIRef(GENID + digest[:32]) if skolemize else BNode("b" + digest[:32])
        for node, digest in hashes.items()
    }
    relabelled = [
        tuple(names.get(t, t) if isinstance(t, BNode) else t for t in quad) for quad in quads
    ]
    return sorted(relabelled, key=_quad_sort_key)  # type: ignore[arg-type]


def _quad_sort_key(quad: Quad) -> tuple[str, ...]:
    return tuple("" if t is None else t.n3() for t in (quad[3], *quad[:3]))


def skolemize(graph: Graph) -> Graph:
    """A copy of ``graph`` whose blank nodes are stable IRIs under ``GENID``."""
    out = bind_prefixes(Graph(bind_namespaces="none"))
    for s, p, o, _ in canonical_quads(collect_quads([graph], keep_graphs=False), skolemize=True):
        out.add((s, p, o))
    return out


# --- RDF serialisations --------------------------------------------------------------------


@cache
def jsonld_context() -> dict[str, Any]:
    """The shipped JSON-LD ``@context`` (kg/contexts/ssp.jsonld)."""
    text = files("kg").joinpath("contexts", "ssp.jsonld").read_text(encoding="utf-8")
    return json.loads(text)["@context"]


def _prefixes_of(source: KnowledgeGraph | Dataset | Graph) -> list[tuple[str, str]]:
    """The user's own prefixes (sorted), to bind after the project's."""
    graph = source.dataset if isinstance(source, KnowledgeGraph) else source
    return sorted((prefix, str(ns)) for prefix, ns in graph.namespaces() if prefix)


def _filled(quads: Sequence[Quad], prefixes: list[tuple[str, str]], *, keep_graphs: bool) -> Graph:
    """A fresh Graph or Dataset holding ``quads`` (added in order) with stable prefixes."""
    target: Graph = Dataset() if keep_graphs else Graph(bind_namespaces="none")
    bind_prefixes(target)
    bound_prefixes = {p for p, _ in target.namespaces()}
    bound_uris = {str(ns) for _, ns in target.namespaces()}
    for prefix, uri in prefixes:
        if prefix not in bound_prefixes and uri not in bound_uris:
            target.bind(prefix, uri, override=False)
            bound_prefixes.add(prefix)
            bound_uris.add(uri)
    if keep_graphs:
        assert isinstance(target, Dataset)
        for s, p, o, g in quads:
            graph = target.graph(g if g is not None else DATASET_DEFAULT_GRAPH_ID)
            graph.add((s, p, o))
    else:
        for s, p, o, _ in quads:
            target.add((s, p, o))
    return target


class _SortedGraph(Graph):
    """A Graph that lists subjects and predicate-object pairs in sorted order.

    rdflib's RDF/XML writer walks ``subjects()`` in store order, which changes with the
    process's hash seed; sorting here makes its output stable.
    """

    def subjects(self, predicate=None, object=None, unique=False):  # type: ignore[no-untyped-def]
        found = set(super().subjects(predicate, object))
        return iter(sorted(found, key=lambda term: term.n3()))

    def predicate_objects(self, subject=None, unique=False):  # type: ignore[no-untyped-def]
        found = set(super().predicate_objects(subject))
        return iter(sorted(found, key=lambda pair: (pair[0].n3(), pair[1].n3())))


def _sorted_graph(graph: Graph) -> Graph:
    ordered = _SortedGraph(bind_namespaces="none")
    for prefix, uri in graph.namespaces():
        ordered.bind(prefix, uri, override=True, replace=True)
    ordered += graph
    return ordered


def _trig(dataset: Graph) -> bytes:
    """TriG with the named graphs in sorted order (rdflib keeps them in store order)."""
    import io

    from rdflib.plugins.serializers.trig import TrigSerializer

    serializer = TrigSerializer(dataset)
    default = serializer.default_context
    serializer.contexts.sort(key=lambda g: (g.identifier != default, g.identifier.n3()))
    stream = io.BytesIO()
    serializer.serialize(stream, encoding="utf-8")
    return stream.getvalue()


def _sorted_lines(text: str) -> bytes:
    """Sorted, unique lines; rdflib writes default-graph N-Quads with an extra space."""
    lines = sorted(
        {line[:-3] + " ." if line.endswith("  .") else line for line in text.splitlines() if line}
    )
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def _jsonld(graph: Graph) -> bytes:
    """Flattened JSON-LD: one node object per subject, IRIs compacted with the shipped context.

    Written here rather than by rdflib's JSON-LD serialiser, which drops blank nodes that
    only occur in cycles and keeps only one of several values when one is the empty string.
    Lists stay as rdf:first/rdf:rest nodes; every literal keeps its lexical form.
    """
    context = jsonld_context()
    namespaces = sorted(context.items(), key=lambda item: (-len(item[1]), item[0]))

    def compact(iri: str) -> str:
        for prefix, namespace in namespaces:
            local = iri[len(namespace) :]
            if iri.startswith(namespace) and local and not local.startswith("//"):
                return f"{prefix}:{local}"
        return iri

    def node_id(term: Node) -> str:
        return term.n3() if isinstance(term, BNode) else compact(str(term))

    def value(term: Node) -> Any:
        if not isinstance(term, Literal):
            return {"@id": node_id(term)}
        if term.language:
            return {"@language": term.language, "@value": str(term)}
        if term.datatype is None or str(term.datatype) == XSD_STRING:
            return str(term)
        return {"@type": compact(str(term.datatype)), "@value": str(term)}

    nodes: dict[str, dict[str, list[Any]]] = {}
    for s, p, o in graph:
        node = nodes.setdefault(node_id(s), {})
        if p == RDF_TYPE and isinstance(o, URIRef):
            node.setdefault("@type", []).append(node_id(o))
        else:
            node.setdefault(compact(str(p)), []).append(value(o))
    objects = []
    for identifier, properties in nodes.items():
        obj: dict[str, Any] = {"@id": identifier}
        for key, values in properties.items():
            obj[key] = values[0] if len(values) == 1 else values
        objects.append(obj)
    document = {"@context": context, "@graph": objects}
    text = json.dumps(_sort_json(document), indent=2, sort_keys=True, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def _sort_json(value: Any, key: str | None = None) -> Any:
    """Sort JSON-LD arrays (unordered sets) recursively; ``@list`` arrays keep their order."""
    if isinstance(value, dict):
        return {k: _sort_json(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sort_json(v) for v in value]
        if key == "@list":
            return items
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def serialize(
    source: KnowledgeGraph | Dataset | Graph,
    fmt: str = "turtle",
    *,
    graphs: Sequence[str] = (),
    skolemize: bool = False,
) -> bytes:
    """The chosen graphs of ``source`` in RDF format ``fmt``, byte-for-byte deterministic.

    Triple formats (turtle, nt, jsonld, xml) merge the chosen graphs; quad formats (nq, trig)
    keep each in its named graph. ``skolemize`` turns blank nodes into stable IRIs.
    """
    export_format = format_for(fmt)
    if export_format.kind == "property-graph":
        raise InputError(fmt, "not an RDF format; use export_graph() for property graphs")
    keep_graphs = export_format.kind == "quads"
    quads = canonical_quads(
        collect_quads(select_graphs(source, graphs), keep_graphs=keep_graphs),
        skolemize=skolemize,
    )
    graph = _filled(quads, _prefixes_of(source), keep_graphs=keep_graphs)
    try:
        return _write_rdf(graph, export_format.name)
    except KGError:
        raise
    except Exception as exc:  # serialisers raise many types; each becomes one line
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(export_format.name, f"cannot write this graph: {reason}") from None


def _write_rdf(graph: Graph, name: str) -> bytes:
    """Serialise a graph already filled in canonical order."""
    if name == "nt":
        return _sorted_lines(graph.serialize(format="nt"))
    if name == "nq":
        return _sorted_lines(graph.serialize(format="nquads"))
    if name == "jsonld":
        return _jsonld(graph)
    if name == "trig":
        return _trig(graph)
    if name == "xml":
        return _sorted_graph(graph).serialize(format="xml", encoding="utf-8")
    return graph.serialize(format="turtle", encoding="utf-8")


# --- Writing -------------------------------------------------------------------------------


def export_graph(
    source: KnowledgeGraph | Dataset | Graph,
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
        write_all(handle, _payload(source, export_format, graphs=graphs, skolemize=skolemize))
    return export_format


def check_neo4j_output(output: str, *, force: bool = False) -> None:
    """An InputError now, before any work, if a neo4j export could not replace ``output``."""
    folder_target(output, NEO4J_FILES, force=force or is_legacy_neo4j_export(output))


def _payload(
    source: KnowledgeGraph | Dataset | Graph,
    export_format: ExportFormat,
    *,
    graphs: Sequence[str],
    skolemize: bool,
) -> bytes:
    """The bytes of a one-file export."""
    if export_format.kind != "property-graph":
        return serialize(source, export_format.name, graphs=graphs, skolemize=skolemize)
    network = network_of(source, graphs=graphs, skolemize=skolemize)
    return to_graphml(network) if export_format.name == "graphml" else to_gexf(network)


# --- Property graphs (GraphML, GEXF, Neo4j CSV) --------------------------------------------


def network_of(
    source: KnowledgeGraph | Dataset | Graph, *, graphs: Sequence[str] = (), skolemize: bool = False
) -> Any:
    """The property graph of the chosen graphs: :func:`kg.network.to_networkx` of their union.

    The same MultiDiGraph ``kg viz`` draws: nodes keyed by IRI with ``label``, ``class``,
    ``classes``, ``definition``, ``evidence`` and more; edges keyed by predicate IRI.
    """
    from kg.network import to_networkx

    quads = collect_quads(select_graphs(source, graphs), keep_graphs=False)
    flat = _filled(canonical_quads(quads, skolemize=skolemize), [], keep_graphs=False)
    return to_networkx(flat)


def _flat_value(value: Any, *, lists: bool) -> Any:
    """A value a property-graph file can hold.

    Strings, numbers and booleans stay; a list of those becomes " | "-joined text (or stays a
    list when ``lists``); anything nested (evidence records, literal pairs) becomes compact
    JSON with sorted keys; None becomes None (left out).
    """
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)) and all(
        isinstance(v, (str, int, float, bool)) for v in value
    ):
        return [str(v) for v in value] if lists else " | ".join(str(v) for v in value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _flat_attributes(attributes: dict[str, Any], *, lists: bool = False) -> dict[str, Any]:
    """Sorted, flattened attributes; an ``evidence`` list also gives ``evidence_count``."""
    out: dict[str, Any] = {}
    for key in sorted(attributes):
        value = _flat_value(attributes[key], lists=lists)
        if value is not None:
            out[key] = value
    if isinstance(attributes.get("evidence"), list):
        out["evidence_count"] = len(attributes["evidence"])
    return dict(sorted(out.items()))


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


def to_graphml(network: Any) -> bytes:
    """GraphML (for Cytoscape, yEd, Gephi), deterministic."""
    import networkx as nx

    text = "\n".join(nx.generate_graphml(_flat_network(network), prettyprint=True))
    return (text + "\n").encode("utf-8")


def to_gexf(network: Any) -> bytes:
    """GEXF 1.2 (for Gephi), deterministic: no "last modified" date, a fixed creator."""
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
    stream = io.BytesIO()
    writer.write(stream)
    return stream.getvalue()


NEO4J_README = """\
Property graph of the ssp-kg knowledge graph for Neo4j (written by `kg export --format neo4j`).

Load it into an empty database with:

    neo4j-admin database import full --nodes=nodes.csv --relationships=relationships.csv neo4j

Node ids (:ID) are IRIs; node labels (:LABEL) are the class and its superclasses; relationship
types (:TYPE) are the predicates' local names in upper snake case (ssp:hasCapability becomes
HAS_CAPABILITY). List columns (string[]) use ";" between items; evidence is JSON text.
"""


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
        return (folder / "README.txt").read_text(encoding="utf-8") == NEO4J_README
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


def _neo4j_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


def relationship_type(predicate: str) -> str:
    """``.../ontology#hasCapability`` -> ``HAS_CAPABILITY`` (Neo4j's usual style)."""
    local = re.sub(r"[^0-9A-Za-z]+", "_", local_name(predicate))
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", local).strip("_").upper() or "RELATED"


def node_labels(attributes: dict[str, Any]) -> str:
    """``Farmer;SmallScaleProducer;...``: the node's class and superclasses, or ``Resource``."""
    classes = attributes.get("classes") or []
    if isinstance(classes, str):
        classes = [c for c in classes.split(" | ") if c]
    names = [re.sub(r"[^0-9A-Za-z_]", "_", local_name(str(c))) for c in classes]
    return ";".join(sorted(set(names))) or "Resource"


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
    ``:START_ID``, ``:END_ID``, ``:TYPE``, then the edge attributes. Rows are sorted.
    """
    flat = _flat_network(network, lists=True)
    nodes = list(flat.nodes(data=True))
    node_keys = sorted({k for _, data in nodes for k in data} - {"id"})
    node_header = ["id:ID"]
    node_header += [k + _neo4j_type(d.get(k) for _, d in nodes) for k in node_keys]
    node_header.append(":LABEL")
    node_rows = [
        [node, *(_neo4j_value(data.get(k)) for k in node_keys), node_labels(data)]
        for node, data in nodes
    ]
    edges = list(flat.edges(keys=True, data=True))
    edge_keys = sorted({k for *_, data in edges for k in data})
    edge_header = [":START_ID", ":END_ID", ":TYPE"]
    edge_header += [k + _neo4j_type(e[3].get(k) for e in edges) for k in edge_keys]
    edge_rows = [
        [
            u,
            v,
            relationship_type(str(data.get("predicate", key))),
            *(_neo4j_value(data.get(k)) for k in edge_keys),
        ]
        for u, v, key, data in edges
    ]
    (folder / "nodes.csv").write_text(_csv_text(node_header, node_rows), encoding="utf-8")
    (folder / "relationships.csv").write_text(_csv_text(edge_header, edge_rows), encoding="utf-8")
    (folder / "README.txt").write_text(NEO4J_README, encoding="utf-8")


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
