"""``kg docs``: an offline, static, browsable reference of the ontology and the concept scheme.

The reference is a folder of plain HTML pages, in the spirit of pyLODE (one section per class
and property, with its definition, super- and subclasses, domain, range and inverse) and of
Skosmos (one page per concept, with its labels, definition, class, broader and narrower
concepts, every relation in and out, and a search box over preferred and alternative labels):

* ``index.html``: what the graph holds, the search box, concepts by class, A to Z, the hierarchy;
* ``ontology.html``: the classes (tree, then one section each) and the properties;
* ``concepts/<name>.html``: one page per concept, each relation with its evidence (section,
  paragraph, anchor phrase) and, when its ``rdf:Statement`` states one, its ``ssp:modality``;
* ``view.html``: the whole graph as ``kg viz`` draws it; ``view.html#focus=<IRI>`` opens it on
  that concept, which is how every concept page links to it;
* ``docs.css``, ``docs.js`` and ``search-index.js``, shared by the pages.

Nothing is fetched: no page names a remote script, style or font, and each carries a
Content-Security-Policy that allows only the folder's own files. Text from the data is always
HTML-escaped (and set with ``textContent`` by the search script). The same graph gives
byte-identical files, written through :func:`kg.atomic.atomic_directory`.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDFS, SKOS

from kg import __version__
from kg.atomic import MARKER, atomic_directory
from kg.prefixes import PREFIXES, local_name, shorten
from kg.resources import internal_query
from kg.views.network import Lookup, folded_resources
from kg.views.view import _json_for_script

if TYPE_CHECKING:  # pragma: no cover
    from kg.store.oxengine import KnowledgeGraph

GENERATOR = "(kg docs)"
# The files every reference has, beside view.html (unless --no-view) and concepts/*.html.
STATIC_FILES = ("docs.css", "docs.js", "index.html", "ontology.html", "search-index.js")
SCHEMA = "https://schema.org/"
VANN = "http://purl.org/vocab/vann/"
# Properties of an ontology or scheme header shown on the index page, in this order.
HEADER_FIELDS: tuple[tuple[str, str], ...] = (
    (str(OWL.versionIRI), "Version IRI"),
    (str(OWL.versionInfo), "Version"),
    (str(DCTERMS.created), "Created"),
    (str(DCTERMS.modified), "Modified"),
    (str(DCTERMS.creator), "Creator"),
    (str(DCTERMS.license), "Licence"),
    (str(DCTERMS.source), "Source"),
    (VANN + "preferredNamespacePrefix", "Preferred prefix"),
    (VANN + "preferredNamespaceUri", "Namespace"),
)
KIND_NAMES = {
    str(OWL.ObjectProperty): "object property",
    str(OWL.DatatypeProperty): "datatype property",
    str(OWL.AnnotationProperty): "annotation property",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property": "property",
    str(OWL.FunctionalProperty): "functional",
    str(OWL.InverseFunctionalProperty): "inverse functional",
    str(OWL.TransitiveProperty): "transitive",
    str(OWL.SymmetricProperty): "symmetric",
}
CURRENT = ' aria-current="page"'
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,80}")
# Anchors the pages use themselves (and, for concept files, names best kept clear).
RESERVED_NAMES = frozenset({"index", "ontology", "view", "classes", "properties", "concepts"})


# --- What the reference holds ---------------------------------------------------------------


@dataclass
class Evidence:
    """A pointer into the source: section number and title, paragraph, anchor phrase."""

    section: int | None
    section_title: str | None
    paragraph: int | None
    anchor: str | None

    def sort_key(self) -> tuple:
        return (
            self.section is None,
            self.section or 0,
            self.paragraph or 0,
            self.anchor or "",
            self.section_title or "",
        )


@dataclass
class Link:
    """One relation of a concept: the property, the resource at the other end, its backing."""

    predicate: str
    other: str
    outgoing: bool
    evidence: list[Evidence] = field(default_factory=list)
    modality: list[str] = field(default_factory=list)


@dataclass
class ClassDoc:
    """A class of the ontology, pyLODE-style."""

    iri: str
    anchor: str
    label: str
    definition: str | None
    supers: list[str] = field(default_factory=list)
    subs: list[str] = field(default_factory=list)
    domain_of: list[str] = field(default_factory=list)
    range_of: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)


@dataclass
class PropertyDoc:
    """A property of the ontology: kinds, domain, range, inverse, super-properties, uses."""

    iri: str
    anchor: str
    label: str
    definition: str | None
    kinds: list[str] = field(default_factory=list)
    domain: list[str] = field(default_factory=list)
    range: list[str] = field(default_factory=list)
    inverses: list[str] = field(default_factory=list)
    supers: list[str] = field(default_factory=list)
    uses: int = 0


@dataclass
class ConceptDoc:
    """A concept of the scheme, Skosmos-style."""

    iri: str
    slug: str
    label: str
    alt_labels: list[str]
    definition: str | None
    class_iri: str | None
    broader: list[str] = field(default_factory=list)
    narrower: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)


@dataclass
class Header:
    """An ontology or concept-scheme header: its IRI, title, description and other fields."""

    iri: str
    title: str
    description: str | None
    fields: list[tuple[str, list[str]]]


@dataclass
class Reference:
    """Everything the pages show, read once from the graph."""

    title: str
    ontologies: list[Header]
    schemes: list[Header]
    classes: list[ClassDoc]
    properties: list[PropertyDoc]
    concepts: list[ConceptDoc]
    lookup: Lookup
    prefixes: dict[str, str]

    def __post_init__(self) -> None:
        self.class_by_iri = {c.iri: c for c in self.classes}
        self.property_by_iri = {p.iri: p for p in self.properties}
        self.concept_by_iri = {c.iri: c for c in self.concepts}

    @property
    def has_modality(self) -> bool:
        return any(link.modality for c in self.concepts for link in c.links)


# --- Reading the graph ----------------------------------------------------------------------


def _rows(graph: Graph, name: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in graph.query(internal_query(name))]


def _unique_names(iris: Iterable[str], fallback_prefix: str, *, fold_case: bool) -> dict[str, str]:
    """A distinct, file- or anchor-safe name per IRI: its local name where that can be.

    With ``fold_case`` names are compared case-insensitively (file names: a case-insensitive
    file system must not merge two pages). A clash or an unsafe local name gets a name hashed
    from the IRI instead, so the same IRIs always get the same names.
    """

    def key(name: str) -> str:
        return name.lower() if fold_case else name

    wanted: dict[str, str] = {}
    for iri in sorted(iris):
        name = local_name(iri)
        if not SAFE_NAME.fullmatch(name) or name.lower() in RESERVED_NAMES:
            name = ""
        wanted[iri] = name
    counts: dict[str, int] = defaultdict(int)
    for name in wanted.values():
        if name:
            counts[key(name)] += 1
    names: dict[str, str] = {}
    for iri, name in wanted.items():
        if not name or counts[key(name)] > 1:
            digest = hashlib.sha256(iri.encode("utf-8")).hexdigest()[:10]
            name = f"{fallback_prefix}{digest}"
        names[iri] = name
    return names


def _headers(graph: Graph, query: str, lookup: Lookup) -> list[Header]:
    values: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for subject, prop, value in _rows(graph, query):
        if isinstance(subject, URIRef):
            values[str(subject)][str(prop)].add(str(value))
    headers = []
    for iri in sorted(values):
        props = values[iri]
        title = _first(props, (str(DCTERMS.title), str(RDFS.label), str(SKOS.prefLabel)))
        description = _first(
            props, (str(DCTERMS.description), str(RDFS.comment), str(SKOS.definition))
        )
        fields = [(name, sorted(props[p])) for p, name in HEADER_FIELDS if props.get(p)]
        headers.append(Header(iri, title or lookup.label(URIRef(iri)), description, fields))
    return headers


def _first(props: dict[str, set[str]], keys: Sequence[str]) -> str | None:
    for key in keys:
        if props.get(key):
            return sorted(props[key])[0]
    return None


def _evidence(records: Iterable[dict[str, Any]]) -> list[Evidence]:
    found = {
        (r.get("section"), r.get("section_title"), r.get("paragraph"), r.get("anchor"))
        for r in records
    }
    return sorted((Evidence(*f) for f in found), key=Evidence.sort_key)


def read_reference(graph: Graph, title: str | None = None) -> Reference:
    """What the reference shows of ``graph`` (a flat rdflib Graph): terms, concepts, links."""
    lookup = Lookup.read(graph)
    prefixes = dict(PREFIXES)
    for prefix, namespace in graph.namespaces():
        if prefix:
            prefixes.setdefault(prefix, str(namespace))
    ontologies = _headers(graph, "docs-ontologies", lookup)
    schemes = _headers(graph, "docs-schemes", lookup)
    classes, properties = _read_terms(graph, lookup)
    concepts = _read_concepts(graph, lookup, classes)
    _read_links(graph, lookup, concepts, properties)
    _sort(lookup, classes, properties, concepts)
    heading = title or next((h.title for h in (*schemes, *ontologies)), "Knowledge graph reference")
    return Reference(
        title=heading,
        ontologies=ontologies,
        schemes=schemes,
        classes=sorted(classes.values(), key=lambda c: (c.label.casefold(), c.iri)),
        properties=sorted(properties.values(), key=lambda p: (p.label.casefold(), p.iri)),
        concepts=sorted(concepts.values(), key=lambda c: (c.label.casefold(), c.iri)),
        lookup=lookup,
        prefixes=prefixes,
    )


def _read_terms(graph: Graph, lookup: Lookup) -> tuple[dict[str, ClassDoc], dict[str, PropertyDoc]]:
    """The declared classes and properties, linked: hierarchy, domain, range, inverses."""
    class_iris = {str(row[0]) for row in _rows(graph, "docs-classes")}
    kinds: dict[str, set[str]] = defaultdict(set)
    for prop, kind in _rows(graph, "docs-properties"):
        kinds[str(prop)].add(str(kind))
    anchors = _unique_names(class_iris | set(kinds), "term-", fold_case=False)
    classes = {
        iri: ClassDoc(
            iri, anchors[iri], lookup.label(URIRef(iri)), lookup.definitions.get(URIRef(iri))
        )
        for iri in class_iris
    }
    for iri, doc in classes.items():
        doc.supers = sorted(str(s) for s in lookup.supers.get(URIRef(iri), ()))
        for sup in doc.supers:
            if sup in classes:
                classes[sup].subs.append(iri)
    properties = {
        iri: PropertyDoc(
            iri,
            anchors[iri],
            lookup.label(URIRef(iri)),
            lookup.definitions.get(URIRef(iri)),
            kinds=sorted({KIND_NAMES.get(k, local_name(k)) for k in found}, key=_kind_order),
        )
        for iri, found in kinds.items()
    }
    for prop, axis, klass in _rows(graph, "docs-property-axes"):
        doc = properties.get(str(prop))
        if doc is None:
            continue
        (doc.domain if axis == RDFS.domain else doc.range).append(str(klass))
        owner = classes.get(str(klass))
        if owner is not None:
            (owner.domain_of if axis == RDFS.domain else owner.range_of).append(str(prop))
    for prop, link, other in _rows(graph, "docs-property-links"):
        doc = properties.get(str(prop))
        if doc is not None:
            (doc.inverses if link == OWL.inverseOf else doc.supers).append(str(other))
    return classes, properties


def _read_concepts(
    graph: Graph, lookup: Lookup, classes: dict[str, ClassDoc]
) -> dict[str, ConceptDoc]:
    """The concepts with their labels, definition, class, evidence and SKOS hierarchy."""
    concept_iris = sorted(str(row[0]) for row in _rows(graph, "docs-concepts"))
    slugs = _unique_names(concept_iris, "c-", fold_case=True)
    concepts: dict[str, ConceptDoc] = {}
    for iri in concept_iris:
        term = URIRef(iri)
        klass = lookup.most_specific(term)
        concepts[iri] = ConceptDoc(
            iri=iri,
            slug=slugs[iri],
            label=lookup.label(term),
            alt_labels=list(lookup.alt_labels.get(term, [])),
            definition=lookup.definitions.get(term),
            class_iri=str(klass) if klass is not None else None,
            evidence=_evidence(lookup.evidence.get(term, [])),
        )
        if klass is not None and str(klass) in classes:
            classes[str(klass)].members.append(iri)
    for narrower, broader in _rows(graph, "docs-hierarchy"):
        if str(narrower) in concepts:
            concepts[str(narrower)].broader.append(str(broader))
        if str(broader) in concepts:
            concepts[str(broader)].narrower.append(str(narrower))
    return concepts


def _read_links(
    graph: Graph,
    lookup: Lookup,
    concepts: dict[str, ConceptDoc],
    properties: dict[str, PropertyDoc],
) -> None:
    """Give each concept its relations in and out, with their evidence and modality.

    Links to what the graph view folds into attributes (the dataset's own VoID/DCAT
    description, schemes, sections, evidence records) are metadata, not relations.
    """
    folded = {str(term) for term in folded_resources(graph, lookup)}
    modality: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for s, p, o, m in _rows(graph, "docs-modality"):
        modality[(str(s), str(p), str(o))].add(
            str(m) if isinstance(m, Literal) else lookup.label(m)
        )
    for s, p, o in _rows(graph, "docs-links"):
        key = (str(s), str(p), str(o))
        if key[0] in folded or key[2] in folded:
            continue
        if key[1] in properties:
            properties[key[1]].uses += 1
        evidence = _evidence(lookup.statement_evidence.get((s, p, o), []))
        modes = sorted(modality.get(key, ()))
        for holder, other, outgoing in ((key[0], key[2], True), (key[2], key[0], False)):
            if holder in concepts and (outgoing or holder != other):  # a loop is listed once
                concepts[holder].links.append(Link(key[1], other, outgoing, evidence, modes))


def _sort(
    lookup: Lookup,
    classes: dict[str, ClassDoc],
    properties: dict[str, PropertyDoc],
    concepts: dict[str, ConceptDoc],
) -> None:
    """Put every list in a fixed order (labels, then IRIs), so output is deterministic."""
    for doc in classes.values():
        doc.subs.sort(key=lambda i: (classes[i].label.casefold(), i))
        doc.domain_of = sorted(set(doc.domain_of))
        doc.range_of = sorted(set(doc.range_of))
        doc.members.sort(key=lambda i: (concepts[i].label.casefold(), i))
    for prop in properties.values():
        prop.domain, prop.range = sorted(set(prop.domain)), sorted(set(prop.range))
        prop.inverses, prop.supers = sorted(set(prop.inverses)), sorted(set(prop.supers))
    for concept in concepts.values():
        concept.broader = sorted(set(concept.broader))
        concept.narrower = sorted(set(concept.narrower))
        concept.links.sort(key=lambda link: _link_key(link, lookup))


def _kind_order(kind: str) -> tuple[int, str]:
    order = list(KIND_NAMES.values())
    return (order.index(kind) if kind in order else len(order), kind)


def _link_key(link: Link, lookup: Lookup) -> tuple:
    return (
        not link.outgoing,
        lookup.label(URIRef(link.predicate)).casefold(),
        link.predicate,
        lookup.label(URIRef(link.other)).casefold(),
        link.other,
    )


# --- Writing HTML ---------------------------------------------------------------------------


def e(text: Any) -> str:
    """``text`` escaped for HTML text and attribute values."""
    return html.escape(str(text), quote=True)


@cache
def _template(name: str) -> str:
    return files("kg").joinpath("templates", name).read_text(encoding="utf-8")


def _fill(template: str, values: dict[str, str]) -> str:
    """Put already-escaped HTML into the ``{{ name }}`` slots of ``template``."""
    return re.sub(r"\{\{ (\w+) \}\}", lambda m: values[m.group(1)], template)


class Pages:
    """Renders the pages of one :class:`Reference`; hrefs are relative to each page."""

    def __init__(self, ref: Reference, *, view: bool = True) -> None:
        self.ref = ref
        self.view = view  # whether view.html is written, for the pages to link to

    # Names and links -------------------------------------------------------------------

    def label(self, iri: str) -> str:
        doc = self.ref.concept_by_iri.get(iri)
        if doc is not None:
            return doc.label
        return self.ref.lookup.label(URIRef(iri))

    def short(self, iri: str) -> str:
        text = shorten(iri, self.ref.prefixes)
        return text[1:-1] if text.startswith("<") else text

    def href(self, iri: str, root: str) -> str | None:
        """Where a resource is described in the reference (None: nowhere)."""
        if iri in self.ref.concept_by_iri:
            return f"{root}concepts/{self.ref.concept_by_iri[iri].slug}.html"
        term = self.ref.class_by_iri.get(iri) or self.ref.property_by_iri.get(iri)
        if term is not None:
            return f"{root}ontology.html#{term.anchor}"
        return None

    def term(self, iri: str, root: str, *, code: bool = False) -> str:
        """A link to ``iri`` (where the reference describes it) showing its label.

        ``code``, or a resource with no label in the graph, shows the prefixed name instead.
        """
        href = self.href(iri, root)
        named = href is not None or URIRef(iri) in self.ref.lookup.labels
        inner = e(self.label(iri)) if named and not code else f"<code>{e(self.short(iri))}</code>"
        if href is None:
            return f'<span class="ext" title="{e(iri)}">{inner}</span>'
        return f'<a href="{e(href)}" title="{e(self.short(iri))}">{inner}</a>'

    def terms(self, iris: Iterable[str], root: str, *, code: bool = False) -> str:
        return ", ".join(self.term(i, root, code=code) for i in iris)

    @staticmethod
    def view_href(iri: str, root: str) -> str:
        return f"{root}view.html#focus={quote(iri, safe='')}"

    # The page shell --------------------------------------------------------------------

    def page(self, *, title: str, root: str, body: str, current: str, iri: str = "") -> str:
        nav = [
            ("index", "Overview", "index.html"),
            ("ontology", "Ontology", "ontology.html"),
            ("concepts", "Concepts", "index.html#concepts"),
            ("view", "Graph view", "view.html"),
        ][: 4 if self.view else 3]
        items = "".join(
            f'<li><a href="{root}{href}"{CURRENT if key == current else ""}>{e(text)}</a></li>'
            for key, text, href in nav
        )
        return _fill(
            _template("docs.html"),
            {
                "title": e(title),
                "site": e(self.ref.title),
                "root": e(root),
                "version": e(__version__),
                "generator": e(GENERATOR),
                "iri": e(iri),
                "nav": items,
                "body": body,
            },
        )

    # Evidence, relations ---------------------------------------------------------------

    @staticmethod
    def evidence(records: Sequence[Evidence]) -> str:
        if not records:
            return ""
        items = []
        for ev in records:
            where = []
            if ev.section is not None:
                heading = f"§{ev.section}" + (f" {ev.section_title}" if ev.section_title else "")
                where.append(e(heading))
            if ev.paragraph is not None:
                where.append(f"¶{ev.paragraph}")
            anchor = f'<q class="anchor">{e(ev.anchor)}</q> ' if ev.anchor else ""
            items.append(f'<li>{anchor}<span class="where">{", ".join(where)}</span></li>')
        return f'<ul class="evidence">{"".join(items)}</ul>'

    def inverse_note(self, link: Link) -> str:
        """For an incoming link, the declared inverse's label (how it reads from here)."""
        prop = self.ref.property_by_iri.get(link.predicate)
        if prop is None or not prop.inverses:
            return ""
        names = ", ".join(e(self.label(i)) for i in prop.inverses)
        return f' <span class="inverse">(inverse: {names})</span>'

    def relations(self, doc: ConceptDoc, root: str) -> str:
        """Two tables: the relations from this concept, then those to it."""
        if not doc.links:
            return '<p class="none">No relation in the graph touches this concept.</p>'
        modality = self.ref.has_modality
        tables = []
        for outgoing, heading, head in (
            (True, "From this concept", ("relation", "to")),
            (False, "To this concept", ("from", "relation")),
        ):
            links = [link for link in doc.links if link.outgoing == outgoing]
            if not links:
                continue
            cols = [*head, "evidence", *(["modality"] if modality else [])]
            rows = []
            for link in links:
                rel = f'<td class="rel">{self.term(link.predicate, root)}'
                if not outgoing:
                    rel += self.inverse_note(link)
                rel += "</td>"
                other = f'<td class="other">{self.term(link.other, root)}</td>'
                cells = [rel, other] if outgoing else [other, rel]
                cells.append(f'<td class="ev">{self.evidence(link.evidence)}</td>')
                if modality:
                    cells.append(f'<td class="modality">{e(", ".join(link.modality))}</td>')
                rows.append(
                    f'<tr class="link {"out" if outgoing else "in"}"'
                    f' data-predicate="{e(link.predicate)}" data-other="{e(link.other)}">'
                    f"{''.join(cells)}</tr>"
                )
            head_html = "".join(f"<th>{e(c)}</th>" for c in cols)
            tables.append(
                f"<h3>{e(heading)}</h3>"
                f'<table class="relations {"out" if outgoing else "in"}"><thead><tr>'
                f"{head_html}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            )
        return "".join(tables)

    # Pages ------------------------------------------------------------------------------

    def concept_page(self, doc: ConceptDoc) -> str:
        root = "../"
        klass = self.ref.class_by_iri.get(doc.class_iri or "")
        crumbs = [f'<a href="{root}index.html">Overview</a>']
        if klass is not None:
            crumbs.append(self.term(klass.iri, root))
        elif doc.class_iri:
            crumbs.append(self.term(doc.class_iri, root, code=True))
        crumbs += [self.term(iri, root) for iri in self.broader_path(doc)]
        parts = [
            f'<nav class="crumbs" aria-label="Breadcrumb">{" &rsaquo; ".join(crumbs)}</nav>',
            f'<h1 id="concept-label">{e(doc.label)}</h1>',
            f'<p class="iri"><code>{e(doc.iri)}</code></p>',
        ]
        if self.view:
            href = e(self.view_href(doc.iri, root))
            parts.append(
                f'<p class="view-link"><a id="view-link" href="{href}">'
                "Show it in the graph view</a></p>"
            )
        if doc.definition:
            parts.append(f'<p class="definition">{e(doc.definition)}</p>')
        facts = []
        if doc.class_iri:
            facts.append(("Class", self.term(doc.class_iri, root)))
        if doc.alt_labels:
            alts = "".join(f"<li>{e(a)}</li>" for a in doc.alt_labels)
            facts.append(("Also called", f'<ul class="alt-labels">{alts}</ul>'))
        if doc.broader:
            facts.append(("Broader", self.terms(doc.broader, root)))
        if doc.narrower:
            facts.append(("Narrower", self.terms(doc.narrower, root)))
        if facts:
            rows = "".join(f"<dt>{e(k)}</dt><dd>{v}</dd>" for k, v in facts)
            parts.append(f'<dl class="facts">{rows}</dl>')
        if doc.evidence:
            parts.append("<h2>Evidence in the source</h2>")
            parts.append(self.evidence(doc.evidence))
        parts.append('<h2 id="relations">Relations</h2>')
        parts.append(self.relations(doc, root))
        return self.page(
            title=doc.label, root=root, body="\n".join(parts), current="concepts", iri=doc.iri
        )

    def broader_path(self, doc: ConceptDoc) -> list[str]:
        """The concepts above ``doc``, topmost first, following its first broader concept."""
        path: list[str] = []
        current = doc
        while current.broader:
            up = next((b for b in current.broader if b in self.ref.concept_by_iri), None)
            if up is None or up == doc.iri or up in path:
                break
            path.append(up)
            current = self.ref.concept_by_iri[up]
        return path[::-1]

    def class_tree(self, iris: Sequence[str], root: str, seen: frozenset[str] = frozenset()) -> str:
        items = []
        for iri in iris:
            doc = self.ref.class_by_iri[iri]
            count = f' <span class="count">{len(doc.members)}</span>' if doc.members else ""
            sub = ""
            if doc.subs and iri not in seen:
                sub = self.class_tree(doc.subs, root, seen | {iri})
            items.append(f"<li>{self.term(iri, root)}{count}{sub}</li>")
        return f'<ul class="tree">{"".join(items)}</ul>'

    def class_roots(self) -> list[str]:
        known = self.ref.class_by_iri
        return [
            c.iri for c in self.ref.classes if not any(s in known for s in c.supers if s != c.iri)
        ]

    def classes_in_tree_order(self) -> list[ClassDoc]:
        """Every class once, depth first from the roots of the class tree."""
        order: list[ClassDoc] = []
        seen: set[str] = set()

        def visit(iri: str) -> None:
            if iri in seen:
                return
            seen.add(iri)
            order.append(self.ref.class_by_iri[iri])
            for sub in self.ref.class_by_iri[iri].subs:
                visit(sub)

        for root in self.class_roots():
            visit(root)
        order += [c for c in self.ref.classes if c.iri not in seen]  # cycles without a root
        return order

    def ontology_page(self) -> str:
        root = ""
        parts = ["<h1>Ontology</h1>"]
        for header in self.ref.ontologies:
            parts.append(self.header(header, root))
        toc_classes = "".join(
            f'<li><a href="#{e(c.anchor)}">{e(c.label)}</a></li>' for c in self.ref.classes
        )
        toc_props = "".join(
            f'<li><a href="#{e(p.anchor)}">{e(p.label)}</a></li>' for p in self.ref.properties
        )
        parts.append(
            '<nav class="toc" aria-label="Contents"><h2>Contents</h2>'
            f'<h3><a href="#classes">Classes</a></h3><ul class="inline">{toc_classes}</ul>'
            f'<h3><a href="#properties">Properties</a></h3><ul class="inline">{toc_props}</ul>'
            "</nav>"
        )
        parts.append('<h2 id="classes">Classes</h2>')
        if self.ref.classes:
            parts.append(self.class_tree(self.class_roots(), root))
        for doc in self.ref.classes:
            parts.append(self.class_section(doc, root))
        parts.append('<h2 id="properties">Properties</h2>')
        for doc in self.ref.properties:
            parts.append(self.property_section(doc, root))
        return self.page(
            title=f"Ontology · {self.ref.title}",
            root=root,
            body="\n".join(parts),
            current="ontology",
        )

    def term_section(
        self,
        kind: str,
        iri: str,
        anchor: str,
        label: str,
        definition: str | None,
        facts: list[tuple[str, str]],
    ) -> str:
        rows = "".join(f"<dt>{e(k)}</dt><dd>{v}</dd>" for k, v in facts if v)
        definition_html = f'<p class="definition">{e(definition)}</p>' if definition else ""
        return (
            f'<section class="term {kind}" id="{e(anchor)}" data-iri="{e(iri)}">'
            f'<h3><span class="badge {kind}">{kind[0]}</span> {e(label)}</h3>'
            f'<p class="iri"><code>{e(iri)}</code></p>{definition_html}'
            f'<dl class="facts">{rows}</dl></section>'
        )

    def class_section(self, doc: ClassDoc, root: str) -> str:
        members = ""
        if doc.members:
            items = "".join(f"<li>{self.term(m, root)}</li>" for m in doc.members)
            members = f'<ul class="inline">{items}</ul>'
        facts = [
            ("Prefixed name", f"<code>{e(self.short(doc.iri))}</code>"),
            ("Subclass of", self.terms(doc.supers, root, code=False)),
            ("Subclasses", self.terms(doc.subs, root)),
            ("In the domain of", self.terms(doc.domain_of, root)),
            ("In the range of", self.terms(doc.range_of, root)),
            (f"Concepts ({len(doc.members)})", members),
        ]
        return self.term_section("class", doc.iri, doc.anchor, doc.label, doc.definition, facts)

    def property_section(self, doc: PropertyDoc, root: str) -> str:
        facts = [
            ("Prefixed name", f"<code>{e(self.short(doc.iri))}</code>"),
            ("Kind", e(", ".join(doc.kinds))),
            ("Domain", self.terms(doc.domain, root)),
            ("Range", self.terms(doc.range, root)),
            ("Inverse", self.terms(doc.inverses, root)),
            ("Sub-property of", self.terms(doc.supers, root)),
            ("Uses in the graph", str(doc.uses) if doc.uses else ""),
        ]
        return self.term_section("property", doc.iri, doc.anchor, doc.label, doc.definition, facts)

    def header(self, header: Header, root: str) -> str:
        rows = [f"<dt>IRI</dt><dd><code>{e(header.iri)}</code></dd>"]
        for name, values in header.fields:
            shown = ", ".join(self.value(v, root) for v in values)
            rows.append(f"<dt>{e(name)}</dt><dd>{shown}</dd>")
        description = f"<p>{e(header.description)}</p>" if header.description else ""
        return (
            f'<section class="header"><h2>{e(header.title)}</h2>{description}'
            f'<dl class="facts">{"".join(rows)}</dl></section>'
        )

    def value(self, value: str, root: str) -> str:
        if self.href(value, root) is not None:
            return self.term(value, root)
        return f"<code>{e(value)}</code>" if "://" in value else e(value)

    def index_page(self) -> str:
        root = ""
        ref = self.ref
        parts = [f"<h1>{e(ref.title)}</h1>"]
        counts = (
            f"{len(ref.concepts)} concepts, {len(ref.classes)} classes and "
            f"{len(ref.properties)} properties; "
            f"{sum(1 for c in ref.concepts for link in c.links if link.outgoing)} relations "
            "from concepts."
        )
        parts.append(
            f'<p class="lead">{e(counts)} <a href="ontology.html">The ontology</a>'
            + (' · <a href="view.html">the interactive graph view</a>' if self.view else "")
            + ".</p>"
        )
        for header in (*ref.schemes, *ref.ontologies):
            parts.append(self.header(header, root))
        parts.append('<h2 id="concepts">Concepts by class</h2>')
        grouped = [c for c in self.classes_in_tree_order() if c.members]
        for klass in grouped:
            items = "".join(f"<li>{self.term(m, root)}</li>" for m in klass.members)
            parts.append(
                f'<section class="group" id="group-{e(klass.anchor)}"><h3>'
                f"{self.term(klass.iri, root)} "
                f'<span class="count">{len(klass.members)}</span></h3>'
                f'<ul class="inline">{items}</ul></section>'
            )
        loose = [
            c for c in ref.concepts if c.class_iri is None or c.class_iri not in ref.class_by_iri
        ]
        if loose:
            items = "".join(f"<li>{self.term(c.iri, root)}</li>" for c in loose)
            parts.append(
                f'<section class="group"><h3>Other concepts</h3>'
                f'<ul class="inline">{items}</ul></section>'
            )
        parts.append(self.hierarchy(root))
        parts.append(self.alphabet(root))
        return self.page(title=ref.title, root=root, body="\n".join(parts), current="index")

    def hierarchy(self, root: str) -> str:
        concepts = self.ref.concept_by_iri
        tops = [
            c.iri
            for c in self.ref.concepts
            if c.narrower and not any(b in concepts for b in c.broader)
        ]
        if not tops:
            return ""

        def tree(iris: Sequence[str], seen: frozenset[str]) -> str:
            items = []
            for iri in sorted(iris, key=lambda i: (self.label(i).casefold(), i)):
                below = [n for n in concepts[iri].narrower if n in concepts and n not in seen]
                sub = tree(below, seen | {iri}) if below else ""
                items.append(f"<li>{self.term(iri, root)}{sub}</li>")
            return f'<ul class="tree">{"".join(items)}</ul>'

        return f'<h2 id="hierarchy">Concept hierarchy</h2>{tree(tops, frozenset())}'

    def alphabet(self, root: str) -> str:
        letters: dict[str, list[ConceptDoc]] = defaultdict(list)
        for doc in self.ref.concepts:
            first = doc.label[:1].upper()
            letters[first if first.isalpha() else "#"].append(doc)
        blocks = []
        for letter in sorted(letters):
            items = "".join(f"<li>{self.term(c.iri, root)}</li>" for c in letters[letter])
            blocks.append(f'<h3>{e(letter)}</h3><ul class="inline">{items}</ul>')
        return f'<h2 id="a-z">A to Z</h2>{"".join(blocks)}'

    def search_index(self) -> str:
        """``search-index.js``: the names the search box looks through, as one JSON value."""
        items: list[list[Any]] = []
        for doc in self.ref.concepts:
            klass = self.label(doc.class_iri) if doc.class_iri else "concept"
            items.append([self.href(doc.iri, ""), doc.label, doc.alt_labels, klass])
        for cls in self.ref.classes:
            items.append([self.href(cls.iri, ""), cls.label, [self.short(cls.iri)], "class"])
        for prop in self.ref.properties:
            items.append([self.href(prop.iri, ""), prop.label, [self.short(prop.iri)], "property"])
        return f"window.KG_DOCS_INDEX = {_json_for_script(items)};\n"


# --- The whole reference --------------------------------------------------------------------


def render_reference(
    loaded: KnowledgeGraph | Graph, *, title: str | None = None, view: bool = True
) -> dict[str, bytes]:
    """Every file of the reference, by path relative to its folder, as UTF-8 bytes."""
    graph = loaded.graph if hasattr(loaded, "graph") else loaded
    ref = read_reference(graph, title)
    pages = Pages(ref, view=view)
    out: dict[str, str] = {
        "index.html": pages.index_page(),
        "ontology.html": pages.ontology_page(),
        "docs.css": _template("docs.css"),
        "docs.js": _template("docs.js"),
        "search-index.js": pages.search_index(),
    }
    for doc in ref.concepts:
        out[f"concepts/{doc.slug}.html"] = pages.concept_page(doc)
    if view:
        from kg.views.network import to_networkx
        from kg.views.view import render_html

        out["view.html"] = render_html(to_networkx(loaded), title=f"Graph view · {ref.title}")
    return {path: text.encode("utf-8") for path, text in sorted(out.items())}


def top_level_names(files: Iterable[str]) -> list[str]:
    """The names a reference puts directly in its folder (files and the ``concepts`` folder)."""
    return sorted({name.split("/", 1)[0] for name in files})


def is_previous_reference(folder: Path) -> bool:
    """True if ``folder`` is a reference ``kg docs`` wrote and nothing was added to it.

    It holds kg.atomic's marker, no entry but the reference's own, and its ``concepts``
    folder (a real folder, not a link) only ``.html`` files.
    """
    expected = {*STATIC_FILES, "view.html", "concepts"}
    try:
        if not (folder / MARKER).is_file() or not folder.is_dir() or folder.is_symlink():
            return False
        if any(entry.name not in expected | {MARKER} for entry in folder.iterdir()):
            return False
        concepts = folder / "concepts"
        if concepts.exists() and (concepts.is_symlink() or not concepts.is_dir()):
            return False
        return not concepts.exists() or all(
            entry.suffix == ".html" and entry.is_file() and not entry.is_symlink()
            for entry in concepts.iterdir()
        )
    except OSError:
        return False


def write_reference(
    loaded: KnowledgeGraph | Graph,
    folder: str | Path,
    *,
    title: str | None = None,
    view: bool = True,
    force: bool = False,
) -> dict[str, bytes]:
    """Render the reference and write it as the folder ``folder``, atomically; return the files.

    :func:`kg.atomic.atomic_directory` decides what may be replaced (a missing path or an
    empty folder; never the current or the home folder); a reference written before is
    recognised here, since its ``concepts`` folder is more than atomic's flat file list.
    Anything else is replaced only with ``force``.
    """
    target = Path(folder)
    rendered = render_reference(loaded, title=title, view=view)
    names = top_level_names(rendered)
    ours = target.is_dir() and is_previous_reference(target)
    with atomic_directory(target, names, force=force or ours) as temp:
        (temp / "concepts").mkdir()
        for path, data in rendered.items():
            (temp / path).write_bytes(data)
    return rendered


__all__ = [
    "Reference",
    "is_previous_reference",
    "read_reference",
    "render_reference",
    "write_reference",
]
