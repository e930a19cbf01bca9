"""Benchmark the HTML view on a large synthetic graph: write time and time to interactive.

Generates a seeded synthetic graph shaped like the bundled one (``generate.py``; 5,000 concepts
by default), then measures, in one run on this machine:

* ``kg``: RDF -> networkx (``kg.to_networkx``), the page write (``kg.views.view.write_html``: layout
  in Python above the threshold, physics off), and the time until the page is drawn and
  answers in headless Chromium (``window.kgView.ready``, then a search-and-focus round trip);
* the baseline: the same networkx graph through pyvis's defaults (``Network.from_nx``,
  ``write_html`` with ``cdn_resources="in_line"``: physics on, stabilisation then drawing),
  timed until vis-network reports the network stabilised, bounded by ``--baseline-timeout``.

    python benchmarks/bench_viz.py                 # 5,000 nodes, with the baseline
    python benchmarks/bench_viz.py --nodes 500 --no-baseline
    python benchmarks/bench_viz.py --files tests/corpus/*.ttl big.nt   # the command line

``--files`` times the command line instead: for each file, separate processes of bare
pyoxigraph parsing it (the floor, ``Store.load``) and of ``kg viz`` on the whole file, with
``--focus`` (its most connected node) and with ``--classes`` (its most common class that the
view draws: not evidence records, statements or other folded types), each
the median of ``--repeat`` runs, wall and CPU time (``os.wait4``), against the goal of
2 x parse + 5 s (for the class summary of a file over 20 MB, 2 x parse); and of ``kg
export -f graphml`` (the same property graph, as a file) against 2 x parse + 5 s.

Prints one Markdown table row per variant. Every request other than ``file:`` is aborted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import generate  # noqa: E402

from kg.store import oxengine  # noqa: E402
from kg.views.netread import FOLDED_TYPES, GENERIC_CLASSES, W3C_NAMESPACES  # noqa: E402
from kg.views.network import to_networkx  # noqa: E402
from kg.views.view import write_html  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TRIPLES_PER_NODE = 2 * generate.TRIPLES_PER_CONCEPT
READY = "() => !!(window.kgView && window.kgView.ready)"


def poll(page, function: str, timeout: float, interval: float = 0.05) -> bool:
    """Evaluate ``function`` until it returns true (False past ``timeout`` seconds).

    Not wait_for_function: it evaluates with eval, which the kg page's CSP forbids.
    """
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            if page.evaluate(function):
                return True
        except Exception:  # the page is still loading: its context is not there yet
            pass
        time.sleep(interval)
    return False


def time_to_interactive(
    browser, path: Path, ready: str, timeout: float
) -> tuple[float | None, int]:
    """Seconds from navigation until ``ready`` is true (None past ``timeout``), and requests."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    blocked: list[str] = []

    def route(r) -> None:
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    start = time.perf_counter()
    page.goto(path.as_uri(), wait_until="commit", timeout=timeout * 1000)
    elapsed = time.perf_counter() - start if poll(page, ready, timeout) else None
    context.close()
    return elapsed, len(blocked)


def kg_interaction(browser, path: Path) -> float:
    """Seconds for a search + focus + neighbourhood highlight once the page is ready."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    page.goto(path.as_uri())
    poll(page, READY, 600.0)
    label, node = page.evaluate(
        "() => { const d = kgView.data, i = d.info.length - 1;"
        " return [d.info[i][1], d.nodes[i].id]; }"
    )
    start = time.perf_counter()
    page.fill("#kg-search", label)
    page.press("#kg-search", "Enter")
    # selected, and the view has finished moving to it
    done = (
        "id => network.getSelectedNodes().includes(id) && (function () {"
        " const p = network.getPosition(id), v = network.getViewPosition();"
        " return Math.hypot(p.x - v.x, p.y - v.y) < 2; })()"
    )
    deadline = time.perf_counter() + 60
    while not page.evaluate(done, node) and time.perf_counter() < deadline:
        time.sleep(0.01)
    elapsed = time.perf_counter() - start
    context.close()
    return elapsed


def baseline_page(nxg, path: Path) -> float:
    """Write the pyvis-defaults page; return the seconds it took."""
    from pyvis.network import Network

    start = time.perf_counter()
    net = Network(directed=True, cdn_resources="in_line")
    plain = type(nxg)()
    for node, data in nxg.nodes(data=True):
        plain.add_node(node, label=str(data.get("label", node)), title=str(data.get("class", "")))
    for u, v, data in nxg.edges(data=True):
        plain.add_edge(u, v, title=str(data.get("label", "")))
    net.from_nx(plain)
    net.write_html(str(path))
    return time.perf_counter() - start


def fmt(value: float | None, bound: float | None = None) -> str:
    if value is None:
        return f"> {bound:.0f}" if bound is not None else "n/a"
    return f"{value:.2f}"


PARSE = (
    "import sys, pyoxigraph as ox; from pathlib import Path; p = Path(sys.argv[1]); "
    "fmt = ox.RdfFormat.N_TRIPLES if p.suffix == '.nt' else ox.RdfFormat.TURTLE; "
    "ox.Store().load(path=str(p), format=fmt, base_iri=p.resolve().as_uri())"
)


def timed(command: list[str]) -> tuple[float, float, str]:
    """Wall and CPU seconds of one process, and its standard error."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    error = process.stderr.read() if process.stderr else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {error.strip()}")
    return wall, usage.ru_utime + usage.ru_stime, error


