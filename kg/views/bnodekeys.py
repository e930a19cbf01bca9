"""Stable keys for blank nodes: the same graph gives the same keys, however it was parsed.

Parsers name blank nodes afresh on every load (Oxigraph at random), so a view keyed by those
names would change from run to run. Here a blank node's key comes from what surrounds it,
in time linear in the graph's size (no whole-graph canonicalisation, which explodes on long
blank-node chains):

1. a few rounds of colour refinement: each blank node's colour is a hash of its own triples
   (predicate, direction, and the other end: an IRI or literal as written, a blank node by
   its colour in the previous round), stopping early once no colour class splits; then
   each colour is mixed with its part's (the colours of all blank nodes linked to it);
2. a breadth-first walk from the named nodes in sorted order: a blank node first reached
   from node ``n`` over predicate ``p`` gets the hash of (the key of ``n``, ``p``, the
   direction, its colour, its rank among equal siblings). Blank nodes no named node reaches
   are walked from in order of colour.

Siblings of the same colour (same parent, predicate and direction), and the starting points
of parts no named node reaches, are told apart by a hash of their surroundings :data:`DEPTH`
links either way (refinement carried further for them alone). Two blank nodes get the same
rank only if that cannot tell them apart, which for the trees and lists RDF files hold means
they are interchangeable. Siblings that remain tied are keyed one at a time, each walked
before the next is picked, so ties inside a tied sibling's part are settled from its key
rather than from the parser's labels. A key is ``_:b`` and 16 hex digits.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict, deque
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from kg.terms import nt_term
from kg.views.netread import is_blank, is_literal

ROUNDS = 3
DEPTH = 12  # how far siblings of the same colour are compared (links either way)


def _hash(*parts: str) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=8).hexdigest()


def _plain(key: Any) -> str:
    return _nt_literal(key) if is_literal(key) else key


@lru_cache(maxsize=1 << 16)
def _nt_literal(key: Any) -> str:
    return nt_term(key)


Links = tuple[dict[str, list[tuple[str, str, Any]]], dict[str, list[tuple[str, str, str]]]]


def blank_links(triples: Iterable[tuple[str, str, Any]]) -> Links:
    """Each blank node's triples as ``(p, direction, other end)``, in the order given, and
    each IRI's or literal's links to blank nodes: what :func:`stable_keys` walks, and what
    :class:`kg.views.bnodelabels.BlankLabels` reads a blank node's description from."""
    around: dict[str, list[tuple[str, str, Any]]] = defaultdict(list)  # blank -> (p, dir, other)
    named: dict[str, list[tuple[str, str, str]]] = defaultdict(list)  # IRI -> (p, dir, blank)
    for s, p, o in triples:
        # Subjects are strings; an object is a string or a literal (a Term, not a str).
        o_blank = type(o) is str and o.startswith("_:")
        if s.startswith("_:"):
            around[s].append((p, ">", o))
            if o_blank:
                around[o].append((p, "<", s))
            elif type(o) is str:
                named[o].append((p, "<", s))
        elif o_blank:
            around[o].append((p, "<", s))
            named[s].append((p, ">", o))
    return around, named


