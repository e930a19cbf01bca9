"""``kg stats``: what the graph holds."""

from __future__ import annotations

import json

import click

from kg.cli.options import graph_options, wants_bundled
from kg.engines import pick


@click.command()
@click.argument("files", nargs=-1, metavar="[FILES]...")
@graph_options
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
def stats(
    files: tuple[str, ...],
    data_files: tuple[str, ...],
    with_bundled: bool,
    syntax: str | None,
    as_json: bool,
) -> None:
    """Count triples, concepts per class and relations per property.

    Also reports which share of concepts and relations carry evidence. FILES are RDF files to
    count instead of the bundled graph (the same as --data).

    \b
    Examples:
      kg stats                          # the bundled graph
      kg stats --json | python3 -m json.tool
      kg stats my-graph.ttl --with-bundled
    """
    paths = (*files, *data_files)
    engine = pick()
    figures = engine.stats(engine.load(paths, wants_bundled(paths, with_bundled), syntax))
    if as_json:
        click.echo(json.dumps(figures.as_dict(), indent=2, sort_keys=True))
        return
    click.echo(f"triples              {figures.triples}")
    click.echo(
        f"concepts             {figures.concepts} "
        f"({figures.concept_evidence_share:.0%} with evidence)"
    )
    click.echo(
        f"relations            {figures.relations} "
        f"({figures.relation_evidence_share:.0%} with evidence)"
    )
    click.echo(f"hierarchy links      {figures.hierarchy_links}")
    _table("concepts per class", figures.concepts_per_class)
    _table("relations per property", figures.relations_per_property)


def _table(title: str, counts: dict[str, int]) -> None:
    click.echo(f"\n{title}:")
    width = max((len(name) for name in counts), default=0)
    for name, count in counts.items():
        click.echo(f"  {name:<{width}}  {count:>5}")
