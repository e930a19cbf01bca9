"""``kg query``: run a catalogue query, a .rq file or SPARQL text, locally or remotely."""

from __future__ import annotations

import io
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from kg.cli.options import graph_options, load_from_options, parse_params
from kg.deadline import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT, Budget
from kg.errors import InputError, printable
from kg.querying import querytext
from kg.querying.catalogue import NamedQuery, resolve
from kg.querying.params import bind_terms
from kg.querying.results import FORMATS, default_format, format_result

if TYPE_CHECKING:  # pragma: no cover
    from kg.store.oxengine import KnowledgeGraph

F = TypeVar("F", bound=Callable[..., object])

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
  2  bad input: unknown query, syntax error, SPARQL Update, SERVICE in a local
     query, text that is not UTF-8, nests too deep or is over 1 MB, missing or
     badly typed parameter, unreadable --data file, unsuitable --format; a
     local query over --timeout or --max-rows
  3  the --endpoint was unreachable, timed out or answered with an HTTP error

\b
Examples:
  kg query article-q4
  kg query concept-neighbourhood --param concept=kg:market-visibility -f turtle
  kg query 'SELECT ?c WHERE { ?c a ssp:Trend }' --format json
  kg query mine.rq --data mine.ttl --with-bundled
  kg query article-q4 --endpoint http://127.0.0.1:7878/query"""


def limit_options(func: F) -> F:
    """Add --timeout and --max-rows (the limits on running a query) to a command."""
    func = click.option(
        "--max-rows",
        type=click.IntRange(min=1),
        default=DEFAULT_MAX_ROWS,
        show_default=True,
        metavar="N",
        help="Refuse a result of more rows (or triples) than this (exit 2).",
    )(func)
    func = click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=DEFAULT_TIMEOUT,
        show_default=True,
        metavar="SECONDS",
        help="How long the query may run, loading files aside (exit 2), or wait for the "
        "--endpoint (exit 3).",
    )(func)
    return func


def read_query(source: str) -> NamedQuery:
    """The query ``source`` names, its text checked for size and UTF-8 before any scan.

    Standard input is read as bytes, so a byte that is not UTF-8 is named by its offset
    whatever the locale; text on the command line keeps such bytes as surrogates, which
    :func:`querytext.check_encoding` names the same way.
    """
    if source == "-":
        raw = sys.stdin.buffer.read(querytext.MAX_QUERY_BYTES + 1)
        querytext.check_size(len(raw), "<stdin>")
        text = querytext.decode_query(raw, "<stdin>")
        return resolve(source, stdin=io.StringIO(text))
    path = Path(source)
    if len(source) < 4096 and not any(c.isspace() or c == "{" for c in source):
        try:
            if path.is_file():
                querytext.check_size(path.stat().st_size, source)
        except OSError:
            pass  # resolve names the problem
    else:
        querytext.check_size(len(source.encode("utf-8", "surrogateescape")), "<query>")
        querytext.check_encoding(source, "<query>")
    return resolve(source)


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
@limit_options
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
    max_rows: int,
    fmt: str | None,
    output: str | None,
) -> None:
    """Run a SPARQL query on the graph, your files or an endpoint.

    SOURCE is a catalogue NAME (see `kg queries`), a FILE.rq, - (stdin) or SPARQL text.
    The query runs on the bundled graph, on --data files, or on a remote --endpoint (SPARQL
    1.1 protocol). The project's prefixes (kg:, ssp:, skos:, ...) need no PREFIX lines.
    Parameters follow grlc's convention (?_name required, ?__name optional, a suffix such
    as _iri or _integer gives the type); values are bound as RDF terms, never pasted into
    the query text. SPARQL Update and (locally) SERVICE are refused. A local query may run
    for --timeout seconds and return --max-rows rows, else it stops with exit code 2.
    """
    if endpoint and (data_files or with_bundled):
        raise InputError("--endpoint", "cannot be combined with --data or --with-bundled")
    named = read_query(source)
    budget = Budget(timeout, named.source)
    if endpoint:
        from kg.querying import sparql

        compiled = budget.run(sparql.compile_query, named, local=False)
        bindings = sparql.bind(named, parse_params(params))
        result = sparql.run_remote(compiled, bindings, endpoint, timeout)
    else:
        from kg.prefixes import with_declared
        from kg.store import oxengine

        values = parse_params(params)
        graph = load_from_options(data_files, with_bundled, syntax)
        checked = budget.run(oxengine.compile_query, named, declared=graph.prefixes)
        _note_overridden(named, graph.prefixes)
        terms = bind_terms(named, values, with_declared(graph.prefixes))
        result = budget.run(oxengine.run, checked, terms, graph, max_rows=max_rows)
        if result is False or (not isinstance(result, bool) and not len(result)):
            _note_missing_vocabulary(named, graph)
    terminal = output is None and sys.stdout.isatty()
    chosen = fmt or default_format(result, terminal)
    # --timeout bounds a local query, and with --endpoint the remote request (an answer
    # kg read within its time and byte limits); writing an endpoint's answer is not timed.
    writing = Budget(math.inf, named.source) if endpoint else budget
    text = writing.run(format_result, result, chosen, named.source)
    if output:
        from kg.atomic import atomic_write

        atomic_write(output, text)
    else:
        from kg.atomic import write_stdout

        write_stdout(text.encode("utf-8"))
    if result is False:
        sys.exit(1)


def _note_overridden(named: NamedQuery, declared: dict[str, str]) -> None:
    """Say on stderr when the query text uses a prefix a loaded file binds otherwise than
    kg's built-in of that name: the file's binding is the one used."""
    from kg.prefixes import overridden
    from kg.querying.catalogue import used_prefixes

    if named.catalogued:
        return
    used = {token.text.split(":", 1)[0] for token in used_prefixes(named.text)}
    for name, iri, builtin in overridden(declared):
        if name in used:
            click.echo(
                f"kg: note: {name}: means <{printable(iri)}> as the loaded file binds it "
                f"(kg's built-in {name}: is <{printable(builtin)}>)",
                err=True,
            )


def _note_missing_vocabulary(named: NamedQuery, graph: KnowledgeGraph) -> None:
    """After an empty answer: say which vocabularies the query is written for that the
    loaded data does not use (``#+ vocabulary:`` in a catalogue query)."""
    from kg.prefixes import PREFIXES
    from kg.resources import internal_query
    from kg.terms import literal

    for prefix in named.vocabulary:
        namespace = PREFIXES.get(prefix)
        if namespace is None:
            continue
        bound = {"_namespace": literal(namespace)}
        if not graph.query(querytext.with_values(internal_query("vocabulary-used"), bound)):
            click.echo(
                f"kg: note: {named.name} is written for the {prefix}: vocabulary "
                f"<{namespace}>, which the loaded data does not use",
                err=True,
            )
