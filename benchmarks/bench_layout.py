"""Benchmark ``kg.views.layout.force_layout``: wall time and a few quality numbers per graph size.

Graphs are seeded networkx ``gnm_random_graph``s with two edges per node (5k, 20k and 50k
nodes by default). Each size is laid out ``--repeat`` times in this process by each layout
(kg's own, and any ``--against`` file, taking turns so that both see the same load); the table
shows the median wall time (and CPU time, steadier on a shared machine) and the layout's
quality:

* ``edge / nn``: mean edge length over mean nearest-neighbour distance (lower is tighter:
  linked nodes sit about as close as any two nodes may);
* ``edge / random``: mean edge length over the mean distance of random node pairs (well
  below 1: linked nodes are closer than unlinked ones);
* ``min nn``: the smallest distance between two nodes, in edge lengths (0 means overlap);
* ``< 0.1 k``: nodes whose nearest neighbour is closer than a tenth of an edge length.

    python benchmarks/bench_layout.py                        # 5k, 20k, 50k; median of 3
    python benchmarks/bench_layout.py --sizes 5000 --repeat 5
    git show main:kg/views/layout.py > /tmp/old_layout.py          # against another version
    python benchmarks/bench_layout.py --against /tmp/old_layout.py

The nearest-neighbour distances are computed here with a sort-and-sweep in numpy, so the
benchmark needs nothing beyond the core install.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import networkx as nx
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

Layout = Callable[..., dict]


def load_layout(impl: str | None) -> tuple[str, Layout]:
    """``force_layout`` from the file ``impl`` (another version of kg/views/layout.py), or
    kg's own."""
    if impl is None:
        from kg.views.layout import force_layout

        return "kg", force_layout
    spec = importlib.util.spec_from_file_location("other_layout", impl)
    assert spec and spec.loader, f"cannot import {impl}"
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return impl, module.force_layout


def nearest_distances(pos: np.ndarray) -> np.ndarray:
    """Each point's distance to its nearest other point (sweep over x-sorted points)."""
    n = len(pos)
    order = np.argsort(pos[:, 0], kind="stable")
    p = pos[order]
    best = np.full(n, np.inf)
    shift = 1
    while shift < n:
        dx = p[shift:, 0] - p[:-shift, 0]
        if not np.any(dx < np.maximum(best[shift:], best[:-shift])):
            break  # no pair this far apart in x can beat either point's best
        d = np.hypot(dx, p[shift:, 1] - p[:-shift, 1])
        best[shift:] = np.minimum(best[shift:], d)
        best[:-shift] = np.minimum(best[:-shift], d)
        shift += 1
    out = np.empty(n)
    out[order] = best
    return out


def quality(pos: np.ndarray, edges: np.ndarray, scale: float, seed: int = 0) -> dict[str, float]:
    """The quality numbers of the table, in edge lengths (positions divided by ``scale``)."""
    p = pos / scale
    edge = np.linalg.norm(p[edges[:, 0]] - p[edges[:, 1]], axis=1).mean()
    nn = nearest_distances(p)
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, len(p), size=(2, 20000))
    keep = a != b
    rand = np.linalg.norm(p[a[keep]] - p[b[keep]], axis=1).mean()
    return {
        "edge/nn": float(edge / nn.mean()),
        "edge/random": float(edge / rand),
        "min nn": float(nn.min()),
        "close": float(np.count_nonzero(nn < 0.1)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,20000,50000", help="node counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size and layout (median)")
    parser.add_argument("--seed", type=int, default=42, help="graph seed")
    parser.add_argument(
        "--against", action="append", default=[],
        help="another kg/views/layout.py file to measure too",
    )
    args = parser.parse_args()

    layouts = [load_layout(None)] + [load_layout(path) for path in args.against]
    scale = 100.0
    print(f"median of {args.repeat} runs, taking turns; graphs: gnm_random_graph(n, 2n)")
    print(
        "| layout | nodes | edges | layout s (median) | runs s | CPU s (median) | edge / nn "
        "| edge / random | min nn (k) | nn < 0.1 k |"
    )
    print("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    for size in (int(s) for s in args.sizes.split(",")):
        g = nx.gnm_random_graph(size, 2 * size, seed=args.seed)
        nodes = list(g.nodes)
        edges = list(g.edges)
        times: dict[str, list[float]] = {name: [] for name, _ in layouts}
        cpu: dict[str, list[float]] = {name: [] for name, _ in layouts}
        last: dict[str, dict] = {}
        for _ in range(args.repeat):
            for name, force_layout in layouts:
                start, start_cpu = time.perf_counter(), time.process_time()
                last[name] = force_layout(nodes, edges, seed=7, scale=scale)
                times[name].append(time.perf_counter() - start)
                cpu[name].append(time.process_time() - start_cpu)
        for name, _ in layouts:
            pos = np.array([last[name][v] for v in nodes])
            q = quality(pos, np.array(edges, dtype=np.int64), scale)
            runs = ", ".join(f"{t:.2f}" for t in times[name])
            print(
                f"| {name} | {size} | {len(edges)} | {statistics.median(times[name]):.2f} "
                f"| {runs} | {statistics.median(cpu[name]):.2f} | {q['edge/nn']:.2f} "
                f"| {q['edge/random']:.3f} | {q['min nn']:.3f} | {q['close']:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
