"""``kg push``: load the graph into a SPARQL server over the Graph Store Protocol."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from kg.cli.export import split_graph_names
from kg.cli.options import graph_options, wants_bundled
from kg.errors import InputError
from kg.remote.stores import (
    BODY_TYPES,
    DEFAULT_BATCH_SIZE,
    DEFAULT_TARGET,
    STRATEGIES,
    load_for_push,
)
from kg.remote.stores import push as run_push

PASSWORD_VARIABLE = "KG_PASSWORD"


def password_for(user: str | None) -> str | None:
    """The password for ``user``: from $KG_PASSWORD, else a hidden prompt on a terminal."""
    if user is None:
        return None
    if PASSWORD_VARIABLE in os.environ:
        return os.environ[PASSWORD_VARIABLE]
    if not sys.stdin.isatty():
        raise InputError("--user", f"set {PASSWORD_VARIABLE} (no terminal to ask for a password)")
    return click.prompt(f"Password for {user}", hide_input=True, err=True)


class _Progress:
    """A progress bar on a terminal; nothing when standard error is a pipe or a file."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.shown = 0

    def __call__(self, sent: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="pushing", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(sent - self.shown)
        self.shown = sent

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@click.command()
@graph_options
@click.option(
    "--endpoint",
    required=True,
    metavar="URL",
    help="The server's Graph Store Protocol URL, e.g. http://127.0.0.1:7878/store (Oxigraph) "
    "or http://127.0.0.1:8890/sparql-graph-crud (Virtuoso).",
)
@click.option(
    "--graph",
    "target",
    default=DEFAULT_TARGET,
    show_default=True,
    metavar="IRI",
    help="The named graph to load into.",
)
@click.option(
    "--replace/--append",
    default=True,
    help="Replace the graph (default; see --strategy) or add to it (POSTs of --batch-size).",
)
@click.option(
    "--strategy",
    type=click.Choice(STRATEGIES),
    default="auto",
    show_default=True,
    help="How --replace replaces: put (one PUT of the whole graph, streamed), move (upload "
    "into a temporary graph, check it, then MOVE it into place: the server copies every "
    "triple twice, and the MOVE may take --timeout plus 1 s per 1,000 triples), or auto: "
    "put to Oxigraph (whose PUT keeps the previous graph on a failure), move to others.",
)
@click.option(
    "--user",
    metavar="NAME",
    help="User name; the password comes from $KG_PASSWORD "
    "or a prompt, never from the command line (Basic and Digest auth).",
)
@click.option(
    "--query-endpoint",
    metavar="URL",
    help="SPARQL query URL for the triple count "
    "(default: derived for Oxigraph, Virtuoso and Fuseki).",
)
@click.option(
    "--update-endpoint",
    metavar="URL",
    help="SPARQL update URL for the final MOVE (default: derived like --query-endpoint).",
)
@click.option(
    "--graphs",
    "graph_names",
    multiple=True,
    metavar="NAMES",
    help="Named graphs to send (ontology, data, shapes or IRIs; default: all but shapes).",
)
@click.option(
    "--skolemize/--keep-blank-nodes",
    default=True,
    help="Send blank nodes as stable IRIs under https://w3id.org/ssp-kg/.well-known/genid/ "
    "(default: the same input always gives the same triples, so --append twice leaves one "
    "copy), or as blank nodes (a server makes new ones on every push).",
)
@click.option(
    "--body",
    "body_format",
    type=click.Choice(sorted(BODY_TYPES)),
    default="nt",
    show_default=True,
    help="Request body syntax.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=DEFAULT_BATCH_SIZE,
    show_default=True,
    help="Triples per request (blank nodes that are linked stay in one request).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds for each whole request (connecting, sending and the whole answer).",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Retries after a transient error (connection reset, HTTP 429/502/503/504).",
)
def push(
    data_files: tuple[str, ...],
    with_bundled: bool,
    syntax: str | None,
    endpoint: str,
    target: str,
    replace: bool,
    strategy: str,
    user: str | None,
    query_endpoint: str | None,
    update_endpoint: str | None,
    graph_names: tuple[str, ...],
    skolemize: bool,
    body_format: str,
    batch_size: int,
    timeout: float,
    retries: int,
) -> None:
    """Load the graph into a SPARQL store.

    Uses the SPARQL 1.1 Graph Store HTTP Protocol, streaming from Oxigraph's parse of the
    files, then checks that the server holds the expected number of triples. Blank nodes
    go as stable skolem IRIs (--keep-blank-nodes to opt out). Language tags are sent in
    lower case. Exit code 3 when the server fails; with --replace the previous graph is
    then left as it was (with --strategy put to a server other than Oxigraph, kg says what
    the graph holds after the failed PUT). Redirects to another host are not followed;
    answers over $KG_MAX_RESPONSE_BYTES (default 256M) are refused.

    \b
    Examples:
      kg push --endpoint http://127.0.0.1:7878/store
      kg push --data my-graph.ttl --endpoint http://127.0.0.1:7878/store --append
      KG_PASSWORD=... kg push --endpoint http://127.0.0.1:8890/sparql-graph-crud-auth --user dba
    """
    password = password_for(user)
    if strategy != "auto" and not replace:
        raise InputError("--strategy", "goes with --replace, not --append")
    if not replace and not skolemize:
        click.echo(
            "kg: warning: --append with --keep-blank-nodes adds the blank-node triples again "
            "on every push",
            err=True,
        )
    names = split_graph_names(graph_names)
    bundled = wants_bundled(data_files, with_bundled)
    if skolemize or names:  # read by Oxigraph's parser: literals as written, named graphs kept
        from kg.exports.export import read_statements

        source: Any = read_statements(data_files, bundled=bundled, syntax=syntax)
    else:
        source = load_for_push(data_files, bundled=bundled, syntax=syntax)
    progress = _Progress()
    try:
        result = run_push(
            source,
            endpoint,
            graph=target,
            mode="replace" if replace else "append",
            graphs=names,
            skolemize=skolemize,
            strategy=strategy,
            body_format=body_format,
            batch_size=batch_size,
            user=user,
            password=password,
            query_endpoint=query_endpoint,
            update_endpoint=update_endpoint,
            timeout=timeout,
            retries=retries,
            progress=progress,
        )
    finally:
        progress.close()
    verb = "replaced" if replace else "appended to"
    click.echo(
        f"{verb} <{result.graph}> with {result.triples} triples in {result.batches} "
        f"request(s); the server holds {result.server_triples} triples there"
    )
