"""``kg queries``: list the named query catalogue, or print one query."""

from __future__ import annotations

import click

from kg import catalogue


@click.command()
@click.argument("name", required=False)
def queries(name: str | None) -> None:
    """List the catalogue (name, parameters, summary), or print the text of query NAME.

    Parameters are shown as name:type, with ? when optional and =value for a default. Run
    a query with `kg query NAME --param name=value`.
    """
    if name is not None:
        click.echo(catalogue.get(name).text.rstrip("\n"))
        return
    entries = list(catalogue.catalogue().values())
    rows = [
        (q.name, " ".join(p.describe() for p in q.parameters) or "-", q.summary) for q in entries
    ]
    name_width = max((len(row[0]) for row in rows), default=0)
    param_width = max((len(row[1]) for row in rows), default=0)
    for query_name, params, summary in rows:
        click.echo(f"{query_name:<{name_width}}  {params:<{param_width}}  {summary}".rstrip())
