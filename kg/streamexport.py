"""Large N-Triples/N-Quads files re-exported to the same format, at Oxigraph speed.

``kg export --data big.nt --format nt`` (and nq to nq) on a file above
:data:`kg.progress.THRESHOLD_BYTES` skips the rdflib graph: Oxigraph parses the file and
writes it back in canonical N-Triples/N-Quads, and the lines are sorted and deduplicated.
Blank-node labels are kept from the input (``rename_blank_nodes=False``): in these formats
the file itself fixes them, so the same file always gives the same bytes. Everything else
(Turtle input, several files, ``--graphs``, ``--skolemize``, the bundled graph) goes through
:mod:`kg.export`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from kg import progress
from kg.atomic import atomic_write, write_stdout
from kg.errors import InputError
from kg.rdffiles import check_file, syntax_for

# export format -> the loader's syntax name that may be streamed into it
STREAMABLE = {"nt": "nt", "nq": "nquads"}


def streamable(
    paths: Sequence[str],
    syntax: str | None,
    fmt: str,
    *,
    bundled: bool,
    graphs: Sequence[str],
    skolemize: bool,
) -> Path | None:
    """The one input file that can be streamed into ``fmt``, or None for the general path."""
    if bundled or graphs or skolemize or len(paths) != 1 or fmt not in STREAMABLE:
        return None
    path = Path(paths[0])
    if paths[0] == "-" or not path.is_file():
        return None  # standard input, FIFOs and errors go the general path
    if syntax_for(path, syntax) != STREAMABLE[fmt]:
        return None
    try:
        size = path.stat().st_size
    except OSError:
        return None  # the general path reports the error
    threshold = int(os.environ.get("KG_PROGRESS_BYTES", progress.THRESHOLD_BYTES))
    return path if size > threshold else None


def stream_export(path: Path, fmt: str, output: str) -> None:
    """Write ``path`` (N-Triples or N-Quads) to ``output`` in ``fmt``: sorted, unique lines."""
    import pyoxigraph as ox

    rdf_format = ox.RdfFormat.N_TRIPLES if fmt == "nt" else ox.RdfFormat.N_QUADS
    size = check_file(path)
    try:
        with progress.reading(path, size, f"exporting {path.name}"):
            quads = ox.parse(path=str(path), format=rdf_format, rename_blank_nodes=False)
            data = ox.serialize(quads, format=rdf_format)
    except SyntaxError as error:
        message = str(error.args[0]) if error.args else str(error)
        raise InputError(str(path), message.splitlines()[0]) from None
    except MemoryError as error:  # a term over Oxigraph's 16 MiB parser buffer
        from kg.oxengine import memory_message

        raise InputError(str(path), memory_message(error)) from None
    lines = data.split(b"\n")
    del data
    lines.sort()
    unique = [line for i, line in enumerate(lines) if line and (i == 0 or line != lines[i - 1])]
    payload = b"\n".join(unique) + b"\n" if unique else b""
    if output == "-":
        write_stdout(payload)
    else:
        atomic_write(output, payload)
