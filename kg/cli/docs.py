"""``kg docs``: write a browsable, offline reference of the ontology and the concept scheme."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.options import graph_options, load_from_options
from kg.errors import InputError, printable


@click.command(short_help="Write a browsable offline HTML reference.")
@click.option(
    "-o",
    "--output",
    default="reference",
    show_default=True,
    metavar="DIR",
    help="The folder to write: new, empty or an earlier reference (replaced as a whole).",
)
@graph_options
@click.option(
    "--title",
    metavar="TEXT",
    help="The reference's title (default: the scheme's, else the ontology's).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace DIR even if it holds files kg did not write (never the current or home folder).",
)
@click.option(
    "--no-view",
    "no_view",
    is_flag=True,
    help="Leave out view.html, the interactive graph view the concept pages link to.",
)
def docs(
    output: str,
    data_files: tuple[str, ...],
    with_bundled: bool,
    syntax: str | None,
    title: str | None,
    force: bool,
    no_view: bool,
) -> None:
    """Write an offline HTML reference: ontology, concepts, relations and evidence.

    DIR gets index.html (search, concepts by class, A to Z), ontology.html (classes and
    properties with domain, range and inverse), one page per concept under concepts/ and
    view.html, the graph view each concept page opens focused on that concept.

    \b
    Examples:
      kg docs -o reference            # then open reference/index.html
      kg docs --data my-graph.ttl -o my-reference
      kg docs --data mine.ttl --with-bundled --title "Our additions" -o ref
    """
    from kg.docs import write_reference

    if output == "-":
        raise InputError("-o", "kg docs writes a folder, not standard output")
    loaded = load_from_options(data_files, with_bundled, syntax)
    files = write_reference(loaded, Path(output), title=title, view=not no_view, force=force)
    pages = sum(1 for name in files if name.endswith(".html"))
    click.echo(f"wrote {printable(str(Path(output) / 'index.html'))} ({pages} pages)", err=True)
