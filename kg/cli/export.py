"""``kg export``: the graph as RDF files, property-graph files or Neo4j CSV."""

from __future__ import annotations

import click

from kg.cli.options import graph_options, load_from_options
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
    A single large N-Triples or N-Quads file exported to the same format is streamed
    through Oxigraph (sorted, unique lines; blank-node labels as in the file).
    """
    graphs = split_graph_names(graph_names)
    check_output(fmt, output, force=force)
    streamed = _stream_if_large(
        data_files,
        syntax,
        fmt,
        output,
        with_bundled=with_bundled,
        graphs=graphs,
        skolemize=skolemize,
    )
    if streamed:
        if output != "-":
            click.echo(f"wrote {printable(str(output))} ({streamed})", err=True)
        return
    from kg.export import export_graph

    kg = load_from_options(data_files, with_bundled, syntax)
    used = export_graph(kg, fmt, output, graphs=graphs, skolemize=skolemize, force=force)
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
        from kg.export import check_kuzu_output

        check_kuzu_output(output, force=force)
    elif neo4j:
        from kg.export import check_neo4j_output

        check_neo4j_output(output, force=force)
    else:
        from kg.atomic import file_target

        file_target(output)


def _stream_if_large(
    data_files: tuple[str, ...],
    syntax: str | None,
    fmt: str | None,
    output: str,
    *,
    with_bundled: bool,
    graphs: tuple[str, ...],
    skolemize: bool,
) -> str | None:
    """Stream a large N-Triples/N-Quads file through Oxigraph; the format name, or None."""
    from pathlib import Path

    name = fmt or {".nt": "nt", ".nq": "nq"}.get(Path(output).suffix.lower())
    if not name or not data_files:
        return None
    try:
        from kg.streamexport import stream_export, streamable
    except ImportError:  # pyoxigraph missing: the general path serves
        return None
    path = streamable(
        data_files, syntax, name, bundled=with_bundled, graphs=graphs, skolemize=skolemize
    )
    if path is None:
        return None
    stream_export(path, name, output)
    return name
