"""``kg queries``: list the named query catalogue, or print one query."""

from __future__ import annotations

import click

from kg.querying import catalogue


@click.command()
@click.argument("name", required=False)
def queries(name: str | None) -> None:
    """List the query catalogue, or print the SPARQL of query NAME.

    Parameters are shown as name (type), with "optional" or the default value; types are
    iri, string, number, an XSD datatype such as integer, or text@LANG. Run a query with
    `kg query NAME --param name=value`.

    \b
    Examples:
      kg queries                      # name, parameters and summary of each query
      kg queries concept-neighbourhood
      kg queries article-q4 > q4.rq   # a starting point for your own query
    """
    if name is not None:
        click.echo(catalogue.get(name).text.rstrip("\n"))
        return
    entries = list(catalogue.catalogue().values())
    rows = [("NAME", "PARAMETERS", "SUMMARY")]
    rows += [
        (q.name, "; ".join(p.describe() for p in q.parameters) or "-", q.summary) for q in entries
    ]
    name_width = max((len(row[0]) for row in rows), default=0)
    param_width = max((len(row[1]) for row in rows), default=0)
    for query_name, params, summary in rows:
        click.echo(f"{query_name:<{name_width}}  {params:<{param_width}}  {summary}".rstrip())
