"""Running SPARQL: query sources, bound parameters, local or remote evaluation, result formats.

A query comes from the catalogue (by name), a ``.rq`` file, stdin or literal text. Its grlc
parameters are bound as RDF terms, never pasted into the text: locally through rdflib's
initial bindings, against an endpoint through a ``VALUES`` block (of serialised terms) at the
start of the WHERE group. SPARQL Update is refused. Results are :class:`Rows` (SELECT), a
``bool`` (ASK) or an rdflib ``Graph`` (CONSTRUCT, DESCRIBE), written by :func:`format_result`.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, Union

from pyparsing import ParseBaseException
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Result

from kg import catalogue
from kg.catalogue import NamedQuery, Parameter, Token, line_column, scan
from kg.errors import InputError, RemoteError
from kg.namespaces import PREFIXES, bind_prefixes, shorten

if TYPE_CHECKING:  # pragma: no cover
    from kg.loader import KnowledgeGraph

Term = URIRef | Literal | BNode
QueryResult = Union["Rows", bool, Graph]

SELECT_FORMATS = ("table", "csv", "tsv", "json", "xml", "markdown")
GRAPH_FORMATS = ("turtle", "nt", "jsonld")
FORMATS = SELECT_FORMATS + GRAPH_FORMATS

XSD = "http://www.w3.org/2001/XMLSchema#"
RESULTS_NS = "http://www.w3.org/2005/sparql-results#"
_UPDATE_WORDS = (
    "INSERT",
    "DELETE",
    "DROP",
    "LOAD",
    "CLEAR",
    "CREATE",
    "ADD",
    "MOVE",
    "COPY",
    "WITH",
)


# --- Finding the query ---------------------------------------------------------------------


def resolve(source: str | Path, stdin: TextIO | None = None) -> NamedQuery:
    """The query ``source`` names: a catalogue name, a ``.rq`` file, ``-`` (stdin) or text."""
    if isinstance(source, Path):
        return catalogue.read_file(source)
    if source == "-":
        text = (stdin or sys.stdin).read()
        return catalogue.from_text(text, "stdin", "<stdin>")
    if source in catalogue.catalogue():
        return catalogue.get(source)
    looks_like_text = bool(re.search(r"\s|\{", source.strip()))
    if not looks_like_text and (source.endswith((".rq", ".sparql")) or Path(source).is_file()):
        return catalogue.read_file(Path(source))
    if looks_like_text:
        return catalogue.from_text(source, "query", "<query>")
    raise InputError(source, "no such query in the catalogue" + catalogue.suggestion(source))


# --- Checking and compiling ----------------------------------------------------------------


@dataclass(frozen=True)
class Compiled:
    """A query that parsed: its kind (SELECT, ASK, CONSTRUCT, DESCRIBE) and rdflib's form."""

    named: NamedQuery
    kind: str
    prepared: Query
    ordered: bool


def compile_query(named: NamedQuery) -> Compiled:
    """Parse ``named``; InputError for updates, unknown prefixes and syntax errors."""
    text, where = named.text, named.source
    if not list(scan(text)):
        raise InputError(where, "no query (the text is empty or only comments)")
    _check_prefixes(text, where)
    try:
        parsed = parseQuery(text)
    except ParseBaseException as error:
        if _is_update(text):
            raise InputError(
                where, "SPARQL Update is not allowed: kg query only reads the graph"
            ) from None
        raise InputError(where, _describe_syntax_error(error, text)) from None
    try:
        prepared = translateQuery(parsed, initNs=PREFIXES)
    except Exception as error:  # rdflib's translation raises plain exceptions
        raise InputError(where, _first_line(str(error)) or type(error).__name__) from None
    kind = prepared.algebra.name.removesuffix("Query").upper()
    ordered = "orderby" in parsed[1]
    return Compiled(named=named, kind=kind, prepared=prepared, ordered=ordered)


def _is_update(text: str) -> bool:
    try:
        parseUpdate(text)
    except Exception:
        words = [t.text.upper() for t in scan(text) if t.kind == "word"]
        words = [word for word in words if word not in ("PREFIX", "BASE")]
        # A broken update is still an update: refuse it for what it is.
        return bool(words) and words[0] in _UPDATE_WORDS
    return True


