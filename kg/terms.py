"""An engine-neutral RDF term, so results from rdflib and Oxigraph are written the same way.

A :class:`Term` is a plain tuple: ``kind`` (``iri``, ``bnode`` or ``literal``), ``value``,
and for literals ``datatype`` (None for a plain string) and ``lang``. :func:`neutral` turns an
rdflib or pyoxigraph term into one without importing either library; :func:`to_rdflib` and
:func:`to_oxigraph` go the other way.
"""

from __future__ import annotations

import sys
from typing import Any, NamedTuple

from kg.prefixes import XSD_IRI

XSD_STRING = XSD_IRI + "string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
INTEGER_TYPES = frozenset(
    {
        "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
        "nonPositiveInteger", "negativeInteger", "unsignedInt", "unsignedLong",
        "unsignedShort", "unsignedByte",
    }
)  # fmt: skip


class Term(NamedTuple):
    """One RDF term: an IRI, a blank node (``value`` is its label) or a literal."""

    kind: str
    value: str
    datatype: str | None = None
    lang: str | None = None


def iri(value: str) -> Term:
    """An IRI term."""
    return Term("iri", value)


def literal(value: str, datatype: str | None = None, lang: str | None = None) -> Term:
    """A literal; xsd:string (and rdf:langString with a tag) become ``datatype=None``."""
    if lang or datatype in (XSD_STRING, RDF_LANG_STRING):
        datatype = None
    return Term("literal", value, datatype, lang or None)


def neutral(term: object) -> Term | None:
    """The :class:`Term` for an rdflib or pyoxigraph term (a Term or None is returned as is)."""
    if term is None or type(term) is Term:
        return term  # type: ignore[return-value]
    module = type(term).__module__
    if module.startswith("rdflib"):
        return _from_rdflib(term)
    if module.startswith("pyoxigraph"):
        return _from_oxigraph(term)
    raise TypeError(f"not an RDF term: {term!r}")


def _from_rdflib(term: Any) -> Term:
    rdflib_term = sys.modules["rdflib.term"]
    if isinstance(term, rdflib_term.URIRef):
        return Term("iri", str(term))
    if isinstance(term, rdflib_term.BNode):
        return Term("bnode", str(term))
    if isinstance(term, rdflib_term.Literal):
        datatype = str(term.datatype) if term.datatype is not None else None
        return literal(str(term), datatype, term.language)
    raise TypeError(f"not an RDF term: {term!r}")


def _from_oxigraph(term: Any) -> Term:
    name = type(term).__name__
    if name == "NamedNode":
        return Term("iri", term.value)
    if name == "BlankNode":
        return Term("bnode", term.value)
    if name == "Literal":
        return literal(term.value, term.datatype.value, term.language)
    raise TypeError(f"not an RDF term: {term!r}")


def to_rdflib(term: Term) -> Any:
    """The rdflib term for ``term``."""
    from rdflib import BNode, Literal, URIRef

    if term.kind == "iri":
        return URIRef(term.value)
    if term.kind == "bnode":
        return BNode(term.value)
    datatype = URIRef(term.datatype) if term.datatype else None
    return Literal(term.value, lang=term.lang, datatype=datatype)


def to_oxigraph(term: Term) -> Any:
    """The pyoxigraph term for ``term``."""
    import pyoxigraph as ox

    if term.kind == "iri":
        return ox.NamedNode(term.value)
    if term.kind == "bnode":
        return ox.BlankNode(term.value)
    if term.lang:
        return ox.Literal(term.value, language=term.lang)
    if term.datatype:
        return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype))
    return ox.Literal(term.value)


def escape(text: str) -> str:
    """A string's body as N-Triples and Turtle write it between double quotes."""
    return (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )


def nt_term(term: object) -> str:
    """A term in N-Triples syntax: ``<iri>``, ``"text"@en``, ``"1"^^<...#integer>``, ``_:b``."""
    t = neutral(term)
    assert t is not None
    if t.kind == "iri":
        return f"<{t.value}>"
    if t.kind == "bnode":
        return f"_:{t.value}"
    if t.lang:
        return f'"{escape(t.value)}"@{t.lang}'
    if t.datatype:
        return f'"{escape(t.value)}"^^<{t.datatype}>'
    return f'"{escape(t.value)}"'


def python_value(term: object) -> Any:
    """A plain Python value: str for IRIs, blank nodes and strings; numbers, dates, bools.

    rdflib terms keep rdflib's own conversion (``toPython``); a literal whose text does not
    fit its datatype is returned as its text.
    """
    if term is None:
        return None
    if hasattr(term, "toPython") and type(term).__module__.startswith("rdflib"):
        if type(term).__name__ != "Literal":
            return str(term)
        value = term.toPython()  # type: ignore[attr-defined]
        return str(value) if type(value).__name__ == "Literal" else value
    t = neutral(term)
    assert t is not None
    if t.kind != "literal" or not t.datatype or not t.datatype.startswith(XSD_IRI):
        return t.value
    return _xsd_value(t.value, t.datatype[len(XSD_IRI) :])


def _xsd_value(text: str, local: str) -> Any:
    from datetime import date, datetime
    from decimal import Decimal, InvalidOperation

    try:
        if local in INTEGER_TYPES:
            return int(text)
        if local == "decimal":
            return Decimal(text)
        if local in ("double", "float"):
            return float(text)
        if local == "boolean":
            return {"true": True, "1": True, "false": False, "0": False}[text.strip()]
        if local == "date":
            return date.fromisoformat(text)
        if local == "dateTime":
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, KeyError, InvalidOperation):
        return text
    return text
