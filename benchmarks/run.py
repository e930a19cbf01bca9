"""Run the benchmark suite and print one Markdown table: each target, its baseline, the ratio.

Every figure is the median wall time of separate processes (``--repeat`` runs; a command
slower than 30 s runs once), and peak memory is the largest resident set of those processes
(``os.wait4``'s rusage of each child). Baselines are measured in the same run:

1. ``kg query article-q4`` on the bundled graph, a cold process, against
   ``python -c "import rdflib"`` (goal: no slower).
2. ``kg query --data N.nt --with-bundled challenge-mitigations`` and ``kg stats --data N.nt``
   on generated graphs (``generate.py``), against the same load and queries in plain rdflib
   (goal: 10 times faster) and in bare pyoxigraph (goal: at most 1.3 times slower), peak
   memory at most 1 GB.
3. ``kg viz`` of a 5,000-node graph, time to interactive in headless Chromium, against
   pyvis's defaults (``bench_viz.py``; goal: under 3 s), when Chromium is there.
4. A long load shows progress on a terminal and nothing when piped.

Rows for ``kg export --data N.nt -f FORMAT`` in every RDF syntax against bare pyoxigraph
loading the file and dumping the same syntax (issue 10's export target: at most 2 times, peak
memory at most 1 GB, at 1M).

And a row for ``kg push --data N.nt`` to a local Oxigraph server against ``curl -X PUT
--data-binary`` of the same file (issue 10's push target: at most 1.5 times curl at 1M).

And rows for ``kg validate`` (issue 10's validate target): on the bundled graph against
the former pySHACL path (``KG_VALIDATE_ENGINE=pyshacl``, goal: 10 times faster), and
``kg validate --data N.nt`` on each generated graph (goal at 1M: peak memory at most 1 GB;
the generated data fails the shapes, so exit 1 is expected). Left out by ``--quick``.

And, with ``--corpus``, issue 13's rows: ``kg viz`` (whole graph, ``--classes``, ``--focus``)
and ``kg export -f graphml`` on the third-party corpus's largest file (tests/corpus/
lv2-plugins.nt, 551,572 triples of Debian's LV2 plugin descriptions; ``python -m
tests.corpus``), against bare pyoxigraph parsing the same file in the same run (goal: at most
2 times the faster of ``Store().bulk_load`` and ``list(parse(...))``, plus 5 s; peak memory
at most 1 GB).

    python benchmarks/run.py                    # sizes 10k, 100k, 1m; viz included
    python benchmarks/run.py --sizes 10k,100k --repeat 5
    python benchmarks/run.py --quick            # 10k only, one run each, no viz (CI)
    python benchmarks/run.py --sizes 1m --no-push   # with the validate rows at 1M
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import pty
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

PYTHON = sys.executable
QUERY = "challenge-mitigations"
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
SLOW_SECONDS = 30.0
MEMORY_GOAL_MB = 1024.0
CHROMIUM = Path("/usr/bin/chromium")


@dataclass
class Measure:
    """Median seconds, peak resident memory (MB) and how many runs gave them.

    ``over`` means the command was stopped at the time limit: ``seconds`` is a lower bound.
    """

    seconds: float
    peak_mb: float
    runs: int
    over: bool = False


def measure(
    command: list[str],
    repeat: int,
    env: dict[str, str] | None = None,
    limit: float | None = None,
    exits: tuple[int, ...] = (0,),
) -> Measure:
    """Run ``command`` ``repeat`` times (once if it is slow), output discarded.

    A run still going after ``limit`` seconds is stopped and reported as a lower bound.
    An exit code outside ``exits`` stops the benchmark.
    """
    times: list[float] = []
    peaks: list[float] = []
    environment = {**os.environ, **(env or {})}
    with tempfile.TemporaryFile() as errors:
        for _ in range(repeat):
            start = time.perf_counter()
            process = subprocess.Popen(
                command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=errors, env=environment
            )
            timer = threading.Timer(limit, process.kill) if limit else None
            if timer:
                timer.start()
            _, status, usage = os.wait4(process.pid, 0)
            elapsed = time.perf_counter() - start
            if timer:
                timer.cancel()
                if limit is not None and elapsed >= limit and status != 0:
                    return Measure(limit, usage.ru_maxrss / 1024, 1, over=True)
            times.append(elapsed)
            peaks.append(usage.ru_maxrss / 1024)  # KB on Linux
            if os.waitstatus_to_exitcode(status) not in exits:
                errors.seek(0)
                detail = errors.read().decode("utf-8", "replace")[-2000:]
                raise SystemExit(f"failed ({status}): {' '.join(command)}\n{detail}")
            if times[0] > SLOW_SECONDS:
                break
    return Measure(statistics.median(times), max(peaks), len(times))


def memory_goal(kg: Measure, scored: bool) -> tuple[bool, str]:
    """Whether ``kg`` kept to the peak-memory goal, and the row's note when a scored row did not."""
    within = kg.peak_mb <= MEMORY_GOAL_MB
    note = "" if within or not scored else f"(peak memory over {MEMORY_GOAL_MB:.0f} MB)"
    return within, note