def median_of(command: list[str], repeat: int) -> tuple[float, float, str]:
    runs = [timed(command) for _ in range(repeat)]
    return (
        statistics.median(r[0] for r in runs),
        statistics.median(r[1] for r in runs),
        runs[-1][2],
    )


BIG_FILE = 20_000_000  # bytes; above, the variants are chosen with SPARQL alone
HUB = """SELECT ?node WHERE {
  { SELECT ?node (COUNT(*) AS ?n) WHERE { ?node ?p ?o . FILTER(isIRI(?o)) }
    GROUP BY ?node ORDER BY DESC(?n) ?node LIMIT 50 }
  ?node <http://www.w3.org/2004/02/skos/core#prefLabel> ?label .
} LIMIT 1"""


def scopes(path: Path) -> dict[str, list[str]]:
    """The options of each variant: the whole file, its most connected node, its top class."""
    from collections import Counter

    from kg.resources import internal_query

    graph = oxengine.load([path])
    variants: dict[str, list[str]] = {"whole": []}
    if path.stat().st_size > BIG_FILE:
        hubs = graph.select(HUB)
        counts = graph.select(internal_query("view-summary-classes"))
        if hubs:
            variants["--focus"] = ["--focus", hubs[0][0].value]
        hidden = FOLDED_TYPES | GENERIC_CLASSES  # never drawn as resources of their own
        counts = [
            row
            for row in counts
            if not row[0].value.startswith(W3C_NAMESPACES) and row[0].value not in hidden
        ]
        if counts:
            top = max(counts, key=lambda row: (int(row[1].value), row[0].value))
            variants["--classes"] = ["--classes", top[0].value]
        return variants
    nxg = to_networkx(graph)
    named = [n for n, d in nxg.nodes(data=True) if d["kind"] == "iri"]
    if named:
        variants["--focus"] = ["--focus", max(named, key=lambda n: (nxg.degree(n), n))]
        common = Counter(d["class_iri"] for _n, d in nxg.nodes(data=True) if d["class_iri"])
        if common:
            variants["--classes"] = ["--classes", common.most_common(1)[0][0]]
    return variants


def hash_labels(page: Path) -> int:
    """How many drawn nodes are labelled by a blank-node name or a hash."""
    text = page.read_text(encoding="utf-8")
    match = re.search(r'<script id="kg-data" type="application/json">(.*?)</script>', text, re.S)
    data = json.loads(match.group(1)) if match else {"info": []}
    pattern = re.compile(r"_:.*|b?[0-9a-f]{16,}|N[0-9a-f]{32}")
    return sum(1 for info in data["info"] if pattern.fullmatch(info[1]))


