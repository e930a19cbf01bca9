"""``kg viz``: write the graph as one interactive, offline HTML page."""

from __future__ import annotations

import webbrowser
from pathlib import Path

import click

from kg.atomic import write_stdout
from kg.cli.options import graph_options, load_from_options, parse_params
from kg.cli.query import limit_options, read_query
from kg.deadline import Budget
from kg.errors import InputError, printable


@click.command()
@click.option(
    "-o",
    "--output",
    default="graph.html",
    show_default=True,
    metavar="FILE",
    help="Where to write the page ('-' for standard output).",
)
@click.option(
    "--focus",
    metavar="CONCEPT",
    help="Show only the neighbourhood of this node "
    "(an IRI, a prefixed name such as kg:market-visibility, or a label).",
)
@click.option(
    "--depth",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="How many links from --focus to include.",
)
@click.option(
    "--query",
    "query_source",
    metavar="NAME|FILE|TEXT",
    help="Show what a query returns: the triples of a CONSTRUCT or DESCRIBE, or the "
    "nodes a SELECT names (a catalogue name, a .rq file or SPARQL text).",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A parameter of the --query (repeatable), as for kg query.",
)
@limit_options
@click.option(
    "--classes",
    metavar="A,B",
    help="Show only nodes of these classes or their "
    "subclasses (names like Challenge, labels or prefixed names, comma-separated).",
)
@graph_options
@click.option("--literals", is_flag=True, help="Draw literal values as nodes too.")
@click.option("--title", metavar="TEXT", help="The page title (default: from the source).")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the default browser.")
def viz(
    output: str,
    focus: str | None,
    depth: int,
    query_source: str | None,
    params: tuple[str, ...],
    timeout: float,
    max_rows: int,
    classes: str | None,
    data_files: tuple[str, ...],
    with_bundled: bool,
    syntax: str | None,
    literals: bool,
    title: str | None,
    open_browser: bool,
) -> None:
    """Write an interactive HTML view that opens offline.

    Nodes are concepts (or any resource of other vocabularies), coloured and shaped by class;
    edges are labelled relations. The page has a search box, a class filter in the legend,
    neighbourhood highlighting and tooltips with definitions and evidence.

    \b
    Examples:
      kg viz                                          # graph.html: the whole bundled graph
      kg viz --focus kg:market-visibility --depth 2 -o visibility.html
      kg viz --query concept-neighbourhood --param concept=kg:agility
      kg viz --data my-graph.ttl --open
    """
    from kg.network import to_networkx
    from kg.view import render_html, write_html

    if open_browser and output == "-":
        raise InputError("--open", "cannot open a page written to standard output")
    loaded = load_from_options(data_files, with_bundled, syntax)
    class_names = [c.strip() for c in classes.split(",") if c.strip()] if classes else None
    depth_source = click.get_current_context().get_parameter_source("depth")
    if focus is None and depth_source is not click.core.ParameterSource.DEFAULT:
        raise InputError("--depth", "only applies with --focus")
    if params and query_source is None:
        raise InputError("--param", "only applies to a --query")
    for option in ("timeout", "max_rows"):
        source = click.get_current_context().get_parameter_source(option)
        if query_source is None and source is not click.core.ParameterSource.DEFAULT:
            raise InputError(f"--{option.replace('_', '-')}", "only applies to a --query")
    if query_source is not None:
        named = read_query(query_source)
        budget = Budget(timeout, named.source)
        query = (query_source, named, parse_params(params), budget, max_rows)
        nxg = _from_query(loaded, query, focus, depth, class_names, literals)
    else:
        nxg = to_networkx(loaded, classes=class_names, focus=focus, depth=depth, literals=literals)
    if class_names:
        nxg.graph["class_names"] = class_names
    page_title = title or _default_title(nxg)
    if output == "-":
        write_stdout(render_html(nxg, title=page_title).encode("utf-8"))
        return
    target = write_html(nxg, output, title=page_title)
    counts = f"{nxg.number_of_nodes()} nodes, {nxg.number_of_edges()} edges"
    click.echo(f"wrote {printable(str(target))} ({counts})", err=True)
    if open_browser and not _opened(target):
        click.echo(
            f"kg: --open: no browser could be started; open {target.resolve()} yourself",
            err=True,
        )


def _opened(target) -> bool:
    """Whether a browser was started on ``target`` (False where none is available)."""
    try:
        return bool(webbrowser.open(target.resolve().as_uri()))
    except webbrowser.Error:
        return False


def _default_title(nxg) -> str:
    titles = nxg.graph.get("source_titles") or []
    if titles:
        return titles[0]
    sources = [Path(s).name for s in nxg.graph.get("sources") or [] if s != "bundled"]
    return ", ".join(sources) or "Knowledge graph"


def _from_query(loaded, query, focus, depth, class_names, literals):
    """The network of what the query returns, labelled from the whole loaded graph."""
    import kg
    from kg.network import Lookup, filter_classes, neighbourhood, resolve_node, to_networkx

    source, named, params, budget, max_rows = query
    result = budget.run(
        kg.query, named, params or None, graph=loaded, timeout=None, max_rows=max_rows
    )
    if isinstance(result, bool):
        raise InputError(source, "is an ASK query; kg viz needs CONSTRUCT, DESCRIBE or SELECT")
    if hasattr(result, "vars"):  # SELECT: the nodes named anywhere in the rows
        full = to_networkx(loaded, literals=literals)
        named = {str(term) for row in result for term in row.values() if term is not None}
        keep = [key for key in full if key in named]
        if not keep:
            raise InputError(source, "the query's results name no node of the graph")
        nxg = full.subgraph(keep).copy()
    else:
        nxg = to_networkx(result, literals=literals, context=loaded)
        nxg.graph["sources"] = list(loaded.sources)
    nxg.graph["query"] = source if len(source) <= 40 else "(SPARQL text)"
    if focus is not None:
        nxg = neighbourhood(nxg, resolve_node(nxg, focus, loaded.graph), depth)
    if class_names:
        nxg = filter_classes(nxg, class_names, Lookup.read(loaded.graph), nxg.graph.get("focus"))
    return nxg
