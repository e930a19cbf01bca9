"""Query parameters: text (or RDF terms) typed as the query declares, checked, as Terms.

The result is engine-neutral (:class:`kg.terms.Term`); each engine turns the terms into its
own (``kg.querying.sparql.bind`` gives rdflib terms for the Python API).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from kg.errors import InputError
from kg.prefixes import PREFIXES, XSD_IRI
from kg.querying.catalogue import NamedQuery, Parameter
from kg.terms import INTEGER_TYPES, Term, iri, literal, neutral

XSD = XSD_IRI
_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(?:\d+\.\d*|\.\d+|\d+)$")
_DOUBLE = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$|^[+-]?INF$|^NaN$")
_BOOLEAN = re.compile(r"^(?:true|false|1|0)$")
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^<>\"{}|^`\\\x00-\x20]*$")
_LANGUAGE = re.compile(r"^[A-Za-z]+(?:-[A-Za-z0-9]+)*$")


def bind_terms(
    named: NamedQuery,
    params: Mapping[str, object] | None = None,
    prefixes: Mapping[str, str] | None = None,
) -> dict[str, Term]:
    """Turn ``params`` (name -> text or RDF term) into variable -> Term, checking each one.

    Required parameters must be given (or have a default); values are checked against the
    type the query declares; names the query does not know are refused. A prefixed IRI
    value (``kg:agility``) expands with ``prefixes`` (default: the project's; the command
    line passes them with the loaded files' own on top, as results print them).
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
        bindings[parameter.variable] = to_term(parameter, value, prefixes)
    return bindings


def to_term(
    parameter: Parameter, value: object, prefixes: Mapping[str, str] | None = None
) -> Term:
    """The term for one parameter value, checked against the parameter's type."""
    where = f"parameter {parameter.name}"
    term = _as_term(value)
    if term is not None:
        if term.kind == "bnode":
            raise InputError(where, "a blank node cannot be a parameter value")
        if parameter.kind == "iri" and term.kind != "iri":
            raise InputError(where, f"{term.value!r} is not an IRI")
        _check_term(term, where)
        return term
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, date):  # datetime too
        text = value.isoformat()
    else:
        text = str(value)
    if parameter.kind == "iri":
        return _iri(text, where, prefixes)
    if parameter.kind == "number":
        if _INTEGER.fullmatch(text):
            return literal(canonical_integer(text), XSD + "integer")
        for pattern, datatype in ((_DECIMAL, "decimal"), (_DOUBLE, "double")):
            if pattern.fullmatch(text):
                return literal(text, XSD + datatype)
        raise InputError(where, f"{text!r} is not a number")
    if parameter.kind == "language":
        return literal(text, lang=parameter.lang)
    if parameter.kind == "typed" and parameter.datatype:
        _check_lexical(text, parameter.datatype, where)
        if parameter.datatype.removeprefix(XSD) in INTEGER_TYPES:
            text = canonical_integer(text)  # so that it matches stored integers
        return literal(text, parameter.datatype)
    return literal(text)


def canonical_integer(text: str) -> str:
    """The canonical lexical form of an integer (no ``+``, no leading zeros, no ``-0``).

    Done on the digits, not with ``int()``, which refuses more than 4,300 digits.
    """
    digits = text.lstrip("+-").lstrip("0") or "0"
    return f"-{digits}" if text.startswith("-") and digits != "0" else digits


def _as_term(value: object) -> Term | None:
    """``value`` as a Term if it already is an RDF term (Term, rdflib or pyoxigraph)."""
    if isinstance(value, Term):
        return value
    if type(value).__module__.startswith(("rdflib", "pyoxigraph")):
        return neutral(value)
    return None


def _check_term(term: Term, where: str) -> None:
    """InputError for a term whose IRI, datatype or language tag would not serialise as one.

    Terms given as such (rdflib, pyoxigraph or :class:`Term`) skip the text checks, yet are
    written into a VALUES block on Oxigraph and on an endpoint.
    """
    if term.kind == "iri" and not _IRI.fullmatch(term.value):
        raise InputError(where, f"{term.value!r} is not an IRI")
    if term.kind == "literal":
        if term.datatype is not None and not _IRI.fullmatch(term.datatype):
            raise InputError(where, f"datatype {term.datatype!r} is not an IRI")
        if term.lang is not None and not _LANGUAGE.fullmatch(term.lang):
            raise InputError(where, f"{term.lang!r} is not a language tag")


def _iri(text: str, where: str, prefixes: Mapping[str, str] | None = None) -> Term:
    known = PREFIXES if prefixes is None else prefixes
    prefix, colon, local = text.partition(":")
    if colon and prefix in known and not local.startswith("//"):
        text = known[prefix] + local
    if not _IRI.fullmatch(text):
        raise InputError(where, f"{text!r} is not an IRI (write it in full, or as kg:name)")
    return iri(text)


def _check_lexical(text: str, datatype: str, where: str) -> None:
    """InputError if ``text`` is not a valid lexical form of an XSD ``datatype`` we know."""
    if not datatype.startswith(XSD):
        return
    local = datatype[len(XSD) :]
    checks: dict[str, Any] = {
        "decimal": _DECIMAL.fullmatch,
        "float": _DOUBLE.fullmatch,
        "double": _DOUBLE.fullmatch,
        "boolean": _BOOLEAN.fullmatch,
        "date": _parses(date.fromisoformat, r"^-?\d{4,}-\d{2}-\d{2}$"),
        # Python 3.11's fromisoformat reads a trailing "Z" (and refuses XSD's invalid "z").
        "dateTime": _parses(datetime.fromisoformat, r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"),
    }
    check = _INTEGER.fullmatch if local in INTEGER_TYPES else checks.get(local)
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