def command_line(files: list[Path], repeat: int) -> None:
    """Time ``kg viz`` on each file against bare pyoxigraph parsing it (see the docstring)."""
    print(
        "| file | variant | parse s | kg viz s (wall) | kg viz CPU s | goal s | met "
        "| nodes drawn | hash labels | note |"
    )
    print("|---|---|---:|---:|---:|---:|---|---:|---:|---|")
    with tempfile.TemporaryDirectory(prefix="bench-viz-") as tmp:
        for path in files:
            parse_wall, _cpu, _ = median_of([sys.executable, "-c", PARSE, str(path)], repeat)
            big = path.stat().st_size > BIG_FILE
            for name, options in scopes(path).items():
                # the summary of a big file: 2 x parse; everything else 2 x parse + 5 s
                goal = 2 * parse_wall + (0 if big and name == "whole" else 5)
                page = Path(tmp) / "page.html"
                command = [sys.executable, "-m", "kg", "viz", "--data", str(path), "-o", str(page)]
                wall, cpu, err = median_of(command + options, repeat)
                drawn = re.search(r"\((\d+) nodes", err)
                note = next((line for line in err.splitlines() if line.startswith("kg: ")), "")
                print(
                    f"| {path.name} | {name} | {parse_wall:.2f} | {wall:.2f} | {cpu:.2f} "
                    f"| {goal:.1f} | {'yes' if wall <= goal else '**no**'} "
                    f"| {drawn.group(1) if drawn else '?'} | {hash_labels(page)} "
                    f"| {note[:90]} |"
                )
            target = Path(tmp) / "graph.graphml"
            export = [sys.executable, "-m", "kg", "export", "--data", str(path), "-f", "graphml"]
            wall, cpu, _err = median_of([*export, "-o", str(target)], repeat)
            goal = 2 * parse_wall + 5
            nodes = target.read_text(encoding="ascii").count("<node ")
            print(
                f"| {path.name} | export -f graphml | {parse_wall:.2f} | {wall:.2f} | {cpu:.2f} "
                f"| {goal:.1f} | {'yes' if wall <= goal else '**no**'} | {nodes} | — | |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", nargs="+", type=Path, help="time kg viz on these files")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (--files)")
    parser.add_argument("--nodes", type=int, default=5000, help="concepts to generate")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-baseline", action="store_true", help="skip pyvis's defaults")
    parser.add_argument("--baseline-timeout", type=float, default=180.0, help="seconds")
    args = parser.parse_args()
    if args.files:
        command_line(args.files, args.repeat)
        return

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-viz-") as tmp:
        folder = Path(tmp)
        data = generate.write(folder / "synthetic.nt", args.nodes * TRIPLES_PER_NODE, args.seed)
        start = time.perf_counter()
        graph = oxengine.load([data])
        load_s = time.perf_counter() - start
        start = time.perf_counter()
        nxg = to_networkx(graph)
        network_s = time.perf_counter() - start
        page = folder / "kg.html"
        start = time.perf_counter()
        write_html(nxg, page, title="Synthetic graph")
        write_s = time.perf_counter() - start
        size_mb = page.stat().st_size / 1e6

        rows = []
        still = "n/a"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            tti, blocked = time_to_interactive(browser, page, READY, 600.0)
            interact = kg_interaction(browser, page)
            rows.append(
                ("kg viz", load_s, network_s, write_s, size_mb, tti, None, interact, blocked)
            )
            if not args.no_baseline:
                base = folder / "pyvis-default.html"
                base_write = baseline_page(nxg, base)
                # Drawn: pyvis hides its loading bar when stabilisation ends (over 100 nodes).
                drawn = (
                    "() => typeof network !== 'undefined' && network !== null && (function () {"
                    " var bar = document.getElementById('loadingBar');"
                    " return bar ? bar.style.opacity === '0' : true; })()"
                )
                base_tti, base_blocked = time_to_interactive(
                    browser, base, drawn, args.baseline_timeout
                )
                rows.append(
                    (
                        "pyvis defaults",
                        load_s,
                        network_s,
                        base_write,
                        base.stat().st_size / 1e6,
                        base_tti,
                        args.baseline_timeout,
                        None,
                        base_blocked,
                    )
                )
                settled, _ = time_to_interactive(
                    browser,
                    base,
                    "() => typeof network !== 'undefined' && network !== null"
                    " && network.physics.stabilized === true",
                    args.baseline_timeout,
                )
                still = fmt(settled, args.baseline_timeout)
            browser.close()

    nodes, edges = nxg.number_of_nodes(), nxg.number_of_edges()
    print(
        "| variant | nodes | edges | load RDF s | to_networkx s | write HTML s | page MB "
        "| time to interactive s | search+focus s | requests blocked |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, load, net_s, write, size, tti_s, bound, inter, blocked_n in rows:
        print(
            f"| {name} | {nodes} | {edges} | {load:.2f} | {net_s:.2f} | {write:.2f} | {size:.1f} "
            f"| {fmt(tti_s, bound)} | {fmt(inter)} | {blocked_n} |"
        )
    if not args.no_baseline:
        print(
            f"\nkg viz: physics is off once drawn. pyvis defaults: nodes still moved until "
            f"{still} s (vis-network's physics.stabilized; bound {args.baseline_timeout:.0f} s)."
        )


if __name__ == "__main__":
    main()
