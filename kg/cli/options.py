"""Options shared by the commands that read a graph."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import click

from kg.loader import KnowledgeGraph, load

F = TypeVar("F", bound=Callable[..., object])


def graph_options(func: F) -> F:
    """Add --data (repeatable), --with-bundled and --syntax to a command."""
    func = click.option(
        "--syntax",
        metavar="SYNTAX",
        help="RDF syntax of the --data files (default: from each file's extension): "
        "turtle, nt, nquads, trig, n3, json-ld, xml.",
    )(func)
    func = click.option(
        "--with-bundled",
        is_flag=True,
        help="Load the bundled graph beside the --data files.",
    )(func)
    func = click.option(
        "--data",
        "data_files",
        multiple=True,
        metavar="FILE",
        help="An RDF file to use instead of the bundled graph (repeatable).",
    )(func)
    return func


def load_from_options(
    data_files: Sequence[str], with_bundled: bool, syntax: str | None
) -> KnowledgeGraph:
    """Load what the graph options ask for: the bundled graph, user files, or both."""
    bundled = bool(with_bundled or not data_files)
    return load(data_files, bundled=bundled, syntax=syntax)
