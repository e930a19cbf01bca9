"""Seeded force-directed positions for large graphs, computed in Python before the page loads.

A Fruchterman-Reingold layout whose repulsion is split in two, so one step costs about
O(n log n) instead of O(n^2): exact forces between nodes closer than a few edge lengths (pairs
from a k-d tree) and, for everything farther, the pull of a coarse grid of cell centroids. The
browser then draws fixed positions with physics off, so thousands of nodes are interactive at
once. Same graph and seed, same positions.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

import numpy as np
from scipy.spatial import cKDTree

EDGE_LENGTH = 1.0  # the ideal distance k between linked nodes, in layout units
NEAR = 3.0  # exact repulsion within NEAR * k
GRAVITY = 0.02  # pulls stray components back towards the centre
GRID = 12  # far-field repulsion comes from at most GRID x GRID cell centroids


def force_layout(
    nodes: list[Hashable],
    edges: Iterable[tuple[Hashable, Hashable]],
    *,
    seed: int = 7,
    iterations: int = 80,
    scale: float = 100.0,
) -> dict[Hashable, tuple[float, float]]:
    """Positions for ``nodes`` (in that order) given ``edges``, centred on 0, ``scale`` per k."""
    n = len(nodes)
    if n == 0:
        return {}
    index = {node: i for i, node in enumerate(nodes)}
    pairs = np.array(
        sorted({(index[u], index[v]) for u, v in edges if u != v and u in index and v in index}),
        dtype=np.int64,
    ).reshape(-1, 2)
    k = EDGE_LENGTH
    side = k * np.sqrt(n) * 1.5
    rng = np.random.default_rng(seed)
    pos = rng.uniform(-side / 2, side / 2, size=(n, 2))
    temperature = side / 8
    cooling = temperature / (iterations + 1)
    for _ in range(iterations):
        disp = _repulsion(pos, k, side) + _attraction(pos, pairs, k) - GRAVITY * pos
        length = np.maximum(np.linalg.norm(disp, axis=1), 1e-9)
        step = np.minimum(length, temperature)
        pos += disp / length[:, None] * step[:, None]
        temperature -= cooling
    pos -= pos.mean(axis=0)
    return {node: (float(pos[i, 0] * scale), float(pos[i, 1] * scale)) for node, i in index.items()}


def _attraction(pos: np.ndarray, pairs: np.ndarray, k: float) -> np.ndarray:
    """Spring forces d^2/k along each edge, towards each other."""
    force = np.zeros_like(pos)
    if len(pairs) == 0:
        return force
    delta = pos[pairs[:, 0]] - pos[pairs[:, 1]]
    dist = np.maximum(np.linalg.norm(delta, axis=1), 1e-9)
    pull = delta * (dist / k)[:, None]
    n = len(pos)
    for axis in (0, 1):
        force[:, axis] -= np.bincount(pairs[:, 0], pull[:, axis], minlength=n)
        force[:, axis] += np.bincount(pairs[:, 1], pull[:, axis], minlength=n)
    return force


def _repulsion(pos: np.ndarray, k: float, side: float) -> np.ndarray:
    """Forces k^2/d: exact for near pairs, through grid-cell centroids for far ones."""
    n = len(pos)
    force = np.zeros_like(pos)
    near = NEAR * k
    tree = cKDTree(pos)
    close = tree.query_pairs(near, output_type="ndarray")
    if len(close):
        delta = pos[close[:, 0]] - pos[close[:, 1]]
        dist2 = np.maximum(np.einsum("ij,ij->i", delta, delta), 1e-6)
        push = delta * (k * k / dist2)[:, None]
        for axis in (0, 1):
            force[:, axis] += np.bincount(close[:, 0], push[:, axis], minlength=n)
            force[:, axis] -= np.bincount(close[:, 1], push[:, axis], minlength=n)
    cells = max(1, min(GRID, int(np.sqrt(n) / 3)))
    low = pos.min(axis=0)
    span = np.maximum(pos.max(axis=0) - low, 1e-9)
    cell = np.minimum((((pos - low) / span) * cells).astype(np.int64), cells - 1)
    flat = cell[:, 0] * cells + cell[:, 1]
    mass = np.bincount(flat, minlength=cells * cells).astype(float)
    sums = np.stack([np.bincount(flat, pos[:, axis], cells * cells) for axis in (0, 1)], 1)
    occupied = np.nonzero(mass)[0]
    centroid = sums[occupied] / mass[occupied, None]
    delta = pos[:, None, :] - centroid[None, :, :]
    dist2 = np.einsum("ijk,ijk->ij", delta, delta)
    far = dist2 > near * near
    weight = np.where(far, mass[occupied][None, :] * k * k / np.maximum(dist2, 1e-6), 0.0)
    force += np.einsum("ij,ijk->ik", weight, delta)
    return force
