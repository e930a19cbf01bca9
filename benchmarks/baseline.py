"""Baselines for benchmarks/run.py: the same load and query with plain rdflib or bare pyoxigraph.

No ``kg`` code: each engine parses the same files and runs the same SPARQL text, and the
answer is written as SPARQL CSV to stdout, as ``kg query`` does when piped.

    python benchmarks/baseline.py rdflib query QUERY.rq FILE...
    python benchmarks/baseline.py oxigraph stats FILE...
    python benchmarks/baseline.py rdflib export OUT.nt FILE

``export`` writes the file as N-Triples with sorted, unique lines (the contract of
``kg export --format nt``: the same input gives the same bytes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STATS_QUERIES = [
    "stats-concepts-per-class",
    "stats-relations-per-property",
    "stats-concept-evidence",
    "stats-hierarchy",
]
FORMATS = {".nt": "nt", ".ttl": "turtle", ".nq": "nquads", ".trig": "trig"}


def _queries(mode: str, query: str | None) -> list[str]:
    if mode == "query":
        assert query is not None
        return [Path(query).read_text(encoding="utf-8")]
    folder = REPO / "kg" / "internal_queries"
    return [(folder / f"{name}.rq").read_text(encoding="utf-8") for name in STATS_QUERIES]


def with_rdflib(files: list[Path], queries: list[str], count: bool) -> None:
    import rdflib

    graph = rdflib.Graph()
    for path in files:
        graph.parse(path, format=FORMATS[path.suffix])
    for text in queries:
        sys.stdout.buffer.write(graph.query(text).serialize(format="csv"))
    if count:
        print(len(graph))


def with_oxigraph(files: list[Path], queries: list[str], count: bool) -> None:
    import pyoxigraph as ox

    store = ox.Store()
    for path in files:
        store.load(path=str(path), format=ox.RdfFormat.from_extension(path.suffix[1:]))
    for text in queries:
        sys.stdout.buffer.write(store.query(text).serialize(format=ox.QueryResultsFormat.CSV))
    if count:
        print(len(store))


def _write_sorted(data: bytes, out: Path) -> None:
    lines = sorted(set(data.split(b"\n")) - {b""})
    out.write_bytes(b"\n".join(lines) + b"\n")


def export_with_rdflib(source: Path, out: Path) -> None:
    import rdflib

    graph = rdflib.Graph().parse(source, format=FORMATS[source.suffix])
    _write_sorted(graph.serialize(format="nt", encoding="utf-8"), out)


def export_with_oxigraph(source: Path, out: Path) -> None:
    import pyoxigraph as ox

    quads = ox.parse(path=str(source), format=ox.RdfFormat.N_TRIPLES, rename_blank_nodes=False)
    _write_sorted(ox.serialize(quads, format=ox.RdfFormat.N_TRIPLES), out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("engine", choices=["rdflib", "oxigraph"])
    parser.add_argument("mode", choices=["query", "stats", "export"])
    parser.add_argument(
        "args", nargs="+", help="QUERY.rq FILE... (query), FILE... (stats) or OUT FILE (export)"
    )
    args = parser.parse_args()
    if args.mode == "export":
        export = export_with_rdflib if args.engine == "rdflib" else export_with_oxigraph
        export(Path(args.args[1]), Path(args.args[0]))
        return
    query = args.args[0] if args.mode == "query" else None
    files = [Path(p) for p in (args.args[1:] if args.mode == "query" else args.args)]
    run = with_rdflib if args.engine == "rdflib" else with_oxigraph
    run(files, _queries(args.mode, query), count=args.mode == "stats")


if __name__ == "__main__":
    main()
