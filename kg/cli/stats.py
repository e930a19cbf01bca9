"""``kg stats``: what the graph holds."""

from __future__ import annotations

import json

import click

from kg.cli.options import graph_options, load_from_options
from kg.stats import LABEL_PROPERTIES, Stats, compute_stats

TOP = 20  # rows of each generic table printed; --json gives them all


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
    """Count triples, classes, properties, labels (and ssp figures).

    On any graph: the share of subjects with a label (rdfs:label, skos:prefLabel,
    schema:name or dcterms:title) and the share that are blank nodes. When the graph uses
    the ssp-kg vocabulary, also concepts per class, relations per property and which share
    of them carry evidence. FILES are RDF files to count instead of the bundled graph (the
    same as --data).

    \b
    Examples:
      kg stats                          # the bundled graph
      kg stats --json | python3 -m json.tool
      kg stats my-graph.ttl --with-bundled
    """
    paths = (*files, *data_files)
    graph = load_from_options(paths, with_bundled, syntax)
    figures: Stats = compute_stats(graph)
    data = figures.as_dict(graph.prefixes)
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=True))
        return
    click.echo(f"triples              {figures.triples}")
    click.echo(
        f"subjects             {figures.subjects} ({figures.labelled_share:.0%} with a label, "
        f"{figures.blank_share:.0%} blank nodes)"
    )
    click.echo(f"classes              {len(figures.classes)}")
    click.echo(f"properties           {len(figures.properties)}")
    if figures.ssp_vocabulary:
        click.echo(
            f"concepts             {figures.concepts} "
            f"({figures.concept_evidence_share:.0%} with evidence)"
        )
        click.echo(
            f"relations            {figures.relations} "
            f"({figures.relation_evidence_share:.0%} with evidence)"
        )
        click.echo(f"hierarchy links      {figures.hierarchy_links}")
    else:
        click.echo(
            "ssp vocabulary       not used: no concepts, relations or evidence counted "
            "(those figures describe ssp-kg data)"
        )
    _table("instances per class", data["classes"], TOP)  # type: ignore[arg-type]
    _table("triples per property", data["properties"], TOP)  # type: ignore[arg-type]
    if figures.ssp_vocabulary:
        _table("concepts per class", figures.concepts_per_class)
        _table("relations per property", figures.relations_per_property)
    click.echo(f"\nlabels are {', '.join(LABEL_PROPERTIES)}")


def _table(title: str, counts: dict[str, int], top: int | None = None) -> None:
    shown = list(counts.items())[:top] if top else list(counts.items())
    more = len(counts) - len(shown)
    suffix = f" (the first {len(shown)} of {len(counts)}; --json lists all)" if more else ""
    click.echo(f"\n{title}{suffix}:")
    width = max((len(name) for name, _ in shown), default=0)
    for name, count in shown:
        click.echo(f"  {name:<{width}}  {count:>5}")
