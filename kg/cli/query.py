"""``kg query``: run a catalogue query, a .rq file or SPARQL text, locally or remotely."""

from __future__ import annotations

import sys

import click

from kg.catalogue import resolve
from kg.cli.options import graph_options, parse_params, wants_bundled
from kg.errors import InputError
from kg.params import bind_terms
from kg.results import FORMATS, default_format, format_result

EPILOG = """\b
Formats:
  SELECT               table (default on a terminal; IRIs shortened), csv (default
                       otherwise; SPARQL 1.1 CSV), tsv, json (SPARQL 1.1 Results
                       JSON), xml (SPARQL Results XML), markdown
  ASK                  prints true or false (json and xml give a results document)
  CONSTRUCT, DESCRIBE  turtle (default), nt, jsonld

\b
Exit codes:
  0  success (ASK: true)
  1  ASK answered false
  2  bad input: unknown query, syntax error, SPARQL Update, missing or badly
     typed parameter, unreadable --data file, unsuitable --format
  3  the --endpoint was unreachable, timed out or answered with an HTTP error

\b
Examples:
  kg query article-q4
  kg query concept-neighbourhood --param concept=kg:market-visibility -f turtle
  kg query 'SELECT ?c WHERE { ?c a ssp:Trend }' --format json
  kg query mine.rq --data mine.ttl --with-bundled
  kg query article-q4 --endpoint http://127.0.0.1:7878/query"""


@click.command(epilog=EPILOG)
@click.argument("source", metavar="NAME|FILE.rq|-|SPARQL")
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A query parameter (repeatable); typed as the query declares it.",
)
@graph_options
@click.option("--endpoint", metavar="URL", help="Run on this SPARQL endpoint instead.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for the --endpoint.",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="Output format (see below).",
)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    help="Write the result to FILE (atomically) instead of standard output.",
)
def query(
    source: str,
    params: tuple[str, ...],
    data_files: tuple[str, ...],
    with_bundled: bool,
    syntax: str | None,
    endpoint: str | None,
    timeout: float,
    fmt: str | None,
    output: str | None,
) -> None:
    """Run a query: a catalogue NAME (see `kg queries`), a FILE.rq, - (stdin) or SPARQL text.

    The query runs on the bundled graph, on --data files, or on a remote --endpoint (SPARQL
    1.1 protocol). The project's prefixes (kg:, ssp:, skos:, ...) need no PREFIX lines.
    Parameters follow grlc's convention (?_name required, ?__name optional, a suffix such
    as _iri or _integer gives the type); values are bound as RDF terms, never pasted into
    the query text. SPARQL Update is refused.
    """
    if endpoint and (data_files or with_bundled):
        raise InputError("--endpoint", "cannot be combined with --data or --with-bundled")
    named = resolve(source)
    if endpoint:
        from kg import sparql

        compiled = sparql.compile_query(named)
        bindings = sparql.bind(named, parse_params(params))
        result = sparql.run_remote(compiled, bindings, endpoint, timeout)
    else:
        from kg.engines import pick

        engine = pick()
        checked = engine.compile(named)
        terms = bind_terms(named, parse_params(params))
        graph = engine.load(data_files, wants_bundled(data_files, with_bundled), syntax)
        result = engine.run(checked, terms, graph)
    terminal = output is None and sys.stdout.isatty()
    text = format_result(result, fmt or default_format(result, terminal), named.source)
    if output:
        from kg.atomic import atomic_write

        atomic_write(output, text)
    else:
        from kg.atomic import write_stdout

        write_stdout(text.encode("utf-8"))
    if result is False:
        sys.exit(1)
