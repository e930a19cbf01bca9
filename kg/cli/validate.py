"""``kg validate``: SHACL, and evidence anchors against the article text."""

from __future__ import annotations

import click

from kg.cli.options import graph_options, load_from_options
from kg.errors import EXIT_CHECK_FAILED
from kg.validation import validate as run_validation


@click.command()
@click.argument("files", nargs=-1, metavar="[FILES]...")
@graph_options
@click.option(
    "--source",
    metavar="ARTICLE",
    type=click.Path(dir_okay=False),
    help="A copy of the article: check every evidence anchor against this text "
    "(whitespace-normalised) instead of the shipped fingerprint, and name the paragraphs "
    "that differ from the edition the graph was made from.",
)
@click.pass_context
def validate(
    ctx: click.Context,
    files: tuple[str, ...],
    data_files: tuple[str, ...],
    with_bundled: bool,
    syntax: str | None,
    source: str | None,
) -> None:
    """Check the SHACL shapes and every evidence anchor.

    Anchors are checked against the article's fingerprint shipped with the package (no text
    needed), or against a copy of the article given with --source. Prints one line per
    problem and exits 1 if there is any. FILES are RDF files to check instead of the bundled
    graph (the bundled shapes and ontology are used either way).

    \b
    Examples:
      kg validate                                  # the bundled graph, no text needed
      kg validate --source article.txt             # anchors against your copy of the text
      kg validate my-additions.ttl --with-bundled  # your triples beside ours
    """
    paths = (*files, *data_files)
    kg = load_from_options(paths, with_bundled, syntax)
    report = run_validation(kg, source, with_context=bool(paths) and not with_bundled)
    for line in report.lines():
        click.echo(line)
    for where in report.edition_differences:
        click.echo(f"Edition: {where} of {source} differs from the edition the graph cites")
    if report.conforms:
        click.echo(
            f"OK: the graph conforms to the shapes, and its {report.anchors_checked} "
            f"evidence anchors are in their paragraphs ({report.anchors_against})."
        )
        return
    count = len(report.violations) + len(report.anchor_problems)
    click.echo(f"FAILED: {count} problem(s).", err=True)
    ctx.exit(EXIT_CHECK_FAILED)
