"""Query results and how they are written: rows, booleans and graphs in every output format.

Engines hand results over in their own terms (rdflib's for the Python API, plain
:class:`kg.terms.Term` from Oxigraph); every writer reads them through
:func:`kg.terms.neutral`, so the same answer gives the same bytes whichever engine found it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kg.errors import InputError
from kg.prefixes import PREFIXES, shorten
from kg.querying.catalogue import declared_prefixes
from kg.terms import Term, neutral, nt_term, python_value

SELECT_FORMATS = ("table", "csv", "tsv", "json", "xml", "markdown")
GRAPH_FORMATS = ("turtle", "nt", "jsonld")
FORMATS = SELECT_FORMATS + GRAPH_FORMATS
RESULTS_NS = "http://www.w3.org/2005/sparql-results#"

if TYPE_CHECKING:  # pragma: no cover
    import xml.etree.ElementTree as ET

# The writers import csv, json, xml and kg.querying.rdfwrite when first used: `kg query`
# starts fast.


@dataclass
class Rows(Sequence[dict[str, Any]]):
    """SELECT results: rows as dicts of variable name -> term (None when unbound).

    Terms are rdflib terms from the rdflib engine (the Python API) and :class:`Term` tuples
    from Oxigraph. ``vars`` are the projected variables in order; ``prefixes`` shorten IRIs
    in tables. ``to_python()`` and ``values()`` give plain Python values.
    """

    vars: list[str]
    rows: list[dict[str, Any]]
    prefixes: dict[str, str] = field(default_factory=lambda: dict(PREFIXES), repr=False)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: Any) -> Any:
        return self.rows[index]

    def to_python(self) -> list[dict[str, Any]]:
        """Every row with plain Python values: IRIs and strings as str, numbers as numbers."""
        return [{var: python_value(row.get(var)) for var in self.vars} for row in self.rows]

    def values(self, var: str | None = None) -> list[Any]:
        """One column (the first one by default) as plain Python values."""
        if var is None:
            if not self.vars:
                return []
            var = self.vars[0]
        if var not in self.vars:
            raise KeyError(var)
        return [python_value(row.get(var)) for row in self.rows]

    def sort(self) -> Rows:
        """Sort the rows in place by their N-Triples forms (for queries without ORDER BY)."""
        self.rows.sort(key=lambda row: [sort_key(row.get(name)) for name in self.vars])
        return self


def prefix_map(declared: dict[str, str], text: str) -> dict[str, str]:
    """The prefixes that shorten IRIs in results: the project's, with those the loaded files
    declare on top, and those the query declares on top of both (the last binding of a name
    wins), so that a printed ``prefix:name`` reads back as the same IRI in a query."""
    prefixes = dict(PREFIXES)
    for source in (declared, declared_prefixes(text)):
        prefixes.update((prefix, namespace) for prefix, namespace in source.items() if prefix)
    return prefixes


def sort_key(term: object) -> tuple[int, str]:
    """Unbound first, then blank nodes, IRIs, literals; each by its N-Triples form."""
    t = neutral(term)
    if t is None:
        return (0, "")
    if t.kind == "bnode":
        return (1, "")
    return (2 if t.kind == "iri" else 3, nt_term(t))


@dataclass
class Triples:
    """A CONSTRUCT/DESCRIBE result as plain triples of :class:`Term`, with its prefixes."""

    triples: list[tuple[Term, Term, Term]]
    prefixes: dict[str, str] = field(default_factory=lambda: dict(PREFIXES), repr=False)

    def __iter__(self) -> Iterator[tuple[Term, Term, Term]]:
        return iter(self.triples)

    def __len__(self) -> int:
        return len(self.triples)


def is_graph(result: object) -> bool:
    """Whether ``result`` is a CONSTRUCT/DESCRIBE result (Triples or an rdflib Graph)."""
    return not isinstance(result, bool | Rows)


def graph_parts(result: Any) -> tuple[list[tuple[Term, Term, Term]], dict[str, str]]:
    """Neutral triples and the prefix map of a Triples or an rdflib Graph."""
    if isinstance(result, Triples):
        return result.triples, result.prefixes
    triples = [(neutral(s), neutral(p), neutral(o)) for s, p, o in result]
    prefixes = {str(p): str(ns) for p, ns in result.namespaces() if p}
    return triples, prefixes  # type: ignore[return-value]


# --- Writing ---------------------------------------------------------------------------------


def default_format(result: object, terminal: bool) -> str:
    """``table`` on a terminal and ``csv`` otherwise for SELECT/ASK; ``turtle`` for graphs."""
    if is_graph(result):
        return "turtle"
    return "table" if terminal else "csv"


def format_result(result: Any, fmt: str, source: str = "<query>") -> str:
    """Write a result in ``fmt``; InputError if the format does not fit the result kind."""
    if is_graph(result):
        if fmt not in GRAPH_FORMATS:
            raise InputError(
                source,
                f"a CONSTRUCT/DESCRIBE result is RDF: use --format {'|'.join(GRAPH_FORMATS)}",
            )
        return format_graph(result, fmt)
    if fmt not in SELECT_FORMATS:
        raise InputError(source, f"--format {fmt} is for RDF graphs (CONSTRUCT/DESCRIBE)")
    if isinstance(result, bool):
        return format_boolean(result, fmt)
    return format_rows(result, fmt)


def format_rows(rows: Rows, fmt: str) -> str:
    """SELECT results as table, csv, tsv, json, xml or markdown."""
    writer = {
        "table": _table,
        "csv": _csv,
        "tsv": _tsv,
        "json": _json,
        "xml": _xml,
        "markdown": _markdown,
    }[fmt]
    cells = [[neutral(row.get(var)) for var in rows.vars] for row in rows]
    return writer(rows.vars, cells, _BlankLabels(), rows.prefixes)


def format_boolean(answer: bool, fmt: str) -> str:
    """An ASK answer: ``true``/``false``, or a SPARQL results document for json and xml."""
    if fmt == "json":
        import json

        return json.dumps({"head": {}, "boolean": answer}, indent=2) + "\n"
    if fmt == "xml":
        import xml.etree.ElementTree as ET

        root = ET.Element("sparql", xmlns=RESULTS_NS)
        ET.SubElement(root, "head")
        ET.SubElement(root, "boolean").text = "true" if answer else "false"
        return _xml_text(root)
    return ("true" if answer else "false") + "\n"


def format_graph(result: Any, fmt: str) -> str:
    """A CONSTRUCT/DESCRIBE graph as Turtle, N-Triples or JSON-LD, blank nodes relabelled."""
    from kg.querying import rdfwrite

    triples, prefixes = graph_parts(result)
    ordered = rdfwrite.canonical(triples)
    if fmt == "nt":
        return rdfwrite.ntriples(ordered)
    if fmt == "jsonld":
        return rdfwrite.jsonld(ordered, prefixes)
    return rdfwrite.turtle(ordered, prefixes)


Cells = list[list[Term | None]]


class _BlankLabels:
    """Blank node labels b0, b1 ... in order of appearance, so output is repeatable."""

    def __init__(self) -> None:
        self.labels: dict[str, str] = {}

    def __call__(self, node: Term) -> str:
        return self.labels.setdefault(node.value, f"b{len(self.labels)}")


def _plain(term: Term | None, labels: _BlankLabels) -> str:
    """SPARQL CSV: IRIs in full, literals as their text, blank nodes as _:label."""
    if term is None:
        return ""
    if term.kind == "bnode":
        return f"_:{labels(term)}"
    return term.value


def _human(term: Term | None, labels: _BlankLabels, prefixes: dict[str, str]) -> str:
    """For tables: IRIs shortened with the prefixes, literals as their text on one line."""
    if term is None:
        return ""
    if term.kind == "bnode":
        return f"_:{labels(term)}"
    if term.kind == "iri":
        return shorten(term.value, prefixes)
    return " ".join(term.value.split())


def _table(names: list[str], rows: Cells, labels: _BlankLabels, prefixes: dict[str, str]) -> str:
    if not names:
        return ""
    cells = [[_human(term, labels, prefixes) for term in row] for row in rows]
    widths = [max([len(v), *(len(r[i]) for r in cells)]) for i, v in enumerate(names)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            value.ljust(width) for value, width in zip(values, widths, strict=True)
        ).rstrip()

    out = [line(names), line(["-" * width for width in widths])]
    out.extend(line(row) for row in cells)
    return "\n".join(out) + "\n"


def _markdown(names: list[str], rows: Cells, labels: _BlankLabels, prefixes: dict[str, str]) -> str:
    def cell(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|") or " "

    out = ["| " + " | ".join(names) + " |", "|" + "|".join("---" for _ in names) + "|"]
    for row in rows:
        values = [cell(_human(term, labels, prefixes)) for term in row]
        out.append("| " + " | ".join(values) + " |")
    return "\n".join(out) + "\n"


def _csv(names: list[str], rows: Cells, labels: _BlankLabels, prefixes: dict[str, str]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([_plain(term, labels) for term in row])
    return buffer.getvalue()


def _tsv(names: list[str], rows: Cells, labels: _BlankLabels, prefixes: dict[str, str]) -> str:
    out = ["\t".join(f"?{v}" for v in names)]
    for row in rows:
        values = []
        for term in row:
            if term is None:
                values.append("")
            elif term.kind == "bnode":
                values.append(f"_:{labels(term)}")
            else:
                values.append(nt_term(term))
        out.append("\t".join(values))
    return "\n".join(out) + "\n"


def _json_term(term: Term, labels: _BlankLabels) -> dict[str, str]:
    if term.kind == "iri":
        return {"type": "uri", "value": term.value}
    if term.kind == "bnode":
        return {"type": "bnode", "value": labels(term)}
    value: dict[str, str] = {"type": "literal", "value": term.value}
    if term.lang:
        value["xml:lang"] = term.lang
    elif term.datatype:
        value["datatype"] = term.datatype
    return value


def _json(names: list[str], rows: Cells, labels: _BlankLabels, prefixes: dict[str, str]) -> str:
    bindings = [
        {var: _json_term(term, labels) for var, term in zip(names, row, strict=True) if term}
        for row in rows
    ]
    document = {"head": {"vars": names}, "results": {"bindings": bindings}}
    import json

    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _xml(names: list[str], rows: Cells, labels: _BlankLabels, prefixes: dict[str, str]) -> str:
    import xml.etree.ElementTree as ET

    root = ET.Element("sparql", xmlns=RESULTS_NS)
    head = ET.SubElement(root, "head")
    for var in names:
        ET.SubElement(head, "variable", name=var)
    results = ET.SubElement(root, "results")
    for row in rows:
        result = ET.SubElement(results, "result")
        for var, term in zip(names, row, strict=True):
            if term is None:
                continue
            binding = ET.SubElement(result, "binding", name=var)
            if term.kind == "iri":
                ET.SubElement(binding, "uri").text = term.value
            elif term.kind == "bnode":
                ET.SubElement(binding, "bnode").text = labels(term)
            else:
                literal = ET.SubElement(binding, "literal")
                if term.lang:
                    literal.set("xml:lang", term.lang)
                elif term.datatype:
                    literal.set("datatype", term.datatype)
                literal.text = term.value
    return _xml_text(root)


def _xml_text(root: ET.Element) -> str:
    import xml.etree.ElementTree as ET

    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
