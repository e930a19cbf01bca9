"""``kg fingerprint``: the curator's command that makes the shipped evidence fingerprint."""

from __future__ import annotations

import click

from kg.atomic import atomic_write
from kg.checks import fingerprint
from kg.checks.evidence import evidence_records, load_article
from kg.errors import printable
from kg.store.oxengine import load


@click.command()
@click.option(
    "--source",
    metavar="ARTICLE",
    required=True,
    type=click.Path(dir_okay=False),
    help="The article's text (the curator's copy; it is never shipped).",
)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    help="Where to write the fingerprint (default: standard output).",
)
def fingerprint_command(source: str, output: str | None) -> None:
    """Make the evidence fingerprint from the article (curators).

    Hashes each paragraph of the text and each anchor of the bundled graph that occurs in
    the paragraph it cites, so that kg validate can check anchors without the text. Fails,
    naming them, if any anchor is not in its paragraph.

    \b
    Examples:
      kg fingerprint --source ../shared/sources/article.txt -o data/fingerprint.json
      kg fingerprint --source article.txt | diff - data/fingerprint.json
    """
    graph = load()
    article = load_article(source, graph)
    made = fingerprint.build(article, evidence_records(graph))
    if output is None or output == "-":
        click.echo(made.to_json(), nl=False)
        return
    atomic_write(output, made.to_json())
    paragraphs = sum(len(section) for section in made.paragraphs)
    counts = f"{paragraphs} paragraphs, {len(made.anchors)} anchors"
    click.echo(f"wrote {printable(str(output))} ({counts})", err=True)