def stable_keys(
    triples: Iterable[tuple[str, str, Any]] = (), *, links: Links | None = None
) -> dict[str, str]:
    """A stable key for every blank node of ``triples`` (``(s, p, o)`` keys, see netread),
    or of the :func:`blank_links` already read from them."""
    around, named = links if links is not None else blank_links(triples)
    if not around:
        return {}
    colour = _refine(around)
    keys: dict[str, str] = {}
    queue: deque[str] = deque()

    deep: dict[tuple[str, int], str] = {}

    # Tied siblings wait here, each entry (parent key, siblings in order, next position,
    # ranks so far): they are keyed one at a time, each walked before the next is picked,
    # so a tied sibling's own ties are settled by its key, not by the parser's labels.
    pending: list[tuple[str, list[tuple[str, str, str, str, str]], list[int], dict]] = []

    def reach(parent_key: str, links: list[tuple[str, str, Any]]) -> None:
        found = {(p, d, colour[b], b) for p, d, b in links if is_blank(b) and b not in keys}
        ties: dict[tuple[str, str, str], int] = defaultdict(int)
        for p, d, c, _b in found:
            ties[(p, d, c)] += 1
        children = sorted(  # equal colours: told apart by their wider surroundings
            (p, d, c, _tree(b, around, colour, DEPTH, deep) if ties[(p, d, c)] > 1 else "", b)
            for p, d, c, b in found
        )
        classes: dict[tuple[str, str, str, str], int] = defaultdict(int)
        for p, d, c, t, _b in children:
            classes[(p, d, c, t)] += 1
        tied = [child for child in children if classes[child[:4]] > 1]
        for p, d, c, t, b in children:
            if classes[(p, d, c, t)] == 1 and b not in keys:
                keys[b] = "_:b" + _hash(parent_key, p, d, c, t, "0")
                queue.append(b)
        if tied:
            pending.append((parent_key, tied, [0], defaultdict(int)))

    def next_tied() -> bool:
        """Key the next tied sibling still unkeyed; False when none is left."""
        while pending:
            parent_key, tied, position, rank = pending[-1]
            while position[0] < len(tied):
                p, d, c, t, b = tied[position[0]]
                position[0] += 1
                if b not in keys:
                    keys[b] = "_:b" + _hash(parent_key, p, d, c, t, str(rank[(p, d, c, t)]))
                    rank[(p, d, c, t)] += 1
                    queue.append(b)
                    return True
            pending.pop()
        return False

    def walk() -> None:
        while True:
            while queue:
                blank = queue.popleft()
                reach(keys[blank], [(p, d, o) for p, d, o in around[blank] if not is_literal(o)])
            if not next_tied():
                return

    for iri in sorted(named):
        reach(iri, named[iri])
        walk()
    roots: dict[tuple[str, str], int] = defaultdict(int)
    left = sorted(
        (colour[b], _tree(b, around, colour, DEPTH, deep), b) for b in around if b not in keys
    )
    for c, t, b in left:
        if b in keys:
            continue
        keys[b] = "_:b" + _hash("root", c, t, str(roots[(c, t)]))
        roots[(c, t)] += 1
        queue.append(b)
        walk()
    return keys


def _tree(
    blank: str,
    around: dict[str, list[tuple[str, str, Any]]],
    colour: dict[str, str],
    depth: int,
    memo: dict[tuple[str, int], str],
) -> str:
    """A hash of ``blank``'s surroundings, blank nodes followed ``depth`` links either way.

    Colour refinement carried ``depth`` rounds further for this node alone (memoised); it
    depends on nothing but the graph, so the order it is asked in cannot change it.
    """
    if depth == 0:
        return colour[blank]
    if (blank, depth) not in memo:
        parts = sorted(
            p + d + (_tree(o, around, colour, depth - 1, memo) if is_blank(o) else _plain(o))
            for p, d, o in around[blank]
        )
        memo[(blank, depth)] = _hash(colour[blank], *parts)
    return memo[(blank, depth)]


def _refine(around: dict[str, list[tuple[str, str, Any]]]) -> dict[str, str]:
    """Colour refinement from each blank node's own triples, at most :data:`ROUNDS` rounds."""
    fixed: dict[str, list[str]] = {}  # links to IRIs and literals, as text, sorted
    linked: dict[str, list[tuple[str, str]]] = {}  # links to blank nodes: (p + dir, blank)
    for b, links in around.items():
        fixed[b] = sorted(p + d + _plain(o) for p, d, o in links if not is_blank(o))
        linked[b] = [(p + d, o) for p, d, o in links if is_blank(o)]
    colour = {b: _hash(*fixed[b], *sorted(pd for pd, _o in linked[b])) for b in around}
    classes = len(set(colour.values()))
    for _ in range(ROUNDS):
        new = {
            b: _hash(colour[b], *sorted(pd + colour[o] for pd, o in linked[b])) if linked[b]
            else colour[b]
            for b in around
        }
        count = len(set(new.values()))
        colour = new
        if count == classes:
            break
        classes = count
    return _with_parts(colour, linked)


def _with_parts(colour: dict[str, str], linked: dict[str, list[tuple[str, str]]]) -> dict[str, str]:
    """Each linked blank node's colour mixed with its part's: the sorted colours of every
    blank node linked to it at any distance.

    Refinement cannot tell a node of a 2-cycle from one of a 3-cycle (each has one link in
    and one out, to a node like itself); their parts' colours differ (two members, three),
    so neither the walk's roots nor siblings tie across them, and which part is walked
    first no longer depends on the parser's labels.
    """
    out = dict(colour)
    done: set[str] = set()
    for start, links in linked.items():
        if not links or start in done:
            continue  # a blank node linked to no other keeps its colour
        done.add(start)
        members = [start]
        for member in members:  # grows as it goes: a breadth-first walk without recursion
            for _pd, other in linked[member]:
                if other not in done:
                    done.add(other)
                    members.append(other)
        signature = _hash(*sorted(colour[m] for m in members))
        for member in members:
            out[member] = _hash(colour[member], signature)
    return out
