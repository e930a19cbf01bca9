"""The seeded force layout (kg/views/layout.py): deterministic, finite, spread out, and faithful."""

from __future__ import annotations

import itertools
import random
import subprocess
import sys

import networkx as nx
import numpy as np
import pytest

from kg.views.layout import force_layout, near_pairs


def random_graph(n: int, seed: int = 11) -> tuple[list[str], list[tuple[str, str]]]:
    """``n`` nodes and about ``2 n`` edges, linked at random (a seeded gnm graph)."""
    g = nx.gnm_random_graph(n, 2 * n, seed=seed)
    nodes = [f"n{i}" for i in g.nodes]
    return nodes, [(f"n{u}", f"n{v}") for u, v in g.edges]


def as_array(positions: dict, nodes: list[str]) -> np.ndarray:
    return np.array([positions[node] for node in nodes])


def test_same_graph_and_seed_give_the_same_positions() -> None:
    nodes, edges = random_graph(1500)
    first = force_layout(nodes, edges, seed=5)
    assert force_layout(nodes, list(edges), seed=5) == first
    assert list(first) == nodes  # in the order given
    assert force_layout(nodes, edges, seed=6) != first


def test_positions_are_finite_and_centred() -> None:
    nodes, edges = random_graph(1500)
    pos = as_array(force_layout(nodes, edges, scale=100.0), nodes)
    assert np.isfinite(pos).all()
    assert np.abs(pos.mean(axis=0)).max() < 1e-6 * np.abs(pos).max()


def test_no_two_nodes_share_a_place() -> None:
    # a star and a chain of isolated nodes: many nodes pushed the same way at once
    nodes = [f"n{i}" for i in range(1200)]
    edges = [("n0", f"n{i}") for i in range(1, 600)]
    pos = as_array(force_layout(nodes, edges), nodes)
    assert len({tuple(p) for p in pos.tolist()}) == len(nodes)


def test_linked_nodes_sit_closer_than_random_pairs() -> None:
    nodes, edges = random_graph(2000)
    positions = force_layout(nodes, edges)
    pos = as_array(positions, nodes)
    index = {node: i for i, node in enumerate(nodes)}
    linked = np.array([[index[u], index[v]] for u, v in edges])
    edge = np.linalg.norm(pos[linked[:, 0]] - pos[linked[:, 1]], axis=1).mean()
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, len(nodes), size=(2, 20000))
    other = np.linalg.norm(pos[a[a != b]] - pos[b[a != b]], axis=1).mean()
    assert edge < 0.5 * other


def test_edges_to_unknown_nodes_and_loops_are_ignored() -> None:
    nodes = ["a", "b", "c"]
    pos = force_layout(nodes, [("a", "b"), ("b", "b"), ("c", "zzz")])
    assert set(pos) == set(nodes)
    assert force_layout([], [("a", "b")]) == {}
    assert np.isfinite(force_layout(["only"], [])["only"]).all()


@pytest.mark.parametrize("spread", [0.5, 5.0, 50.0])
def test_near_pairs_finds_exactly_the_close_pairs(spread: float) -> None:
    rng = np.random.default_rng(int(spread * 10))
    pos = rng.normal(0.0, spread, size=(400, 2))
    pos[:10] = pos[10]  # duplicates
    pos[20], pos[21] = (0.5, 0.25), (3.5, 0.25)  # exactly at the radius counts
    found = near_pairs(pos, 3.0)
    pairs = [tuple(sorted(p)) for p in found.tolist()]
    assert len(pairs) == len(set(pairs)), "a pair came twice"
    expected = {
        (i, j)
        for i, j in itertools.combinations(range(len(pos)), 2)
        if np.hypot(*(pos[i] - pos[j])) <= 3.0
    }
    assert set(pairs) == expected


def test_near_pairs_of_too_few_points() -> None:
    assert near_pairs(np.empty((0, 2)), 1.0).shape == (0, 2)
    assert near_pairs(np.zeros((1, 2)), 1.0).shape == (0, 2)
    assert near_pairs(np.zeros((2, 2)), 1.0).tolist() == [[0, 1]]


def test_layout_does_not_depend_on_edge_order() -> None:
    nodes, edges = random_graph(800)
    shuffled = edges[:]
    random.Random(3).shuffle(shuffled)
    assert force_layout(nodes, shuffled) == force_layout(nodes, edges)


def test_the_layout_needs_only_numpy() -> None:
    # scipy is not a dependency: the layout runs with it blocked (an import of it would fail)
    code = (
        "import sys; sys.modules['scipy'] = None\n"
        "from kg.views.layout import force_layout\n"
        "print(len(force_layout(list(range(50)), [(i, i + 1) for i in range(49)])))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "50"
