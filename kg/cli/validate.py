"""``kg validate``: SHACL, and evidence anchors against the article text."""

from __future__ import annotations

import click

from kg.cli.options import graph_options, load_from_options
from kg.errors import EXIT_CHECK_FAILED


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
@click.option(
    "--shapes",
    "shapes_files",
    multiple=True,
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Your own SHACL shapes (repeatable), used instead of the bundled ones on any data.",
)
@click.pass_context
def validate(
    ctx: click.Context,
    files: tuple[str, ...],
    data_files: tuple[str, ...],
    with_bundled: bool,
    syntax: str | None,
    source: str | None,
    shapes_files: tuple[str, ...],
) -> None:
    """Check the SHACL shapes and every evidence anchor.

    Anchors are checked against the article's fingerprint shipped with the package (no text
    needed), or against a copy of the article given with --source. Prints one line per
    problem and exits 1 if there is any. FILES are RDF files to check instead of the bundled
    graph (with the bundled ontology and article beside them).

    The bundled shapes are this project's profile (evidence on every concept, English
    labels, concepts in its scheme): they are applied only to data that uses the ssp-kg
    vocabulary. On other data nothing is checked and kg says so (exit 0); give your own
    shapes with --shapes. The last line counts the focus nodes the shapes target.

    \b
    Examples:
      kg validate                                  # the bundled graph, no text needed
      kg validate --source article.txt             # anchors against your copy of the text
      kg validate my-additions.ttl --with-bundled  # your triples beside ours
      kg validate vocab.ttl --shapes my-shapes.ttl # any data, your shapes
    """
    # The SHACL queries run on the loaded Oxigraph store itself (kg.checks.shacl): no copy.
    from kg.checks.validation import validate_graph

    paths = (*files, *data_files)
    graph = load_from_options(paths, with_bundled, syntax)
    report = validate_graph(
        graph,
        source,
        with_context=bool(paths) and not with_bundled,
        shapes_files=list(shapes_files),
    )
    for line in report.lines():
        click.echo(line)
    for where in report.edition_differences:
        click.echo(f"Edition: {where} of {source} differs from the edition the graph cites")
    anchors = f"{report.anchors_checked} evidence anchors"
    if report.conforms and not report.applied:
        if report.would_target:
            reason = (
                f"{report.shapes} are this project's profile (evidence, English labels, its "
                f"concept scheme): {report.would_target} of its nodes match their generic "
                "targets (skos:Concept, skos:related, rdf:Statement) but were not judged by it"
            )
        else:
            reason = f"{report.shapes} target none of its nodes"
        click.echo(
            f"Nothing checked: the graph uses no ssp-kg vocabulary, and {reason} "
            f"(0 focus nodes checked, {anchors}). Give your own shapes with --shapes FILE."
        )
        return
    if report.conforms and report.checked_nothing:
        click.echo(
            f"Nothing checked: {report.shapes} target no node of the graph "
            f"(0 focus nodes checked, {anchors})."
        )
        return
    if report.conforms:
        click.echo(
            f"OK: the graph conforms to {report.shapes} ({report.focus_nodes} focus nodes "
            f"checked), and its {anchors} are in their paragraphs ({report.anchors_against})."
        )
        return
    count = len(report.violations) + len(report.anchor_problems)
    click.echo(
        f"FAILED: {count} problem(s) ({report.focus_nodes} focus nodes checked against "
        f"{report.shapes}, {anchors}).",
        err=True,
    )
    ctx.exit(EXIT_CHECK_FAILED)
