"""``kg serve``: a local, read-only SPARQL endpoint (Oxigraph) over the graph."""

from __future__ import annotations

import click

from kg.cli.export import split_graph_names
from kg.cli.options import graph_options, load_from_options
from kg.remote.stores import DEFAULT_QUERY_TIMEOUT
from kg.remote.stores import serve as run_serve


@click.command()
@graph_options
@click.option("--port", type=int, default=7878, show_default=True, help="TCP port on 127.0.0.1.")
@click.option(
    "--graphs",
    "graph_names",
    multiple=True,
    metavar="NAMES",
    help="Named graphs to serve (ontology, data, shapes or IRIs; default: all but shapes).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=DEFAULT_QUERY_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Stop any query that runs longer than this.",
)
def serve(
    data_files: tuple[str, ...],
    with_bundled: bool,
    syntax: str | None,
    port: int,
    graph_names: tuple[str, ...],
    timeout: float,
) -> None:
    """Serve the graph as a read-only SPARQL endpoint on 127.0.0.1.

    Runs until Ctrl-C. The graph is loaded into a temporary store (removed on exit, also if
    kg is killed); named graphs are kept and the default graph is their union. Queries with
    SERVICE or nested deeper than 64 levels are refused (HTTP 400). Needs the `oxigraph`
    server: pip install 'ssp-kg[server]'.

    \b
    Examples:
      kg serve                                   # the bundled graph on port 7878
      kg serve --data my-graph.ttl --port 8000
      kg query article-q4 --endpoint http://127.0.0.1:7878/query   # from another shell
    """
    kg = load_from_options(data_files, with_bundled, syntax, keep_graphs=True)

    def ready(base: str, quads: int) -> None:
        click.echo(f"SPARQL endpoint: {base}/query")
        click.echo(f"Web UI (SPARQL editor): {base}/")
        click.echo(f"Serving {quads} quads read-only; press Ctrl-C to stop.")

    run_serve(kg, port=port, graphs=split_graph_names(graph_names), timeout=timeout, on_ready=ready)
    click.echo("Stopped.", err=True)