def _check_prefixes(text: str, where: str) -> None:
    declared = catalogue.declared_prefixes(text)
    for token in catalogue.used_prefixes(text):
        prefix = token.text.split(":", 1)[0]
        if prefix not in declared and prefix not in PREFIXES:
            line, column = line_column(text, token.start)
            raise InputError(
                where,
                f"line {line}, column {column}: unknown prefix '{prefix}:' "
                "(declare it with PREFIX)",
            )


def _describe_syntax_error(error: ParseBaseException, text: str) -> str:
    line, column = line_column(text, min(error.loc, len(text)))
    found = re.search(r"found (.*?)\s+\(at char", str(error))
    if error.loc >= len(text.rstrip()):
        what = "the query ends too early"
    elif found and found.group(1) != "end of text":
        what = f"syntax error at {found.group(1)}"
    else:
        what = "syntax error"
    return f"line {line}, column {column}: {what}"


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else ""


# --- Parameters ----------------------------------------------------------------------------

_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(?:\d+\.\d*|\.\d+|\d+)$")
_DOUBLE = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$|^[+-]?INF$|^NaN$")
_BOOLEAN = re.compile(r"^(?:true|false|1|0)$")
_INTEGER_TYPES = {
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
    "nonPositiveInteger", "negativeInteger", "unsignedInt", "unsignedLong", "unsignedShort",
    "unsignedByte",
}  # fmt: skip
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^<>\"{}|^`\\\x00-\x20]*$")


def bind(named: NamedQuery, params: Mapping[str, object] | None = None) -> dict[str, Term]:
    """Turn ``params`` (name -> text or RDF term) into variable -> term, checking each one.

    Required parameters must be given (or have a default); values are checked against the
    type the query declares; names the query does not know are refused.
    """
    params = dict(params or {})
    known = {p.name for p in named.parameters}
    for name in params:
        if name not in known:
            takes = ", ".join(p.name for p in named.parameters) or "none"
            raise InputError(
                f"parameter {name}", f"{named.source} has no such parameter (it takes: {takes})"
            )
    bindings: dict[str, Term] = {}
    for parameter in named.parameters:
        value = params.get(parameter.name, parameter.default)
        if value is None:
            if parameter.required:
                raise InputError(
                    named.source,
                    f"missing required parameter {parameter.name!r} "
                    f"({parameter.type_label}; give it with --param {parameter.name}=VALUE)",
                )
            continue
        bindings[parameter.variable] = to_term(parameter, value)
    return bindings


def to_term(parameter: Parameter, value: object) -> Term:
    """The RDF term for one parameter value, checked against the parameter's type."""
    where = f"parameter {parameter.name}"
    if isinstance(value, BNode):
        raise InputError(where, "a blank node cannot be a parameter value")
    if isinstance(value, URIRef | Literal):
        if parameter.kind == "iri" and not isinstance(value, URIRef):
            raise InputError(where, f"{str(value)!r} is not an IRI")
        return value
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, date):  # datetime too
        text = value.isoformat()
    else:
        text = str(value)
    if parameter.kind == "iri":
        return _iri(text, where)
    if parameter.kind == "number":
        if _INTEGER.match(text):
            return Literal(str(int(text)), datatype=URIRef(XSD + "integer"))
        for pattern, datatype in ((_DECIMAL, "decimal"), (_DOUBLE, "double")):
            if pattern.match(text):
                return Literal(text, datatype=URIRef(XSD + datatype))
        raise InputError(where, f"{text!r} is not a number")
    if parameter.kind == "language":
        return Literal(text, lang=parameter.lang)
    if parameter.kind == "typed" and parameter.datatype:
        _check_lexical(text, parameter.datatype, where)
        if parameter.datatype.removeprefix(XSD) in _INTEGER_TYPES:
            text = str(int(text))  # canonical form, so that it matches stored integers
        return Literal(text, datatype=URIRef(parameter.datatype))
    return Literal(text)


