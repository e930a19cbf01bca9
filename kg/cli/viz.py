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

MAX_NODES = 2000  # more than this, and the page shows the most connected nodes only
SUMMARY_TRIPLES = 300_000  # more than this, and the page is a class summary by default
SCOPES = {"focus", "query", "classes"}  # a scoped view gets no --schema hint
HIDE_BLANK_HELP = "Leave blank nodes (OWL restrictions, lists, SHACL property shapes) out."


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
    help="Show only nodes with one of these classes among their asserted classes, or a "
    "subclass of one (names like Challenge, labels or prefixed names, comma-separated).",
)
@graph_options
@click.option("--literals", is_flag=True, help="Draw literal values as nodes too.")
@click.option(
    "--schema",
    is_flag=True,
    help="Draw the classes and properties the data defines (for an ontology such as SKOS "
    "or OWL itself), with their restrictions, instead of the resources it describes.",
)
@click.option("--no-blank-nodes", "hide_blank", is_flag=True, help=HIDE_BLANK_HELP)
@click.option(
    "--max-nodes",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help=f"Draw at most N nodes: the most connected ones and their neighbours "
    f"(default {MAX_NODES:,}; a graph of more than {SUMMARY_TRIPLES:,} triples is drawn as "
    "a summary of its classes unless this is given).",
)
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
    schema: bool,
    hide_blank: bool,
    max_nodes: int | None,
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
    from kg.views.view import render_html, write_html

    if open_browser and output == "-":
        raise InputError("--open", "cannot open a page written to standard output")
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
    query = None
    if query_source is not None:
        named = read_query(query_source)
        budget = Budget(timeout, named.source)
        query = (query_source, named, parse_params(params), budget, max_rows)
    # Merged into one default graph, as kg query loads it: a --query sees the same graphs.
    loaded = load_from_options(data_files, with_bundled, syntax)
    shape = {"literals": literals, "schema": schema, "blank_nodes": not hide_blank}
    scoped = focus is not None or class_names or query is not None
    if max_nodes is None and not scoped and loaded.triple_count() > SUMMARY_TRIPLES:
        from kg.views.netsummary import class_summary

        nxg = class_summary(loaded)
        summary = nxg.graph["summary"]
        click.echo(
            f"kg: viz: {loaded.triple_count():,} triples are too many to draw one by one; "
            f"drew their {summary['classes']:,} classes and the links between them "
            "(--focus, --classes or --max-nodes N draw resources)",
            err=True,
        )
    elif query is not None:
        nxg = _from_query(loaded, query, focus, depth, class_names, shape)
    else:
        from kg.views.network import to_networkx

        # The cut comes before any label is made (100,000 blank nodes: 20 s to 5 s).
        nxg = to_networkx(
            loaded,
            classes=class_names,
            focus=focus,
            depth=depth,
            max_nodes=max_nodes or MAX_NODES,
            **shape,
        )
    if "summary" not in nxg.graph:
        nxg = _fit_size(nxg, max_nodes or MAX_NODES, loaded, schema)
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


def _fit_size(nxg, max_nodes: int, loaded, schema: bool):
    """At most ``max_nodes`` nodes, saying on stderr what was left out; hint at --schema."""
    from kg.views.network import largest_part, schema_terms

    if nxg.number_of_nodes() > max_nodes:
        nxg = largest_part(nxg, max_nodes)
    if "omitted" in nxg.graph:
        left = nxg.graph["omitted"]
        click.echo(
            f"kg: viz: drew {nxg.number_of_nodes():,} of {left['total_nodes']:,} nodes (the "
            "most connected and their neighbours), leaving out "
            f"{left['nodes']:,} nodes and {left['edges']:,} edges; --max-nodes N draws more",
            err=True,
        )
    elif not schema and nxg.number_of_nodes() < 10 and not SCOPES & set(nxg.graph):
        from kg.views.netread import read_facts

        defined = len(schema_terms(read_facts(loaded)))
        if defined > nxg.number_of_nodes():
            click.echo(
                f"kg: viz: the data defines {defined:,} classes and properties; "
                "--schema draws them",
                err=True,
            )
    return nxg


def _from_query(loaded, query, focus, depth, class_names, shape):
    """The network of what the query returns, labelled from the whole loaded graph."""
    from kg.prefixes import with_declared
    from kg.querying.params import bind_terms
    from kg.store import oxengine
    from kg.views.network import filter_classes, neighbourhood, resolve_node, to_networkx

    source, named, params, budget, max_rows = query
    checked = budget.run(oxengine.compile_query, named, declared=loaded.prefixes)
    terms = bind_terms(named, params or None, with_declared(loaded.prefixes))
    result = budget.run(oxengine.run, checked, terms, loaded, max_rows=max_rows)
    if isinstance(result, bool):
        raise InputError(source, "is an ASK query; kg viz needs CONSTRUCT, DESCRIBE or SELECT")
    if hasattr(result, "vars"):  # SELECT: the nodes named anywhere in the rows
        full = to_networkx(loaded, **shape)
        named_terms = {
            term.value for row in result for term in row.values() if term is not None
        }
        keep = [key for key in full if key in named_terms]
        if not keep:
            raise InputError(source, "the query's results name no node of the graph")
        nxg = full.subgraph(keep).copy()
    else:
        nxg = to_networkx(result, context=loaded, **shape)
        nxg.graph["sources"] = list(loaded.sources)
        nxg.graph["prefixes"] = dict(loaded.prefixes)
    nxg.graph["query"] = source if len(source) <= 40 else "(SPARQL text)"
    if focus is not None:
        nxg = neighbourhood(nxg, resolve_node(nxg, focus, loaded), depth)
    if class_names:
        nxg = filter_classes(nxg, class_names, loaded, nxg.graph.get("focus"))
    return nxg
