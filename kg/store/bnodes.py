"""Stable blank-node labels computed from content, for pyoxigraph quads or N-Triples rows.

Oxigraph gives anonymous blank nodes random ids on every load, so anything written from it
(exports, skolem IRIs, the view's node keys) relabels them first. Each blank node gets a hex
digest computed only from the statements around it:

1. its first colour hashes its own statements, other blank nodes masked;
2. within each group of blank nodes linked by statements, colours are rehashed with the
   neighbours' colours (colour refinement) until the classes stop splitting, for at most
   :data:`MAX_ROUNDS` rounds, so the work stays linear even on a 100,000-node chain; the
   group's signature (all its colours) is then mixed in, so the same list tail in two
   different lists is told apart;
3. nodes that still share a colour are named by a traversal from the nodes whose colour is
   unique (breadth first, statements in sorted order, no recursion): a tied node takes the
   digest of the node it was reached from, the statement, and its rank among the nodes that
   statement reaches. Interchangeable nodes (two identical evidence records on one concept)
   give the same output whichever is reached first.

Not RDFC-1.0 (pyoxigraph's ``Dataset.canonicalize`` is exponential on long chains): nodes
that the bounded refinement cannot tell apart and that hang from the same node by the same
statement (structures that differ only more than MAX_ROUNDS links away) are ranked in input
order; everything else is independent of labels, hash seeds and order.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterable

import pyoxigraph as ox

MAX_ROUNDS = 8
Row = tuple[str, str, str, str]  # N-Triples tokens (s, p, o, g); a blank node is "_:" + label


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _token(term: object) -> str:
    if type(term) is ox.DefaultGraph:
        return "-"
    return str(term)


def labels(quads: Iterable[ox.Quad]) -> dict[str, str]:
    """A hex digest for each blank node of ``quads``, keyed by the blank node's own label.

    Only statements holding a blank node matter; others may be given or left out.
    """
    rows = []
    blank = ox.BlankNode
    for quad in quads:
        subject, obj = quad.subject, quad.object
        if type(subject) is blank or type(obj) is blank:
            rows.append((str(subject), str(quad.predicate), str(obj), _token(quad.graph_name)))
    return row_labels(rows)


def row_labels(rows: Iterable[Row]) -> dict[str, str]:
    """:func:`labels` for statements given as N-Triples tokens ``(s, p, o, g)``.

    A blank node is ``"_:" + label`` (as subject or object); ``g`` is the graph's token, or
    any constant (``"-"``, ``""``) for the default graph. Returns label (without ``_:``) ->
    a 64-digit hex digest.
    """
    number: dict[str, int] = {}
    tokens: list[str] = []
    # Per node: the statements holding only itself (fixed), and those linking other nodes.
    fixed: list[list[str]] = []
    linked: Linked = []
    get = number.get

    def new(token: str) -> int:
        node = number[token] = len(tokens)
        tokens.append(token)
        fixed.append([])
        linked.append([])
        return node

    for s, p, o, g in rows:
        if s[:2] == "_:":
            si = get(s)
            if si is None:
                si = new(s)
            if o[:2] == "_:":
                oi = get(o)
                if oi is None:
                    oi = new(o)
                if oi == si:
                    fixed[si].append(f"@ {p} @ {g}")
                else:
                    template = (si, p, oi, g)
                    linked[si].append(template)
                    linked[oi].append(template)
            else:
                fixed[si].append(f"@ {p} {o} {g}")
        elif o[:2] == "_:":
            oi = get(o)
            if oi is None:
                oi = new(o)
            fixed[oi].append(f"{s} {p} @ {g}")
    if not tokens:
        return {}
    count = len(tokens)
    colours = [""] * count
    done = [False] * count
    groups: list[list[int]] = []
    for start in range(count):
        if done[start]:
            continue
        rows_of = fixed[start]
        rows_of.sort()
        if not linked[start]:  # alone: its own statements are all there is
            done[start] = True
            colours[start] = _digest("alone\n" + "\n".join(rows_of))
            groups.append([start])
            continue
        group = _group(start, linked, done)
        groups.append(group)
        statics = {}
        for node in group:
            mine = fixed[node]
            mine.sort()
            statics[node] = "\n".join(mine)
        _settle(group, statics, linked, colours)
    return _untie([t[2:] for t in tokens], groups, linked, colours)


Linked = list[list[tuple[object, str, object, str]]]


def _group(start: int, linked: Linked, done: list[bool]) -> list[int]:
    """The nodes linked to ``start`` (iteratively), marked done."""
    done[start] = True
    found = [start]
    todo = [start]
    while todo:
        node = todo.pop()
        for s, _, o, _ in linked[node]:
            for t in (s, o):
                if not done[t]:  # type: ignore[index]
                    done[t] = True  # type: ignore[index]
                    found.append(t)  # type: ignore[arg-type]
                    todo.append(t)  # type: ignore[arg-type]
    return found


def _row_key(template: tuple[object, str, object, str], me: int, colours: list[str]) -> str:
    s, p, o, g = template
    subject = "@" if s == me else "_:" + colours[s]  # type: ignore[index]
    obj = "@" if o == me else "_:" + colours[o]  # type: ignore[index]
    return f"{subject} {p} {obj} {g}"


def _settle(
    group: list[int],
    statics: dict[int, str],
    linked: list[list[tuple[int, tuple[object, ...]]]],
    colours: list[str],
) -> None:
    """Refine one group's colours (bounded rounds), then mix in the group's signature."""
    first = [  # neighbours masked: every colour in the group is still ""
        _digest(statics[n] + "\n" + "\n".join(sorted(_row_key(t, n, colours) for t in linked[n])))
        for n in group
    ]
    for node, colour in zip(group, first, strict=True):
        colours[node] = colour
    classes = len(set(first))
    if classes < len(group):  # all distinct already: refinement cannot split further
        for _ in range(MAX_ROUNDS):
            updated = [
                _digest(colours[n] + "\n" + "\n".join(
                    sorted(_row_key(t, n, colours) for t in linked[n])
                ))
                for n in group
            ]
            for node, colour in zip(group, updated, strict=True):
                colours[node] = colour
            grown = len(set(updated))
            if grown <= classes:
                break
            classes = grown
    signature = _digest("\n".join(sorted(colours[n] for n in group)))
    for node in group:
        colours[node] = _digest(signature + colours[node])


def _untie(
    names: list[str],
    groups: list[list[int]],
    linked: list[list[tuple[int, tuple[object, ...]]]],
    colours: list[str],
) -> dict[str, str]:
    """Final labels: a unique colour stays; tied nodes are named by a traversal."""
    members: dict[str, int] = {}
    for colour in colours:
        members[colour] = members.get(colour, 0) + 1
    final: list[str | None] = [c if members[c] == 1 else None for c in colours]
    starts: dict[str, int] = {}
    # Groups in colour order, so a tie across groups is broken the same way every time.
    tied_groups = [g for g in groups if any(final[n] is None for n in g)]
    tied_groups.sort(key=lambda g: min(colours[n] for n in g))
    for group in tied_groups:
        queue = deque(sorted((n for n in group if final[n] is not None), key=colours.__getitem__))
        while True:
            while queue:
                node = queue.popleft()
                label = final[node]
                assert label is not None
                ranks: dict[str, int] = {}
                keyed = [(_row_key(t, node, colours), t) for t in linked[node]]
                keyed.sort(key=lambda pair: pair[0])
                for key, (s, _, o, _) in keyed:
                    for t in (s, o):
                        if final[t] is None:  # type: ignore[index]
                            rank = ranks.get(key, 0)
                            ranks[key] = rank + 1
                            final[t] = _digest(f"{label}\n{key}\n{rank}")
                            queue.append(t)
            left = [n for n in group if final[n] is None]
            if not left:
                break
            first = min(left, key=colours.__getitem__)  # no unique node left to start from
            rank = starts.get(colours[first], 0)
            starts[colours[first]] = rank + 1
            final[first] = _digest(f"{colours[first]}/start/{rank}")
            queue.append(first)
    return {name: label for name, label in zip(names, final, strict=True)}  # type: ignore[misc]