@dataclass
class Row:
    target: str
    work: str
    kg: Measure | None
    baseline_name: str
    baseline: Measure | None
    ratio: float | None
    goal: str
    met: bool | None  # None: reported for reference, no goal at this size
    note: str = ""


def fmt_row(row: Row) -> str:
    def seconds(m: Measure | None) -> str:
        if m is None:
            return "—"
        return f"> {m.seconds:.0f} s" if m.over else f"{m.seconds:.2f} s"

    def memory(m: Measure | None) -> str:
        return f"{m.peak_mb:.0f}" if m and m.peak_mb else "—"

    ratio = f"{row.ratio:.2f}" if row.ratio is not None else "—"
    if row.baseline is not None and row.baseline.over and row.ratio is not None:
        ratio = "> " + ratio
    runs = "/".join(str(m.runs) for m in (row.kg, row.baseline) if m) or "—"
    work = f"{row.work} {row.note}" if row.note else row.work
    return (
        f"| {row.target} | {work} | {seconds(row.kg)} | {row.baseline_name} "
        f"| {seconds(row.baseline)} | {ratio} | {row.goal} | {_met(row.met)} "
        f"| {memory(row.kg)} | {memory(row.baseline)} | {runs} |"
    )


def _met(met: bool | None) -> str:
    return "—" if met is None else "yes" if met else "**no**"


HEADER = (
    "| target | work | kg | baseline | baseline time | ratio | goal | met | kg peak MB "
    "| baseline peak MB | runs |\n"
    "|---|---|---:|---|---:|---:|---|---|---:|---:|---|"
)


# --- The targets ---------------------------------------------------------------------------


def target_startup(repeat: int) -> list[Row]:
    """Target 1: a cold `kg query article-q4` against importing rdflib alone."""
    kg = [PYTHON, "-m", "kg", "query", "article-q4"]
    rdflib_import = [PYTHON, "-c", "import rdflib"]
    measure(kg, 1)  # warm the file cache for both
    measure(rdflib_import, 1)
    fast = measure(kg, repeat)
    base = measure(rdflib_import, repeat)
    ratio = fast.seconds / base.seconds
    return [
        Row("1", "`kg query article-q4`, bundled graph, cold process", fast,
            '`python -c "import rdflib"`', base, ratio, "≤ 1.00", ratio <= 1.0),
    ]  # fmt: skip


def bundled_files() -> list[str]:
    files = [REPO / "ontology" / "ssp.ttl", *sorted((REPO / "data").glob("*.ttl"))]
    return [str(path) for path in files]


