"""``kg export``: the graph as RDF files, property-graph files or Neo4j CSV."""

from __future__ import annotations

import click

from kg.cli.options import graph_options, wants_bundled
from kg.errors import InputError, printable

FORMATS = ("turtle", "nt", "nq", "trig", "jsonld", "xml", "graphml", "gexf", "neo4j", "kuzu")


def split_graph_names(values: tuple[str, ...]) -> tuple[str, ...]:
    """``--graphs a,b --graphs c`` -> ``("a", "b", "c")``."""
    return tuple(name.strip() for value in values for name in value.split(",") if name.strip())


@click.command()
@graph_options
@click.option(
    "-f",
    "--format",
    "fmt",
    metavar="FORMAT",
    help=f"One of: {', '.join(FORMATS)} (default: from the -o suffix, else turtle).",
)
@click.option(
    "-o",
    "--output",
    default="-",
    metavar="FILE",
    help="Where to write ('-' is standard output, the default); a folder for neo4j and kuzu.",
)
@click.option(
    "--force",
    is_flag=True,
    help="neo4j, kuzu: replace an existing folder that kg did not write, and everything in it.",
)
@click.option(
    "--graphs",
    "graph_names",
    multiple=True,
    metavar="NAMES",
    help="Named graphs to export, comma-separated or repeated: ontology, data, shapes, or "
    "graph IRIs (default: all but the shapes).",
)
@click.option(
    "--skolemize",
    is_flag=True,
    help="Replace blank nodes with stable IRIs under https://w3id.org/ssp-kg/.well-known/genid/.",
)
def export(
    data_files: tuple[str, ...],
    with_bundled: bool,
    syntax: str | None,
    fmt: str | None,
    output: str,
    graph_names: tuple[str, ...],
    skolemize: bool,
    force: bool,
) -> None:
    """Write the graph as RDF or as a property graph.

    \b
    Examples:
      kg export -o ssp-kg.ttl                         # the format from the suffix
      kg export --format nq --skolemize -o ssp-kg.nq  # blank nodes as stable IRIs
      kg export --data my-graph.ttl -f kuzu -o kuzu-import

    \b
    RDF: turtle, nt, nq, trig, jsonld (with the shipped @context), xml.
         nq and trig keep the named graphs; the others merge them.
    Property graphs of the concepts and their relations:
         graphml, gexf (Gephi, Cytoscape, yEd), neo4j (a folder of CSV files for
         neo4j-admin database import), kuzu (a folder for Kuzu's IMPORT DATABASE).

    The same input always gives byte-identical output; a failed or interrupted export
    leaves no file and the previous output as it was. Only a regular file (or a symbolic
    link to one, written through) is replaced; a neo4j or kuzu folder only if it is empty or a
    previous export wrote it (it holds .kg-export), unless --force.
    Everything is written from Oxigraph: statements sorted, blank nodes labelled from
    their content, literals exactly as in the input.
    """
    graphs = split_graph_names(graph_names)
    check_output(fmt, output, force=force)
    from kg.exports.export import export_graph, read_statements

    bundled = wants_bundled(data_files, with_bundled)
    graph = read_statements(data_files, bundled=bundled, syntax=syntax)
    used = export_graph(graph, fmt, output, graphs=graphs, skolemize=skolemize, force=force)
    if output != "-":
        click.echo(f"wrote {printable(str(output))} ({used.name})", err=True)


def check_output(fmt: str | None, output: str, *, force: bool) -> None:
    """Refuse an output kg will not replace now, before loading anything (see kg.atomic)."""
    name = (fmt or "").lower()
    neo4j = name == "neo4j"
    if force and name not in ("neo4j", "kuzu"):
        raise InputError("--force", "only applies to a folder output (--format neo4j or kuzu)")
    if output == "-":
        return
    if name == "kuzu":
        from kg.exports.export import check_kuzu_output

        check_kuzu_output(output, force=force)
    elif neo4j:
        from kg.exports.export import check_neo4j_output

        check_neo4j_output(output, force=force)
    else:
        from kg.atomic import file_target

        file_target(output)