def _iri(text: str, where: str) -> URIRef:
    prefix, colon, local = text.partition(":")
    if colon and prefix in PREFIXES and not local.startswith("//"):
        text = PREFIXES[prefix] + local
    if not _IRI.match(text):
        raise InputError(where, f"{text!r} is not an IRI (write it in full, or as kg:name)")
    return URIRef(text)


def _check_lexical(text: str, datatype: str, where: str) -> None:
    """InputError if ``text`` is not a valid lexical form of an XSD ``datatype`` we know."""
    if not datatype.startswith(XSD):
        return
    local = datatype[len(XSD) :]
    checks: dict[str, Any] = {
        "decimal": _DECIMAL.match,
        "float": _DOUBLE.match,
        "double": _DOUBLE.match,
        "boolean": _BOOLEAN.match,
        "date": _parses(date.fromisoformat, r"^-?\d{4,}-\d{2}-\d{2}$"),
        "dateTime": _parses(
            lambda t: datetime.fromisoformat(t.replace("Z", "+00:00")),
            r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}",
        ),
    }
    check = _INTEGER.match if local in _INTEGER_TYPES else checks.get(local)
    if check is not None and not check(text):
        article = "an" if local[0] in "aeiou" else "a"
        raise InputError(where, f"{text!r} is not {article} {local} (xsd:{local})")


def _parses(parse: Any, shape: str) -> Any:
    def check(text: str) -> bool:
        if not re.match(shape, text):
            return False
        try:
            parse(text)
        except ValueError:
            return False
        return True

    return check


# --- Results -------------------------------------------------------------------------------


@dataclass
class Rows(Sequence[dict[str, Any]]):
    """SELECT results: rows as dicts of variable name -> rdflib term (None when unbound).

    ``vars`` are the projected variables in order; ``prefixes`` shorten IRIs in tables.
    ``to_python()`` and ``values()`` give plain Python values (str, int, Decimal, date ...).
    """

    vars: list[str]
    rows: list[dict[str, Term | None]]
    prefixes: dict[str, str] = field(default_factory=lambda: dict(PREFIXES), repr=False)

    def __iter__(self) -> Iterator[dict[str, Term | None]]:
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


def python_value(term: Term | None) -> Any:
    """A plain Python value for an RDF term: str for IRIs and blank nodes, else toPython()."""
    if term is None:
        return None
    if isinstance(term, Literal):
        value = term.toPython()
        return str(value) if isinstance(value, Literal) else value
    return str(term)


def _rows_from(result: Result, prefixes: dict[str, str], ordered: bool) -> Rows:
    names = [str(v) for v in (result.vars or [])]
    rows = [{name: binding.get(Variable(name)) for name in names} for binding in result.bindings]
    if not ordered:
        rows.sort(key=lambda row: [_sort_key(row.get(name)) for name in names])
    return Rows(vars=names, rows=rows, prefixes=prefixes)


def _sort_key(term: Term | None) -> tuple[int, str]:
    if term is None:
        return (0, "")
    if isinstance(term, BNode):
        return (1, "")
    return (2 if isinstance(term, URIRef) else 3, nt_term(term))


# --- Running locally -----------------------------------------------------------------------


@cache
def _bundled() -> Graph:
    from kg.loader import load

    return load().graph


def run_local(
    compiled: Compiled, bindings: Mapping[str, Term], graph: KnowledgeGraph | Graph | None = None
) -> QueryResult:
    """Evaluate ``compiled`` with rdflib on ``graph`` (default: the bundled graph)."""
    if graph is None:
        target = _bundled()
    elif isinstance(graph, Graph):  # a Graph, or a Dataset (queried as rdflib does)
        target = graph
    else:
        target = getattr(graph, "graph", None)
        if not isinstance(target, Graph):
            raise TypeError("graph must be a KnowledgeGraph or an rdflib Graph")
    prepared = compiled.prepared
    initial = {Variable(name): term for name, term in bindings.items()}
    if compiled.kind == "DESCRIBE" and initial:
        # rdflib ignores initial bindings for DESCRIBE targets: describe through VALUES.
        prepared = prepareQuery(with_values(compiled.named.text, bindings), initNs=PREFIXES)
        initial = {}
    try:
        result = target.query(prepared, initBindings=initial)
    except Exception as error:  # evaluation errors become one line
        raise InputError(
            compiled.named.source, f"query failed: {_first_line(str(error))}"
        ) from None
    prefixes = _prefixes(target, compiled.named.text)
    return _convert(result, compiled, prefixes)