def target_large(label: str, path: Path, repeat: int, limit: float) -> list[Row]:
    """Target 2: query, stats and export on a generated graph, against rdflib and pyoxigraph.

    The goals are for 1M triples; smaller sizes are reported for reference.
    """
    rows = []
    scored = label == "1m"
    out = path.parent
    query_file = str(REPO / "kg" / "queries" / f"{QUERY}.rq")
    jobs = {
        "query": (
            [PYTHON, "-m", "kg", "query", QUERY, "--data", str(path), "--with-bundled"],
            ["query", query_file, *bundled_files(), str(path)],
            f"`kg query --data {label}.nt --with-bundled {QUERY}`",
        ),
        "stats": (
            [PYTHON, "-m", "kg", "stats", "--data", str(path)],
            ["stats", str(path)],
            f"`kg stats --data {label}.nt`",
        ),
        "export": (
            [PYTHON, "-m", "kg", "export", "--data", str(path), "-o", str(out / "kg.nt")],
            ["export", str(out / "baseline.nt"), str(path)],
            f"`kg export --data {label}.nt -o out.nt` (sorted N-Triples)",
        ),
    }
    for kg_command, baseline_args, work in jobs.values():
        kg = measure(kg_command, repeat)
        plain = measure(
            [PYTHON, str(HERE / "baseline.py"), "rdflib", *baseline_args], repeat, limit=limit
        )
        bare = measure([PYTHON, str(HERE / "baseline.py"), "oxigraph", *baseline_args], repeat)
        memory_ok, note = memory_goal(kg, scored)
        speedup = plain.seconds / kg.seconds
        overhead = kg.seconds / bare.seconds
        rows.append(
            Row("2", work, kg, "plain rdflib, same work", plain, speedup,
                "≥ 10 (rdflib / kg)" if scored else "— (goal at 1M)",
                speedup >= 10 and memory_ok if scored else None, note)
        )  # fmt: skip
        rows.append(
            Row("2", work, kg, "bare pyoxigraph, same work", bare, overhead,
                "≤ 1.30 (kg / pyoxigraph)" if scored else "— (goal at 1M)",
                overhead <= 1.3 and memory_ok if scored else None, note)
        )  # fmt: skip
    return rows


# Issue 10's target 5: the Python API against bare pyoxigraph doing the same work (load the
# bundled graph's files and the generated one, run the catalogue query, read every row).
API = """
import sys, kg
rows = kg.query(sys.argv[1], graph=kg.load(sys.argv[2:], bundled=True))
print(len(rows.rows))
"""


def target_api(label: str, path: Path, repeat: int) -> list[Row]:
    """`kg.query(NAME, graph=kg.load([N.nt], bundled=True))` in a fresh process, against
    baseline.py's bare pyoxigraph load and query of the same files (answer written as CSV).
    The goal (at most 1.5 times, peak memory at most 1 GB) is for 1M triples."""
    query_file = str(REPO / "kg" / "queries" / f"{QUERY}.rq")
    kg = measure([PYTHON, "-c", API, QUERY, str(path)], repeat)
    bare = measure([PYTHON, str(HERE / "baseline.py"), "oxigraph", "query", query_file,
                    *bundled_files(), str(path)], repeat)  # fmt: skip
    ratio = kg.seconds / bare.seconds
    scored = label == "1m"
    memory_ok, note = memory_goal(kg, scored)
    return [
        Row("5", f"Python API: `kg.query('{QUERY}', graph=kg.load(['{label}.nt'], "
            "bundled=True))`", kg, "bare pyoxigraph, same files and query", bare, ratio,
            "≤ 1.50 (kg / pyoxigraph)" if scored else "— (goal at 1M)",
            ratio <= 1.5 and memory_ok if scored else None, note)
    ]  # fmt: skip


