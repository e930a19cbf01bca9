"""Options shared by the commands that read a graph."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

import click

from kg.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from kg.store.oxengine import KnowledgeGraph

F = TypeVar("F", bound=Callable[..., object])


def graph_options(func: F) -> F:
    """Add --data (repeatable), --with-bundled and --syntax to a command."""
    func = click.option(
        "--syntax",
        metavar="SYNTAX",
        help="RDF syntax of the --data files (default: from each file's extension; for "
        "standard input and pipes without one, sniffed from the content): "
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
        help="An RDF file to use instead of the bundled graph (repeatable); - reads "
        "standard input, and a FIFO or pipe is read once.",
    )(func)
    return func


def load_from_options(
    data_files: Sequence[str],
    with_bundled: bool,
    syntax: str | None,
    *,
    keep_graphs: bool = False,
) -> KnowledgeGraph:
    """Load what the graph options ask for: the bundled graph, user files, or both (merged
    into one default graph unless ``keep_graphs``: see :func:`kg.store.oxengine.load`)."""
    from kg.store.oxengine import load

    return load(
        data_files,
        bundled=wants_bundled(data_files, with_bundled),
        syntax=syntax,
        keep_graphs=keep_graphs,
    )


def wants_bundled(data_files: Sequence[str], with_bundled: bool) -> bool:
    """The bundled graph is used when no --data is given, or with --with-bundled."""
    return bool(with_bundled or not data_files)


def parse_params(params: Sequence[str]) -> dict[str, str]:
    """``--param NAME=VALUE`` options to a dict; InputError for a malformed or repeated one."""
    values: dict[str, str] = {}
    for item in params:
        name, equals, value = item.partition("=")
        name = name.strip()
        if not equals or not name:
            raise InputError(f"--param {item}", "expected NAME=VALUE")
        if name in values:
            raise InputError(f"--param {name}", "given more than once")
        try:
            item.encode("utf-8")
        except UnicodeEncodeError as error:  # bytes the shell passed that are not UTF-8
            raise InputError(
                f"--param {name}", f"not UTF-8 text (at character {error.start})"
            ) from None
        values[name] = value
    return values
