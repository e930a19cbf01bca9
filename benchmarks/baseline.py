"""Baselines for benchmarks/run.py: the same load and query with plain rdflib or bare pyoxigraph.

No ``kg`` code: each engine parses the same files and runs the same SPARQL text, and the
answer is written as SPARQL CSV to stdout, as ``kg query`` does when piped.

    python benchmarks/baseline.py rdflib query QUERY.rq FILE...
    python benchmarks/baseline.py oxigraph stats FILE...
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("engine", choices=["rdflib", "oxigraph"])
    parser.add_argument("mode", choices=["query", "stats"])
    parser.add_argument("args", nargs="+", help="QUERY.rq FILE... (query) or FILE... (stats)")
    args = parser.parse_args()
    query = args.args[0] if args.mode == "query" else None
    files = [Path(p) for p in (args.args[1:] if args.mode == "query" else args.args)]
    run = with_rdflib if args.engine == "rdflib" else with_oxigraph
    run(files, _queries(args.mode, query), count=args.mode == "stats")


if __name__ == "__main__":
    main()
