"""Readable labels for blank nodes: what the node says, not its name.

* an OWL restriction: ``hasPart some Valve``, ``hasPoint only Point``, ``hasUnit value m``,
  ``hasPart min 1 Valve``;
* a class expression: ``Valve or Damper``, ``Valve and (hasPart some Motor)``, ``not Valve``,
  ``{red, green}``;
* an ``rdf:List``: its members, ``(a, b, c)``;
* a SHACL shape: a node shape by its target (``shape of Valve``), a property shape by its
  path and what it requires (``hasPart: Valve``, ``label: min 1``);
* anything else: its type (``a Person``) or its first literal values (``[name: Carol]``).

Nested blank nodes are described in parentheses, a few levels deep; a cycle or a deeper
nesting gives ``…``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from kg.views.netread import OWL, RDF_IRI, RDF_TYPE, SH, is_blank, is_literal

FIRST, REST, NIL = RDF_IRI + "first", RDF_IRI + "rest", RDF_IRI + "nil"
MAX_DEPTH = 3
MAX_MEMBERS = 6
RESTRICTIONS = (
    ("someValuesFrom", "some"),
    ("allValuesFrom", "only"),
    ("hasValue", "value"),
)
CARDINALITIES = (
    ("minQualifiedCardinality", "min"),
    ("maxQualifiedCardinality", "max"),
    ("qualifiedCardinality", "exactly"),
    ("minCardinality", "min"),
    ("maxCardinality", "max"),
    ("cardinality", "exactly"),
)
PATH_MARKS = (("zeroOrMorePath", "*"), ("oneOrMorePath", "+"), ("zeroOrOnePath", "?"))
CONNECTIVES = (("unionOf", " or "), ("intersectionOf", " and "))
SHAPE_PARTS = (
    ("class", ""),
    ("datatype", ""),
    ("node", "node "),
    ("nodeKind", ""),
    ("hasValue", "= "),
    ("in", "in "),
    ("minCount", "min "),
    ("maxCount", "max "),
)


class _Outgoing(dict):
    """Each blank node's outgoing triples, ``{predicate: [objects]}``, made when first asked
    for from :func:`kg.views.bnodekeys.blank_links` (a view labels a few of a graph's blank
    nodes)."""

    def __init__(self, around: dict[str, list[tuple[str, str, Any]]]) -> None:
        super().__init__()
        self.around = around

    def get(self, blank: Any, default: Any = None) -> Any:
        if blank in self:
            return self[blank]
        links = self.around.get(blank)
        props: dict[str, list[Any]] = {}
        for p, direction, o in links or ():
            if direction == ">":
                props.setdefault(p, []).append(o)
        if not props:
            return default
        self[blank] = props
        return props


class BlankLabels:
    """Labels for the blank nodes of a graph given as ``(s, p, o)`` keys, or as the
    ``around`` of :func:`kg.views.bnodekeys.blank_links` (read only for the nodes labelled)."""

    def __init__(
        self,
        triples: Iterable[tuple[str, str, Any]] | None,
        name: Callable[[Any], str],
        keys: dict[str, str] | None = None,
        around: dict[str, list[tuple[str, str, Any]]] | None = None,
    ) -> None:
        if around is not None:
            self.out: dict[str, dict[str, list[Any]]] = _Outgoing(around)
        else:
            self.out = defaultdict(lambda: defaultdict(list))
            for s, p, o in triples or ():
                if is_blank(s):
                    self.out[s][p].append(o)
        self.name = name
        self.keys = keys or {}  # stable blank-node keys: which of several values comes first
        self.cache: dict[str, str] = {}

    def _order(self, value: Any) -> str:
        return self.keys.get(value, str(value)) if is_blank(value) else str(value)

    def label(self, blank: str) -> str:
        if blank not in self.cache:
            self.cache[blank] = self._describe(blank, 0, frozenset())
        return self.cache[blank]

    def _term(self, key: Any, depth: int, seen: frozenset[str]) -> str:
        if is_literal(key):
            return key.value
        if not is_blank(key):
            return self.name(key)
        if key in seen or depth >= MAX_DEPTH:
            return "…"
        text = self._describe(key, depth + 1, seen)
        return text if text.startswith(("(", "{", "[")) else f"({text})"

    def _one(self, props: dict[str, list[Any]], prop: str) -> Any:
        values = props.get(prop)
        return min(values, key=self._order) if values else None

    def _describe(self, blank: str, depth: int, seen: frozenset[str]) -> str:
        props = self.out.get(blank, {})
        seen = seen | {blank}
        if FIRST in props:
            return self._list(blank, depth, seen, "(", ")")
        owl = shacl = False
        for predicate in props:
            owl = owl or predicate.startswith(OWL)
            shacl = shacl or predicate.startswith(SH)
        if not (owl or shacl):  # none of the OWL or SHACL forms below: a plain resource
            return self._fallback(props, depth, seen)
        prop = self._one(props, OWL + "onProperty")
        if prop is not None:
            return self._restriction(props, self._term(prop, depth, seen), depth, seen)
        for local, word in CONNECTIVES:
            members = self._one(props, OWL + local)
            if members is not None:
                return word.join(self._members(members, depth, seen)) or "nothing"
        other = self._one(props, OWL + "complementOf")
        if other is not None:
            return "not " + self._term(other, depth, seen)
        one_of = self._one(props, OWL + "oneOf")
        if one_of is not None:
            return "{" + ", ".join(self._members(one_of, depth, seen)) + "}"
        if any(SH + local in props for local, _mark in PATH_MARKS) or (
            SH + "inversePath" in props or SH + "alternativePath" in props
        ):
            return self._path(blank, depth, seen - {blank})
        shape = self._shape(props, depth, seen)
        if shape:
            return shape
        return self._fallback(props, depth, seen)

    def _restriction(
        self, props: dict[str, list[Any]], prop: str, depth: int, seen: frozenset[str]
    ) -> str:
        for local, word in RESTRICTIONS:
            value = self._one(props, OWL + local)
            if value is not None:
                return f"{prop} {word} {self._term(value, depth, seen)}"
        if self._one(props, OWL + "hasSelf") is not None:
            return f"{prop} some Self"
        for local, word in CARDINALITIES:
            count = self._one(props, OWL + local)
            if count is not None:
                filler = self._one(props, OWL + "onClass") or self._one(props, OWL + "onDataRange")
                tail = f" {self._term(filler, depth, seen)}" if filler is not None else ""
                return f"{prop} {word} {self._term(count, depth, seen)}{tail}"
        return f"restriction on {prop}"

    def _members(self, head: Any, depth: int, seen: frozenset[str]) -> list[str]:
        """The labels of an rdf:List's members (at most :data:`MAX_MEMBERS`, then "…")."""
        members: list[str] = []
        node, visited = head, set()
        while is_blank(node) and node not in visited:
            visited.add(node)
            props = self.out.get(node, {})
            first = self._one(props, FIRST)
            if first is None:
                break
            if len(members) == MAX_MEMBERS:
                members.append("…")
                break
            members.append(self._term(first, depth, seen | visited))
            node = self._one(props, REST)
        return members

    def _list(self, blank: str, depth: int, seen: frozenset[str], start: str, end: str) -> str:
        return start + ", ".join(self._members(blank, depth, seen - {blank})) + end

    def _path(self, path: Any, depth: int, seen: frozenset[str]) -> str:
        if not is_blank(path):
            return self._term(path, depth, seen)
        props = self.out.get(path, {})
        if FIRST in props:
            return "/".join(self._members(path, depth, seen))
        inverse = self._one(props, SH + "inversePath")
        if inverse is not None:
            return "^" + self._path(inverse, depth, seen)
        alternative = self._one(props, SH + "alternativePath")
        if alternative is not None:
            return "|".join(self._members(alternative, depth, seen))
        for local, mark in PATH_MARKS:
            inner = self._one(props, SH + local)
            if inner is not None:
                return self._path(inner, depth, seen) + mark
        return self._term(path, depth, seen)

    def _shape(self, props: dict[str, list[Any]], depth: int, seen: frozenset[str]) -> str:
        path = self._one(props, SH + "path")
        requires = []
        for local, word in SHAPE_PARTS:
            value = self._one(props, SH + local)
            if value is not None:
                requires.append(word + self._term(value, depth, seen))
        if path is not None:
            text = self._path(path, depth, seen)
            return f"{text}: {', '.join(requires)}" if requires else f"path {text}"
        for local in ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf"):
            target = self._one(props, SH + local)
            if target is not None:
                return f"shape of {self._term(target, depth, seen)}"
        parts = [self._one(props, SH + local) for local in ("subject", "predicate", "object")]
        if all(part is not None for part in parts):  # a sh:TripleRule
            return "rule: " + " ".join(self._term(part, depth, seen) for part in parts)
        if requires:
            return "shape: " + ", ".join(requires)
        return ""

    def _fallback(self, props: dict[str, list[Any]], depth: int, seen: frozenset[str]) -> str:
        types = sorted(self.name(t) for t in props.get(RDF_TYPE, ()) if not is_blank(t))
        if types:
            return "a " + " and ".join(types)
        pairs = [
            f"{self.name(p)}: {v.value}"
            for p in sorted(props)
            for v in sorted(props[p], key=str)
            if is_literal(v)
        ]
        if not pairs:
            pairs = [
                f"{self.name(p)} {self._term(self._one(props, p), depth, seen)}"
                for p in sorted(props)
            ]
        if not pairs:
            return "anonymous"
        return "[" + "; ".join(pairs[:3]) + ("; …" if len(pairs) > 3 else "") + "]"