def _prefixes(graph: Graph | None, text: str) -> dict[str, str]:
    prefixes = dict(PREFIXES)
    if graph is not None:
        for prefix, namespace in graph.namespaces():
            if prefix:
                prefixes.setdefault(prefix, str(namespace))
    for prefix, namespace in catalogue.declared_prefixes(text).items():
        if prefix:
            prefixes.setdefault(prefix, namespace)
    return prefixes


def _convert(result: Result, compiled: Compiled, prefixes: dict[str, str]) -> QueryResult:
    if compiled.kind == "SELECT":
        return _rows_from(result, prefixes, compiled.ordered)
    if compiled.kind == "ASK":
        return bool(result.askAnswer)
    graph = bind_prefixes(Graph())
    for prefix, namespace in prefixes.items():
        graph.bind(prefix, namespace, override=False)
    for triple in result.graph or Graph():
        graph.add(triple)
    return graph


# --- Running against an endpoint -----------------------------------------------------------

_ACCEPT = {
    "SELECT": "application/sparql-results+json, application/sparql-results+xml;q=0.8",
    "ASK": "application/sparql-results+json, application/sparql-results+xml;q=0.8",
    "CONSTRUCT": "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5",
    "DESCRIBE": "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5",
}
_RDF_TYPES = {
    "application/n-triples": "nt",
    "text/plain": "nt",
    "text/turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}


def remote_text(compiled: Compiled, bindings: Mapping[str, Term]) -> str:
    """The text sent to an endpoint: project prefixes the query uses, then ``VALUES``."""
    text = compiled.named.text
    declared = catalogue.declared_prefixes(text)
    missing = [
        token.text.split(":", 1)[0]
        for token in catalogue.used_prefixes(text)
        if token.text.split(":", 1)[0] not in declared
    ]
    header = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in missing if p in PREFIXES)
    return header + with_values(text, bindings)


def with_values(text: str, bindings: Mapping[str, Term]) -> str:
    """``text`` with a one-row VALUES block of ``bindings`` opening its WHERE group.

    Terms are written in N-Triples syntax, so a value can never become query syntax. A query
    without a WHERE group (``DESCRIBE ?_x_iri``) gets ``WHERE { VALUES ... }`` at its end.
    """
    if not bindings:
        return text
    names = list(bindings)
    block = (
        "VALUES ("
        + " ".join(f"?{name}" for name in names)
        + ") { ("
        + " ".join(nt_term(bindings[name]) for name in names)
        + ") }"
    )
    text = _long_construct(text)
    position = where_group(text)
    if position is None:
        return f"{text.rstrip()}\nWHERE {{ {block} }}\n"
    return f"{text[: position + 1]} {block} {text[position + 1 :]}"


def _form_index(tokens: list[Token]) -> int | None:
    """The index of the query form keyword (SELECT, ASK, CONSTRUCT, DESCRIBE)."""
    forms = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
    return next(
        (i for i, t in enumerate(tokens) if t.kind == "word" and t.text.upper() in forms), None
    )


def _long_construct(text: str) -> str:
    """``CONSTRUCT WHERE { P }`` written as ``CONSTRUCT { P } WHERE { P }``.

    Only the long form may hold a VALUES block; other queries are returned unchanged.
    """
    tokens = list(scan(text))
    start = _form_index(tokens)
    if start is None or tokens[start].text.upper() != "CONSTRUCT" or start + 2 >= len(tokens):
        return text
    where, opening = tokens[start + 1], tokens[start + 2]
    if where.text.upper() != "WHERE" or opening.text != "{":
        return text
    closing = tokens[_after_group(tokens, start + 2) - 1]
    body = text[opening.start + 1 : closing.start]
    return f"{text[: where.start]}{{{body}}} {text[where.start :]}"