def target_validate_bundled(repeat: int, limit: float) -> list[Row]:
    """`kg validate` on the bundled graph against the former pySHACL path (same command,
    ``KG_VALIDATE_ENGINE=pyshacl``), in the same run."""
    command = [PYTHON, "-m", "kg", "validate"]
    kg = measure(command, repeat)
    base = measure(command, repeat, {"KG_VALIDATE_ENGINE": "pyshacl"}, limit=limit)
    ratio = base.seconds / kg.seconds
    return [
        Row("validate", "`kg validate`, bundled graph", kg,
            "the same with `KG_VALIDATE_ENGINE=pyshacl` (pySHACL)", base, ratio,
            "≥ 10 (pySHACL / kg)", ratio >= 10)
    ]  # fmt: skip


def target_validate_large(label: str, path: Path, repeat: int) -> list[Row]:
    """`kg validate --data N.nt` (the generated data fails the shapes: exit 1). No baseline:
    pySHACL would take hours at 1M. The goal, peak memory at most 1 GB, is for 1M."""
    kg = measure([PYTHON, "-m", "kg", "validate", "--data", str(path)], repeat, exits=(1,))
    scored = label == "1m"
    return [
        Row("validate", f"`kg validate --data {label}.nt`", kg, "—", None, None,
            f"peak ≤ {MEMORY_GOAL_MB:.0f} MB" if scored else "— (goal at 1M)",
            kg.peak_mb <= MEMORY_GOAL_MB if scored else None)
    ]  # fmt: skip


# Issue 10's export target: each RDF syntax against bare pyoxigraph loading the same file and
# serialising the same syntax (Store.load, then Store.dump), in the same run.
EXPORT_FORMATS = {"turtle": "ttl", "trig": "trig", "nq": "nq", "jsonld": "jsonld", "xml": "rdf"}
BARE_EXPORT = """
import sys, pyoxigraph as ox
fmt = ox.RdfFormat.from_extension(sys.argv[1])
store = ox.Store()
store.load(path=sys.argv[2], format=ox.RdfFormat.N_TRIPLES)
graph = {} if fmt.supports_datasets else {"from_graph": ox.DefaultGraph()}
with open(sys.argv[3], "wb") as out:
    store.dump(out, format=fmt, **graph)
"""


def target_export(label: str, path: Path, repeat: int) -> list[Row]:
    """`kg export --data N.nt -f FORMAT` for every RDF syntax, against bare pyoxigraph.

    The goal (at most 2 times bare pyoxigraph, peak memory at most 1 GB) is for 1M triples.
    """
    rows = []
    scored = label == "1m"
    out = path.parent
    for name, suffix in EXPORT_FORMATS.items():
        kg = measure([PYTHON, "-m", "kg", "export", "--data", str(path), "-f", name,
                      "-o", str(out / f"kg.{suffix}")], repeat)  # fmt: skip
        bare = measure([PYTHON, "-c", BARE_EXPORT, suffix, str(path),
                        str(out / f"bare.{suffix}")], repeat)  # fmt: skip
        ratio = kg.seconds / bare.seconds
        memory_ok, note = memory_goal(kg, scored)
        rows.append(
            Row("export", f"`kg export --data {label}.nt -f {name}`", kg,
                "bare pyoxigraph: load, then dump the same syntax", bare, ratio,
                "≤ 2.00 (kg / pyoxigraph)" if scored else "— (goal at 1M)",
                ratio <= 2.0 and memory_ok if scored else None, note)
        )  # fmt: skip
    return rows


