"""Seeded force-directed positions for large graphs, computed in Python before the page loads.

A Fruchterman-Reingold layout whose repulsion is split in two, so one step costs about
O(n log n) instead of O(n^2): exact forces between nodes closer than a few edge lengths (pairs
from a cell list, :func:`near_pairs`, in numpy alone) and, for everything farther, the pull of
a coarse grid of cell centroids. The browser then draws fixed positions with physics off, so
thousands of nodes are interactive at once. Same graph and seed, same positions.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

import numpy as np

EDGE_LENGTH = 1.0  # the ideal distance k between linked nodes, in layout units
NEAR = 3.0  # exact repulsion within NEAR * k
GRAVITY = 0.02  # pulls stray components back towards the centre
GRID = 12  # far-field repulsion comes from at most GRID x GRID cell centroids
STRIPS = 2  # near pairs are searched in strips NEAR * k / STRIPS wide


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
        disp = _repulsion(pos, k) + _attraction(pos, pairs, k) - GRAVITY * pos
        length = np.maximum(np.linalg.norm(disp, axis=1), 1e-9)
        step = np.minimum(length, temperature)
        pos += disp / length[:, None] * step[:, None]
        temperature -= cooling
    pos -= pos.mean(axis=0)
    return {node: (float(pos[i, 0] * scale), float(pos[i, 1] * scale)) for node, i in index.items()}


def _columns(pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The x and y coordinates as two contiguous arrays (gathers from them are fast)."""
    return np.ascontiguousarray(pos[:, 0]), np.ascontiguousarray(pos[:, 1])


def _accumulate(
    n: int, tail: np.ndarray, head: np.ndarray, fx: np.ndarray, fy: np.ndarray
) -> np.ndarray:
    """Per-node sums of pair forces ``(fx, fy)``: ``+`` on each ``tail``, ``-`` on each ``head``."""
    force = np.empty((n, 2))
    force[:, 0] = np.bincount(tail, fx, minlength=n) - np.bincount(head, fx, minlength=n)
    force[:, 1] = np.bincount(tail, fy, minlength=n) - np.bincount(head, fy, minlength=n)
    return force


def _attraction(pos: np.ndarray, pairs: np.ndarray, k: float) -> np.ndarray:
    """Spring forces d^2/k along each edge, towards each other."""
    if len(pairs) == 0:
        return np.zeros_like(pos)
    x, y = _columns(pos)
    tail, head = pairs[:, 0], pairs[:, 1]
    dx, dy = x[tail] - x[head], y[tail] - y[head]
    pull = np.maximum(np.sqrt(dx * dx + dy * dy), 1e-9) / k
    return _accumulate(len(pos), tail, head, -dx * pull, -dy * pull)


def _repulsion(pos: np.ndarray, k: float) -> np.ndarray:
    """Forces k^2/d: exact for near pairs, through grid-cell centroids for far ones."""
    return _near_repulsion(pos, k, NEAR * k) + _far_repulsion(pos, k, NEAR * k)


def _near_repulsion(pos: np.ndarray, k: float, near: float) -> np.ndarray:
    """Forces k^2/d between every two nodes at most ``near`` apart, away from each other."""
    n = len(pos)
    order, tail, head = _candidates(pos, near)
    x, y = _columns(pos[order])
    dx, dy = x[tail] - x[head], y[tail] - y[head]
    dist2 = dx * dx + dy * dy
    # candidates farther than ``near`` weigh nothing (adding 0.0 leaves every sum as it was)
    weight = np.where(dist2 <= near * near, k * k / np.maximum(dist2, 1e-6), 0.0)
    force = np.empty((n, 2))
    force[order] = _accumulate(n, tail, head, dx * weight, dy * weight)
    return force


def _far_repulsion(pos: np.ndarray, k: float, near: float) -> np.ndarray:
    """Forces k^2/d from the nodes farther than ``near``, each coarse grid cell as one mass."""
    n = len(pos)
    cells = max(1, min(GRID, int(np.sqrt(n) / 3)))
    low = pos.min(axis=0)
    span = np.maximum(pos.max(axis=0) - low, 1e-9)
    cell = np.minimum((((pos - low) / span) * cells).astype(np.int64), cells - 1)
    flat = cell[:, 0] * cells + cell[:, 1]
    mass = np.bincount(flat, minlength=cells * cells).astype(float)
    occupied = np.nonzero(mass)[0]
    x, y = _columns(pos)
    cx = np.bincount(flat, x, cells * cells)[occupied] / mass[occupied]
    cy = np.bincount(flat, y, cells * cells)[occupied] / mass[occupied]
    dx = x[:, None] - cx[None, :]
    dy = y[:, None] - cy[None, :]
    dist2 = dx * dx + dy * dy
    weight = np.zeros_like(dist2)
    np.divide(mass[occupied] * (k * k), dist2, out=weight, where=dist2 > near * near)
    force = np.empty((n, 2))
    force[:, 0] = np.einsum("ij,ij->i", weight, dx)
    force[:, 1] = np.einsum("ij,ij->i", weight, dy)
    return force


def near_pairs(pos: np.ndarray, radius: float) -> np.ndarray:
    """Index pairs ``(i, j)``, each once, of points at most ``radius`` apart; shape (m, 2)."""
    order, tail, head = _candidates(pos, radius)
    delta = pos[order[tail]] - pos[order[head]]
    keep = np.einsum("ij,ij->i", delta, delta) <= radius * radius
    return np.stack([order[tail[keep]], order[head[keep]]], axis=1)


def _candidates(pos: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair of points that may be at most ``radius`` apart, each once: a cell list.

    Returns ``order`` (the points sorted by strip, then by y) and the pairs as two arrays of
    positions in that order. Points are binned into vertical strips ``radius / STRIPS`` wide;
    a point's partners in its own strip or in one of the next ``STRIPS`` strips then lie in
    one run of the order each (those within the y-window the strips' x-gap leaves), found by
    binary search. About 1.5 candidates per pair within ``radius`` (a square grid of cells
    ``radius`` wide gives 2.9), in a fixed order, so the result depends only on ``pos``.
    """
    n = len(pos)
    if n < 2:
        none = np.empty(0, dtype=np.int64)
        return np.arange(n), none, none
    width = radius / STRIPS
    strip = np.floor((pos[:, 0] - pos[:, 0].min()) / width)
    y = pos[:, 1] - pos[:, 1].min()
    stride = float(y.max()) + 4 * radius  # a strip's keys never reach the next strip's
    key = strip * stride + y
    order = np.argsort(key, kind="stable")
    key, strip, y = key[order], strip[order], y[order]
    pad = 1e-9 * radius  # keys are rounded: take a hair more, the caller measures each pair
    lows = [np.arange(1, n + 1)]  # own strip: the points after this one, up to y + radius
    highs = [np.searchsorted(key, key + (radius + pad), side="right")]
    for step in range(1, STRIPS + 1):
        gap = (step - 1) * width
        reach = np.sqrt(radius * radius - gap * gap) + pad
        base = (strip + step) * stride + y
        lows.append(np.searchsorted(key, base - reach, side="left"))
        highs.append(np.searchsorted(key, base + reach, side="right"))
    low, high = np.concatenate(lows), np.concatenate(highs)
    sizes = np.maximum(high - low, 0)
    tail = np.repeat(np.tile(np.arange(n), STRIPS + 1), sizes)
    head = np.repeat(low - (np.cumsum(sizes) - sizes), sizes) + np.arange(len(tail))
    return order, tail, head