def where_group(text: str) -> int | None:
    """The offset of the ``{`` that opens the query's top-level WHERE group, if any."""
    tokens = list(scan(text))
    start = _form_index(tokens)
    if start is None:
        return None
    index = start + 1
    if tokens[start].text.upper() == "CONSTRUCT":
        short_form = index < len(tokens) and tokens[index].text.upper() == "WHERE"
        if not short_form:
            index = _after_group(tokens, index)
    for token in tokens[index:]:
        if token.text == "{" and token.kind == "punct":
            return token.start
    return None


def _after_group(tokens: list[Token], index: int) -> int:
    """The token index just after the brace group that starts at or after ``index``."""
    depth = 0
    for position in range(index, len(tokens)):
        token = tokens[position]
        if token.kind != "punct":
            continue
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
            if depth == 0:
                return position + 1
    return len(tokens)


def run_remote(
    compiled: Compiled, bindings: Mapping[str, Term], endpoint: str, timeout: float = 30.0
) -> QueryResult:
    """Send the query to a SPARQL 1.1 endpoint (protocol: POST, form-encoded) and read back."""
    parts = urllib.parse.urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(endpoint, "an endpoint must be an http:// or https:// URL")
    text = remote_text(compiled, bindings)
    request = urllib.request.Request(
        endpoint,
        data=urllib.parse.urlencode({"query": text}).encode("utf-8"),
        headers={
            "Accept": _ACCEPT[compiled.kind],
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": "ssp-kg",
        },
        method="POST",
    )
    body, content_type = _fetch(request, endpoint, timeout)
    prefixes = _prefixes(None, compiled.named.text)
    try:
        if compiled.kind in ("SELECT", "ASK"):
            kind = "xml" if "xml" in content_type else "json"
            result = Result.parse(io.BytesIO(body), format=kind)
        else:
            rdf = Graph()
            rdf.parse(data=body, format=_RDF_TYPES.get(content_type, "turtle"))
            result = Result("CONSTRUCT")
            result.graph = rdf
    except Exception as error:
        raise RemoteError(
            endpoint, f"the answer is not readable SPARQL results ({_first_line(str(error))})"
        ) from None
    return _convert(result, compiled, prefixes)


def _fetch(request: urllib.request.Request, endpoint: str, timeout: float) -> tuple[bytes, str]:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            content_type = response.headers.get_content_type()
            return response.read(), content_type
    except urllib.error.HTTPError as error:
        detail = _first_line(error.read(2000).decode("utf-8", "replace"))[:200]
        message = f"HTTP {error.code} {error.reason}"
        raise RemoteError(endpoint, f"{message}: {detail}" if detail else message) from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise RemoteError(endpoint, f"no answer within {timeout:g} s") from None
        reason = getattr(error.reason, "strerror", None) or str(error.reason)
        raise RemoteError(endpoint, f"cannot connect ({reason})") from None
    except TimeoutError:
        raise RemoteError(endpoint, f"no answer within {timeout:g} s") from None
    except OSError as error:
        raise RemoteError(endpoint, f"connection failed ({error.strerror or error})") from None


# --- The public entry point ----------------------------------------------------------------


def query(
    name_or_text: str | Path,
    params: Mapping[str, object] | None = None,
    graph: KnowledgeGraph | Graph | None = None,
    *,
    endpoint: str | None = None,
    timeout: float = 30.0,
) -> QueryResult:
    """Run a catalogue query, a ``.rq`` file or SPARQL text.

    Returns :class:`Rows` for SELECT, a bool for ASK and an rdflib Graph for CONSTRUCT and
    DESCRIBE. ``params`` maps parameter names to text (checked against the declared type) or
    RDF terms. ``graph`` is a KnowledgeGraph or rdflib Graph (default: the bundled graph);
    ``endpoint`` sends the query to a SPARQL endpoint instead.
    """
    named = resolve(name_or_text)
    compiled = compile_query(named)
    bindings = bind(named, params)
    if endpoint is not None:
        return run_remote(compiled, bindings, endpoint, timeout)
    return run_local(compiled, bindings, graph)


