"""Deterministic RDF text for query results: blank nodes relabelled, N-Triples, Turtle, JSON-LD.

Works on :class:`kg.terms.Term` triples, so a graph from rdflib and the same graph from
Oxigraph give the same bytes. Blank nodes get labels ``b0``, ``b1`` ... in the order of the
content digests :mod:`kg.store.bnodes` gives them (what surrounds each one, bounded refinement).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from kg.prefixes import RDF_IRI
from kg.terms import Term, escape, nt_term

Triple = tuple[Term, Term, Term]
RDF_TYPE = RDF_IRI + "type"
_PREFIX_NAME = re.compile(r"[A-Za-z](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")
_LOCAL_NAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")


# --- Blank node labels ----------------------------------------------------------------------


def canonical(triples: Iterable[Triple]) -> list[Triple]:
    """The distinct triples, blank nodes relabelled ``b0`` ..., sorted as N-Triples lines."""
    unique = set(triples)
    blanks = sorted({t.value for triple in unique for t in triple if t.kind == "bnode"})
    if blanks:
        order = _blank_order(unique, blanks)
        names = {label: Term("bnode", f"b{index}") for index, label in enumerate(order)}
        unique = {
            tuple(names[t.value] if t.kind == "bnode" else t for t in triple)  # type: ignore[misc]
            for triple in unique
        }
    return sorted(unique, key=lambda triple: " ".join(nt_term(t) for t in triple))


def _blank_order(triples: set[Triple], blanks: list[str]) -> list[str]:
    """The blank nodes in the order of their content digests (:func:`kg.store.bnodes.row_labels`,
    bounded refinement: linear on a 100,000-long chain), fed in an order that does not
    depend on the parser's labels."""
    from kg.store.bnodes import row_labels

    def token(term: Term) -> str:
        return "_:" + term.value if term.kind == "bnode" else nt_term(term)

    def masked(triple: Triple) -> str:
        return " ".join("_:" if t.kind == "bnode" else nt_term(t) for t in triple)

    rows = [
        (token(s), token(p), token(o), "-")
        for s, p, o in sorted(triples, key=masked)
        if s.kind == "bnode" or o.kind == "bnode"
    ]
    digests = row_labels(rows)
    return sorted(blanks, key=lambda label: (digests.get(label, ""), label))


# --- Writers ---------------------------------------------------------------------------------


def ntriples(triples: list[Triple]) -> str:
    """One line per triple, in the given order."""
    return "".join(" ".join(nt_term(t) for t in triple) + " .\n" for triple in triples)


def turtle(triples: list[Triple], prefixes: dict[str, str]) -> str:
    """Turtle grouped by subject (IRIs first, then blank nodes), ``a`` first, sorted."""
    usable = {p: ns for p, ns in prefixes.items() if _PREFIX_NAME.fullmatch(p)}
    used: dict[str, str] = {}

    def name(term: Term) -> str:
        if term.kind == "bnode":
            return f"_:{term.value}"
        if term.kind == "literal":
            return _turtle_literal(term, name)
        short = _compact(term.value, usable)
        if short is None:
            return f"<{term.value}>"
        used[short[0]] = usable[short[0]]
        return f"{short[0]}:{short[1]}"

    subjects: dict[Term, dict[Term, list[Term]]] = defaultdict(lambda: defaultdict(list))
    for s, p, o in triples:
        subjects[s][p].append(o)
    blocks = []
    for subject in sorted(subjects, key=lambda t: (t.kind == "bnode", nt_term(t))):
        predicates = subjects[subject]
        lines = []
        for predicate in sorted(predicates, key=lambda t: (t.value != RDF_TYPE, t.value)):
            verb = "a" if predicate.value == RDF_TYPE else name(predicate)
            objects = ", ".join(name(o) for o in predicates[predicate])
            lines.append(f"{verb} {objects}")
        blocks.append(f"{name(subject)} " + " ;\n    ".join(lines) + " .\n")
    header = "".join(f"@prefix {p}: <{used[p]}> .\n" for p in sorted(used))
    return header + ("\n" if header and blocks else "") + "\n".join(blocks)


def _turtle_literal(term: Term, name: Any) -> str:
    text = f'"{escape(term.value)}"'
    if term.lang:
        return f"{text}@{term.lang}"
    if term.datatype:
        return f"{text}^^{name(Term('iri', term.datatype))}"
    return text


def _compact(iri: str, prefixes: dict[str, str]) -> tuple[str, str] | None:
    """The longest matching ``(prefix, local)`` whose local part is a plain name, if any."""
    best: tuple[str, str] | None = None
    for prefix, namespace in prefixes.items():
        if iri.startswith(namespace) and (best is None or len(namespace) > len(prefixes[best[0]])):
            local = iri[len(namespace) :]
            if _LOCAL_NAME.fullmatch(local):
                best = (prefix, local)
    return best


def jsonld(triples: list[Triple], prefixes: dict[str, str]) -> str:
    """Flattened JSON-LD: a context of the prefixes used and one node object per subject."""
    usable = {
        p: ns
        for p, ns in prefixes.items()
        if _PREFIX_NAME.fullmatch(p) and ns.endswith(("/", "#", ":", "?", "[", "]", "@"))
    }
    used: dict[str, str] = {}

    def compact(term: Term) -> str:
        if term.kind == "bnode":
            return f"_:{term.value}"
        short = _compact(term.value, usable)
        if short is None:
            return term.value
        used[short[0]] = usable[short[0]]
        return f"{short[0]}:{short[1]}"

    def value(term: Term) -> dict[str, str]:
        if term.kind != "literal":
            return {"@id": compact(term)}
        out = {"@value": term.value}
        if term.lang:
            out["@language"] = term.lang
        elif term.datatype:
            out["@type"] = compact(Term("iri", term.datatype))
        return out

    nodes: dict[Term, dict[str, Any]] = {}
    for s, p, o in triples:
        node = nodes.setdefault(s, {"@id": compact(s)})
        if p.value == RDF_TYPE and o.kind == "iri":
            node.setdefault("@type", []).append(compact(o))
        else:
            node.setdefault(compact(p), []).append(value(o))
    graph = [nodes[s] for s in sorted(nodes, key=lambda t: (t.kind == "bnode", nt_term(t)))]
    document = {"@context": dict(sorted(used.items())), "@graph": graph}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
