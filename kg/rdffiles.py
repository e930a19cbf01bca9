"""RDF files without a parser: syntax names, reading and checking files, declared prefixes.

Shared by the rdflib loader (``kg.loader``) and the Oxigraph engine (``kg.oxengine``), so both
name the same syntaxes, refuse the same files with the same messages and see the same
prefixes. Nothing here imports rdflib.
"""

from __future__ import annotations

import re
from pathlib import Path

from kg import resources
from kg.errors import InputError
from kg.prefixes import DATA_GRAPH, ONTOLOGY_GRAPH

# File extension -> syntax name (rdflib's parser names; kg.oxengine maps them to Oxigraph's).
SYNTAX_BY_SUFFIX: dict[str, str] = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "nt",
    ".ntriples": "nt",
    ".nq": "nquads",
    ".trig": "trig",
    ".n3": "n3",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
}
# Names a user may give with --syntax, mapped to the syntax names above.
SYNTAX_ALIASES: dict[str, str] = {
    "turtle": "turtle",
    "ttl": "turtle",
    "nt": "nt",
    "ntriples": "nt",
    "n-triples": "nt",
    "nq": "nquads",
    "nquads": "nquads",
    "n-quads": "nquads",
    "trig": "trig",
    "n3": "n3",
    "jsonld": "json-ld",
    "json-ld": "json-ld",
    "xml": "xml",
    "rdfxml": "xml",
    "rdf/xml": "xml",
}
QUAD_SYNTAXES = {"nquads", "trig"}

_CHUNK = 1 << 20
_TURTLE_PREFIX = re.compile(
    rb"(?im)^[ \t]*@?prefix[ \t]+([A-Za-z][\w.\-]*):[ \t]*<([A-Za-z][\w+.\-]*:[^>\s]*)>"
)
_XML_PREFIX = re.compile(
    rb"""xmlns:([A-Za-z_][\w.\-]*)\s*=\s*["']([A-Za-z][\w+.\-]*:[^"'\s]*)["']"""
)


def bundled_graph_files() -> list[tuple[Path, str]]:
    """The bundled Turtle files queries see, each with its named graph (shapes left out)."""
    files = [(resources.ontology_file(), ONTOLOGY_GRAPH)]
    files.extend((path, DATA_GRAPH) for path in resources.data_files())
    return files


def syntax_for(path: Path, explicit: str | None = None) -> str:
    """The syntax name for ``path``, from ``explicit`` or else the file's extension."""
    if explicit:
        try:
            return SYNTAX_ALIASES[explicit.lower()]
        except KeyError:
            known = ", ".join(sorted(set(SYNTAX_ALIASES)))
            raise InputError(explicit, f"unknown RDF syntax (known: {known})") from None
    syntax = SYNTAX_BY_SUFFIX.get(path.suffix.lower())
    if syntax is None:
        raise InputError(
            str(path), "cannot tell the RDF syntax from the extension; give it with --syntax"
        )
    return syntax


def read_text(path: Path) -> str:
    """Read ``path`` as UTF-8 text, raising InputError for missing, empty or non-UTF-8 files."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _os_error(path, exc) from None
    if not raw.strip():
        raise InputError(str(path), "file is empty")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(
            str(path), f"line {line}: not UTF-8 (byte 0x{raw[exc.start]:02x})"
        ) from None


def check_file(path: Path) -> int:
    """The size of ``path`` in bytes, after the checks :func:`read_text` makes but UTF-8.

    Meant for files too big to read into memory: only a whitespace-only file is read whole.
    """
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise IsADirectoryError(21, "Is a directory")
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                if chunk.strip():
                    return size
    except OSError as exc:
        raise _os_error(path, exc) from None
    raise InputError(str(path), "file is empty")


def first_bad_utf8(path: Path) -> str | None:
    """``line N: not UTF-8 (byte 0x..)`` for the first byte that is not UTF-8, else None.

    For error messages only: it reads the whole file.
    """
    raw = path.read_bytes()
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return f"line {line}: not UTF-8 (byte 0x{raw[exc.start]:02x})"
    return None


def _os_error(path: Path, exc: OSError) -> InputError:
    if isinstance(exc, FileNotFoundError):
        return InputError(str(path), "no such file")
    if isinstance(exc, IsADirectoryError):
        return InputError(str(path), "is a directory, not a file")
    return InputError(str(path), exc.strerror or str(exc))


def declared_prefixes(path: Path, syntax: str) -> dict[str, str]:
    """The prefixes a file declares (Turtle/TriG/N3 ``@prefix``, RDF/XML ``xmlns:``, JSON-LD
    ``@context``), in order; found by scanning the bytes, so a huge file costs one regex pass.
    """
    if syntax in ("nt", "nquads"):
        return {}
    import mmap

    try:
        with path.open("rb") as handle:
            if path.stat().st_size == 0:
                return {}
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                if syntax == "json-ld":
                    return _jsonld_prefixes(bytes(data))
                pattern = _XML_PREFIX if syntax == "xml" else _TURTLE_PREFIX
                return _collect(pattern.finditer(data))
    except (OSError, ValueError):
        return {}


def _collect(matches: object) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in matches:  # type: ignore[attr-defined]
        try:
            name, iri = match.group(1).decode("utf-8"), match.group(2).decode("utf-8")
        except UnicodeDecodeError:
            continue
        found.setdefault(name, iri)
    return found


def _jsonld_prefixes(raw: bytes) -> dict[str, str]:
    import json

    try:
        document = json.loads(raw)
    except ValueError:
        return {}
    contexts: list[object] = []
    for node in document if isinstance(document, list) else [document]:
        if isinstance(node, dict):
            context = node.get("@context")
            contexts.extend(context if isinstance(context, list) else [context])
    found: dict[str, str] = {}
    for context in contexts:
        if isinstance(context, dict):
            for name, value in context.items():
                if (
                    isinstance(value, str)
                    and not name.startswith("@")
                    and ":" not in name
                    and value.endswith(("/", "#"))
                ):
                    found.setdefault(name, value)
    return found