# --- Writing results -----------------------------------------------------------------------


def default_format(result: QueryResult, terminal: bool) -> str:
    """``table`` on a terminal and ``csv`` otherwise for SELECT/ASK; ``turtle`` for graphs."""
    if isinstance(result, Graph):
        return "turtle"
    return "table" if terminal else "csv"


def format_result(result: QueryResult, fmt: str, source: str = "<query>") -> str:
    """Write a result in ``fmt``; InputError if the format does not fit the result kind."""
    if isinstance(result, Graph):
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
    labels = _BlankLabels()
    writer = {
        "table": _table,
        "csv": _csv,
        "tsv": _tsv,
        "json": _json,
        "xml": _xml,
        "markdown": _markdown,
    }[fmt]
    return writer(rows, labels)


def format_boolean(answer: bool, fmt: str) -> str:
    """An ASK answer: ``true``/``false``, or a SPARQL results document for json and xml."""
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": answer}, indent=2) + "\n"
    if fmt == "xml":
        root = ET.Element("sparql", xmlns=RESULTS_NS)
        ET.SubElement(root, "head")
        ET.SubElement(root, "boolean").text = "true" if answer else "false"
        return _xml_text(root)
    return ("true" if answer else "false") + "\n"


def format_graph(graph: Graph, fmt: str) -> str:
    """A CONSTRUCT/DESCRIBE graph as Turtle, N-Triples or JSON-LD, blank nodes relabelled."""
    from rdflib.compare import to_canonical_graph

    canonical = bind_prefixes(Graph())
    for prefix, namespace in graph.namespaces():
        canonical.bind(prefix, namespace, override=False)
    triples = list(to_canonical_graph(graph))
    blanks = sorted({str(t) for triple in triples for t in triple if isinstance(t, BNode)})
    short = {label: BNode(f"b{index}") for index, label in enumerate(blanks)}
    for triple in triples:
        canonical.add(tuple(short.get(str(t), t) if isinstance(t, BNode) else t for t in triple))
    if fmt == "nt":
        lines = canonical.serialize(format="nt").splitlines()
        return "".join(line + "\n" for line in sorted(set(lines)) if line.strip())
    if fmt == "jsonld":
        terms = [t for triple in canonical for t in triple]
        iris = {str(t) for t in terms if isinstance(t, URIRef)}
        iris |= {str(t.datatype) for t in terms if isinstance(t, Literal) and t.datatype}
        used = {p: ns for p, ns in _prefixes(graph, "").items() if _uses(iris, ns)}
        context = dict(sorted(used.items()))
        data = json.loads(canonical.serialize(format="json-ld", context=context))
        return json.dumps(_sorted_sets(data), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return canonical.serialize(format="turtle")


def _uses(iris: set[str], namespace: str) -> bool:
    return any(iri.startswith(namespace) for iri in iris)


def _sorted_sets(node: Any, key: str = "") -> Any:
    """JSON-LD with every unordered array sorted (``@list`` arrays keep their order)."""
    if isinstance(node, dict):
        return {name: _sorted_sets(value, name) for name, value in node.items()}
    if isinstance(node, list):
        items = [_sorted_sets(item) for item in node]
        if key != "@list":
            items.sort(key=lambda item: json.dumps(item, sort_keys=True))
        return items
    return node


class _BlankLabels:
    """Blank node labels b0, b1 ... in order of appearance, so output is repeatable."""

    def __init__(self) -> None:
        self.labels: dict[BNode, str] = {}

    def __call__(self, node: BNode) -> str:
        return self.labels.setdefault(node, f"b{len(self.labels)}")


def nt_term(term: Term) -> str:
    """A term in N-Triples syntax: ``<iri>``, ``"text"@en``, ``"1"^^<...#integer>``, ``_:b``."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    text = (
        str(term)
        .replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    if term.language:
        return f'"{text}"@{term.language}'
    if term.datatype and str(term.datatype) != XSD + "string":
        return f'"{text}"^^<{term.datatype}>'
    return f'"{text}"'


def _plain(term: Term | None, labels: _BlankLabels) -> str:
    """SPARQL CSV: IRIs in full, literals as their text, blank nodes as _:label."""
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{labels(term)}"
    return str(term)


def _human(term: Term | None, labels: _BlankLabels, prefixes: dict[str, str]) -> str:
    """For tables: IRIs shortened with the prefixes, literals as their text on one line."""
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{labels(term)}"
    if isinstance(term, URIRef):
        return shorten(str(term), prefixes)
    return " ".join(str(term).split())


def _table(rows: Rows, labels: _BlankLabels) -> str:
    if not rows.vars:
        return ""
    cells = [[_human(row.get(v), labels, rows.prefixes) for v in rows.vars] for row in rows]
    widths = [max([len(v), *(len(r[i]) for r in cells)]) for i, v in enumerate(rows.vars)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            value.ljust(width) for value, width in zip(values, widths, strict=True)
        ).rstrip()

    out = [line(rows.vars), line(["-" * width for width in widths])]
    out.extend(line(row) for row in cells)
    return "\n".join(out) + "\n"


def _markdown(rows: Rows, labels: _BlankLabels) -> str:
    def cell(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|") or " "

    out = ["| " + " | ".join(rows.vars) + " |", "|" + "|".join("---" for _ in rows.vars) + "|"]
    for row in rows:
        values = [cell(_human(row.get(v), labels, rows.prefixes)) for v in rows.vars]
        out.append("| " + " | ".join(values) + " |")
    return "\n".join(out) + "\n"


def _csv(rows: Rows, labels: _BlankLabels) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(rows.vars)
    for row in rows:
        writer.writerow([_plain(row.get(v), labels) for v in rows.vars])
    return buffer.getvalue()


def _tsv(rows: Rows, labels: _BlankLabels) -> str:
    out = ["\t".join(f"?{v}" for v in rows.vars)]
    for row in rows:
        values = []
        for var in rows.vars:
            term = row.get(var)
            if term is None:
                values.append("")
            elif isinstance(term, BNode):
                values.append(f"_:{labels(term)}")
            else:
                values.append(nt_term(term))
        out.append("\t".join(values))
    return "\n".join(out) + "\n"


def _json_term(term: Term, labels: _BlankLabels) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": labels(term)}
    value: dict[str, str] = {"type": "literal", "value": str(term)}
    if term.language:
        value["xml:lang"] = term.language
    elif term.datatype and str(term.datatype) != XSD + "string":
        value["datatype"] = str(term.datatype)
    return value


def _json(rows: Rows, labels: _BlankLabels) -> str:
    bindings = [
        {v: _json_term(row[v], labels) for v in rows.vars if row.get(v) is not None} for row in rows
    ]
    document = {"head": {"vars": rows.vars}, "results": {"bindings": bindings}}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _xml(rows: Rows, labels: _BlankLabels) -> str:
    root = ET.Element("sparql", xmlns=RESULTS_NS)
    head = ET.SubElement(root, "head")
    for var in rows.vars:
        ET.SubElement(head, "variable", name=var)
    results = ET.SubElement(root, "results")
    for row in rows:
        result = ET.SubElement(results, "result")
        for var in rows.vars:
            term = row.get(var)
            if term is None:
                continue
            binding = ET.SubElement(result, "binding", name=var)
            if isinstance(term, URIRef):
                ET.SubElement(binding, "uri").text = str(term)
            elif isinstance(term, BNode):
                ET.SubElement(binding, "bnode").text = labels(term)
            else:
                literal = ET.SubElement(binding, "literal")
                if term.language:
                    literal.set("xml:lang", term.language)
                elif term.datatype and str(term.datatype) != XSD + "string":
                    literal.set("datatype", str(term.datatype))
                literal.text = str(term)
    return _xml_text(root)


def _xml_text(root: ET.Element) -> str:
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