def oxigraph_server(location: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A read-write Oxigraph server on 127.0.0.1 over a fresh ``location``; its /store URL."""
    from kg.remote.stores import oxigraph_binary

    binary = oxigraph_binary()
    if binary is None:
        raise SystemExit("the push row needs the oxigraph server (pip install oxigraph)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
            return process, f"http://127.0.0.1:{port}/store"
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the oxigraph server did not start")


def server_count(store: str, graph: str) -> int:
    """How many triples ``graph`` holds on the Oxigraph server whose /store URL is ``store``."""
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    request = urllib.request.Request(
        store.removesuffix("/store") + "/query",
        data=urllib.parse.urlencode({"query": query}).encode(),
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request, timeout=600) as answer:
        return int(json.load(answer)["results"]["bindings"][0]["n"]["value"])


def target_push(label: str, path: Path) -> list[Row]:
    """Issue 10's push target: `kg push --data N.nt` to a local Oxigraph server, against
    `curl -X PUT --data-binary @N.nt` of the same file to the same endpoint.

    Each into a graph of its own on a fresh server (a new store folder), so neither pays
    for the other's triples; one run each. The goal (≤ 1.5 times curl, peak memory ≤ 1 GB)
    is for 1M triples.
    """
    curl = Path("/usr/bin/curl")
    work = f"`kg push --data {label}.nt` to a local Oxigraph server"
    if not curl.exists():
        return [Row("push", work, None, "curl", None, None, "≤ 1.50", None, "(no curl)")]
    measures = {}
    held: dict[str, int] = {}
    for who in ("curl", "kg"):
        with tempfile.TemporaryDirectory(prefix="kg-bench-oxigraph-") as location:
            server, store = oxigraph_server(Path(location))
            try:
                graph = "http://example.org/bench/" + who
                if who == "curl":
                    command = [str(curl), "-sf", "-o", "/dev/null", "-X", "PUT",
                               "--data-binary", f"@{path}", "-H",
                               "Content-Type: application/n-triples",
                               f"{store}?graph={graph}"]  # fmt: skip
                else:
                    command = [PYTHON, "-m", "kg", "push", "--data", str(path),
                               "--endpoint", store, "--graph", graph]  # fmt: skip
                measures[who] = measure(command, 1)
                held[who] = server_count(store, graph)
            finally:
                server.terminate()
                server.wait()
    if held["kg"] != held["curl"]:
        raise SystemExit(f"kg push left {held['kg']} triples, curl {held['curl']}")
    kg, base = measures["kg"], measures["curl"]
    ratio = kg.seconds / base.seconds
    scored = label == "1m"
    memory_ok, note = memory_goal(kg, scored)
    return [
        Row("push", work, kg, "`curl -X PUT --data-binary`, same file and server", base,
            ratio, "≤ 1.50 (kg / curl)" if scored else "— (goal at 1M)",
            ratio <= 1.5 and memory_ok if scored else None, note)
    ]  # fmt: skip


CORPUS_FILE = REPO / "tests" / "corpus" / "lv2-plugins.nt"
CORPUS_FOCUS = "http://lsp-plug.in/plugins/lv2/comp_delay_mono"  # a plugin, 59 nodes around
BARE_PARSE = {
    "`Store().bulk_load`": "import sys, pyoxigraph as ox\n"
    "ox.Store().bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES)",
    "`list(parse(...))`": "import sys, pyoxigraph as ox\n"
    "list(ox.parse(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES))",
}


def target_corpus(repeat: int, folder: Path) -> list[Row]:
    """Issue 13: the views and the GraphML export of the corpus's 551k-triple LV2 file
    against bare pyoxigraph parsing it (the faster of its two ways, in the same run).
    Goal: at most 2 times that plus 5 s, peak memory at most 1 GB."""
    path = CORPUS_FILE
    if not path.exists():
        return [Row("13", "`kg viz` / `kg export -f graphml` on lv2-plugins.nt", None,
                    "bare pyoxigraph parse", None, None, "≤ 2 times parse + 5 s", None,
                    "(skipped: run `python -m tests.corpus`)")]  # fmt: skip
    bare_runs = {name: measure([PYTHON, "-c", code, str(path)], repeat)
                 for name, code in BARE_PARSE.items()}  # fmt: skip
    name, bare = min(bare_runs.items(), key=lambda item: item[1].seconds)
    others = ", ".join(f"{n} {m.seconds:.2f} s" for n, m in bare_runs.items())
    limit = 2 * bare.seconds + 5
    data = ["--data", str(path)]
    jobs = {
        "`kg viz` (whole graph: class summary)": ["viz", *data, "-o", str(folder / "w.html")],
        "`kg viz --classes Plugin`": ["viz", *data, "--classes", "Plugin",
                                      "-o", str(folder / "c.html")],
        "`kg viz --focus <plugin>`": ["viz", *data, "--focus", CORPUS_FOCUS,
                                      "-o", str(folder / "f.html")],
        "`kg export -f graphml`": ["export", *data, "-f", "graphml",
                                   "-o", str(folder / "x.graphml")],
    }  # fmt: skip
    rows = []
    for work, args in jobs.items():
        kg = measure([PYTHON, "-m", "kg", *args], repeat)
        memory_ok, note = memory_goal(kg, True)
        ratio = kg.seconds / bare.seconds
        rows.append(
            Row("13", f"{work}, lv2-plugins.nt (551k triples)", kg,
                f"bare pyoxigraph, faster parse: {name} ({others})", bare, ratio,
                f"≤ {limit:.1f} s (2 times parse + 5 s)", kg.seconds <= limit and memory_ok, note)
        )  # fmt: skip
    return rows


def target_viz() -> list[Row]:
    """Target 3: bench_viz.py's time to interactive for kg viz and pyvis's defaults."""
    if not CHROMIUM.exists():
        return [Row("3", "`kg viz`, 5,000 nodes", None, "pyvis defaults", None, None,
                    "< 3 s to interactive", False, "(skipped: no Chromium)")]  # fmt: skip
    completed = subprocess.run(
        [PYTHON, str(HERE / "bench_viz.py")], cwd=REPO, capture_output=True, text=True
    )
    if completed.returncode != 0:
        raise SystemExit(f"bench_viz.py failed:\n{completed.stderr[-2000:]}")
    table = [line for line in completed.stdout.splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in table[0].strip("|").split("|")]
    rows = {  # the header, then one line per variant (the |---| line does not start "| ")
        cells[0]: dict(zip(header, cells, strict=False))
        for cells in ([c.strip() for c in line.strip("|").split("|")] for line in table[1:])
    }
    column = "time to interactive s"
    ours, theirs = rows["kg viz"], rows.get("pyvis defaults", {})
    seconds = float(ours[column])
    baseline_text = theirs.get(column, "n/a")
    number = re.search(r"[\d.]+", baseline_text)
    baseline = float(number.group()) if number else None
    kg = Measure(seconds, 0.0, 1)
    over = baseline_text.startswith(">")
    base = Measure(baseline, 0.0, 1, over=over) if baseline is not None else None
    ratio = baseline / seconds if baseline else None
    note = f"(pyvis: {baseline_text} s; {ours['nodes']} nodes, page {ours['page MB']} MB)"
    work = "`kg viz`, time to interactive in headless Chromium"
    return [Row("3", work, kg, "pyvis defaults (physics on)", base, ratio, "< 3 s",
                seconds < 3.0, note)]  # fmt: skip


def target_progress(path: Path, lowered: bool) -> list[Row]:
    """Target 4: progress on a pseudo-terminal, nothing on a pipe (kg stats --data FILE)."""
    command = [PYTHON, "-m", "kg", "stats", "--data", str(path)]
    env = {**os.environ, **({"KG_PROGRESS_BYTES": "0"} if lowered else {})}
    leader, follower = pty.openpty()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=follower,
                               env=env)  # fmt: skip
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    process.wait()
    os.close(leader)
    piped = subprocess.run(command, cwd=REPO, capture_output=True, env=env)
    on_terminal = b"kg: loading" in shown and b"%" in shown
    silent = piped.stderr == b""
    note = "(threshold lowered for the small file)" if lowered else ""
    work = f"progress while loading {path.name}: terminal {'shown' if on_terminal else 'none'}"
    work += f", pipe {'silent' if silent else 'not silent'}"
    return [Row("4", work, None, "—", None, None, "shown / silent", on_terminal and silent,
                note)]  # fmt: skip


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        ram = f"{kb / 1024 / 1024:.0f} GiB RAM"
    except OSError:
        ram = "unknown RAM"
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {ram}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, {time.strftime('%Y-%m-%d')}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k,1m", help="comma-separated: 10k,100k,1m")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--no-viz", action="store_true", help="leave out target 3")
    parser.add_argument("--no-push", action="store_true", help="leave out the push row")
    parser.add_argument("--no-validate", action="store_true", help="leave out the validate rows")
    parser.add_argument(
        "--no-export-formats", action="store_true", help="leave out the per-syntax export rows"
    )
    parser.add_argument(
        "--push-only", action="store_true", help="only the push row (kg push and curl)"
    )
    parser.add_argument("--quick", action="store_true", help="10k only, one run, no viz")
    parser.add_argument(
        "--corpus", action="store_true", help="add issue 13's rows (tests/corpus/lv2-plugins.nt)"
    )
    parser.add_argument(
        "--corpus-only", action="store_true", help="only issue 13's rows (implies --corpus)"
    )
    parser.add_argument("--keep", type=Path, help="keep generated graphs in this folder")
    parser.add_argument(
        "--limit",
        type=float,
        default=1800.0,
        help="stop a baseline run after this many seconds and report a lower bound",
    )
    args = parser.parse_args()
    sizes = ["10k"] if args.quick else [s.strip().lower() for s in args.sizes.split(",")]
    unknown = [size for size in sizes if size not in SIZES]
    if unknown:
        parser.error(f"unknown size {unknown[0]!r} (known: {', '.join(SIZES)})")
    repeat = 1 if args.quick else max(1, args.repeat)

    # An installed wheel is byte-compiled by pip, as rdflib and click are here; a source
    # checkout may not be (PYTHONDONTWRITEBYTECODE), so compile kg the same way first.
    compileall.compile_dir(str(REPO / "kg"), quiet=1)
    print(f"Machine: {machine()}\n")
    print(HEADER, flush=True)
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        folder = args.keep or Path(tmp)
        if args.corpus_only:
            for row in target_corpus(repeat, folder):
                print(fmt_row(row), flush=True)
            return
        for row in (
            [] if args.push_only else target_startup(max(repeat, 5) if not args.quick else 2)
        ):
            print(fmt_row(row), flush=True)
        validating = not (args.quick or args.no_validate or args.push_only)
        if validating:
            for row in target_validate_bundled(repeat, args.limit):
                print(fmt_row(row), flush=True)
        largest = None
        for size in sizes:
            path = folder / f"{size}.nt"
            if not path.exists():
                generate.write(path, SIZES[size])
            largest = path
            for row in [] if args.push_only else target_large(size, path, repeat, args.limit):
                print(fmt_row(row), flush=True)
            for row in [] if args.push_only else target_api(size, path, repeat):
                print(fmt_row(row), flush=True)
            if not (args.no_export_formats or args.push_only):
                for row in target_export(size, path, repeat):
                    print(fmt_row(row), flush=True)
            if not args.no_push:
                for row in target_push(size, path):
                    print(fmt_row(row), flush=True)
            if validating:
                for row in target_validate_large(size, path, repeat):
                    print(fmt_row(row), flush=True)
        if args.push_only:
            return
        if not (args.quick or args.no_viz):
            for row in target_viz():
                print(fmt_row(row), flush=True)
        if args.corpus:
            for row in target_corpus(repeat, folder):
                print(fmt_row(row), flush=True)
        if largest is not None:
            lowered = largest.stat().st_size <= 10 * 1024 * 1024
            for row in target_progress(largest, lowered):
                print(fmt_row(row), flush=True)


if __name__ == "__main__":
    main()
