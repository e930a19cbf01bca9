"""RDF files without a parser: syntax names, opening and checking inputs, declared prefixes.

Used by everything that reads a file (the store in ``kg.store.oxengine``, the exports' reader
in ``kg.exports.export``, rdflib copies in ``kg.store.rdflibcopy``), so all name the same
syntaxes, refuse the same files with the same messages and see the same prefixes. Nothing
here imports rdflib.

Every input goes through :func:`opened_input` before a parser sees it. A regular file is
parsed in place; standard input (``-``), a FIFO or a pipe such as ``<(cat g.ttl)`` is read
exactly once, into a temporary file, and its syntax may be sniffed from its content. RDF/XML
is scanned once with expat first: external entities and DTDs are refused (never read), and
entity expansion and element nesting are bounded. A JSON-LD ``@context`` that names another
document (a URL, ``file:``, a relative path) or ``@import`` is refused: contexts are never
fetched or read, so a context must be given inline.
"""

from __future__ import annotations

import json
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from kg import resources
from kg.errors import InputError
from kg.prefixes import DATA_GRAPH, ONTOLOGY_GRAPH

# File extension -> syntax name (rdflib's parser names; kg.store.oxengine maps them to Oxigraph's).
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

STDIN = "-"
# Limits on what an input may make a parser do (documented in the README).
MAX_XML_DEPTH = 1000  # nested elements in an RDF/XML file
MAX_ENTITY_CHARS = 100_000  # the expanded text of one internal XML entity
MAX_TERM_BYTES = 16 * 1024 * 1024  # one literal or IRI (Oxigraph's parser buffer)
MAX_MESSAGE_CHARS = 200  # echoed input in an error message is cut here
_UTF8_BOM = b"\xef\xbb\xbf"
_SNIFF_BYTES = 64 * 1024

_CHUNK = 1 << 20
_TURTLE_PREFIX = re.compile(
    rb"(?im)^(?:\xef\xbb\xbf)?[ \t]*@?prefix[ \t]+([A-Za-z][\w.\-]*):[ \t]*"
    rb"<([A-Za-z][\w+.\-]*:[^>\s]*)>"
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


def read_text(path: Path, shown: str | None = None) -> str:
    """Read ``path`` as UTF-8 text (a leading byte-order mark dropped), raising InputError
    (naming ``shown``, default the path) for missing, empty or non-UTF-8 files."""
    where = shown or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _os_error(path, exc, shown) from None
    if not raw.removeprefix(_UTF8_BOM).strip():
        raise InputError(where, "file is empty")
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(where, f"line {line}: not UTF-8 (byte 0x{raw[exc.start]:02x})") from None


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


def _os_error(path: Path, exc: OSError, shown: str | None = None) -> InputError:
    where = shown or str(path)
    if isinstance(exc, FileNotFoundError):
        return InputError(where, "no such file")
    if isinstance(exc, IsADirectoryError):
        return InputError(where, "is a directory, not a file")
    return InputError(where, exc.strerror or str(exc))


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


# --- Opening inputs ------------------------------------------------------------------------


@dataclass(frozen=True)
class InputFile:
    """One input, ready for a parser: a regular file holding exactly the bytes the user gave.

    ``name`` is how the user named it (``-`` for standard input), for messages; ``path`` is
    the file to parse (a temporary copy for standard input, FIFOs and pipes); ``offset`` is
    the number of leading bytes a parser must skip (a UTF-8 byte-order mark); ``base`` is the
    IRI relative IRIs resolve against and the name of the file's graph.
    """

    name: str
    path: Path
    syntax: str
    base: str
    size: int
    offset: int = 0


def display_name(name: str | Path) -> str:
    """How messages name an input: ``-`` for standard input, else the path as given."""
    return STDIN if str(name) == STDIN else str(Path(name))


def refuse_repeated_stdin(names: Iterable[str | Path]) -> None:
    """Standard input can be read once: ``-`` given twice is a usage error."""
    if sum(display_name(name) == STDIN for name in names) > 1:
        raise InputError(STDIN, "standard input can be given only once")


@contextmanager
def opened_input(name: str | Path, explicit_syntax: str | None = None) -> Iterator[InputFile]:
    """Check the input ``name`` and yield it as an :class:`InputFile` for one parse.

    A regular file is used in place; standard input (``-``) and other non-regular files
    (FIFOs, pipes) are read once into a temporary file, removed when the block ends. Raises
    InputError (one line naming the input) for a missing, empty, binary, undecodable or
    unsafe input, or one whose syntax cannot be told.
    """
    shown = display_name(name)
    with _regular_copy(name, shown) as (path, is_stream):
        size, offset = _checked_start(path, shown)
        syntax = _syntax_of(path, shown, explicit_syntax, sniff=is_stream)
        if syntax == "xml":
            check_xml_safety(path, shown)
        elif syntax == "json-ld":
            check_jsonld_safety(path, shown)
        base = "file:///dev/stdin" if shown == STDIN else Path(name).resolve().as_uri()
        yield InputFile(shown, path, syntax, base, size, offset)


@contextmanager
def _regular_copy(name: str | Path, shown: str) -> Iterator[tuple[Path, bool]]:
    """``(a regular file with the input's bytes, whether it was copied from a stream)``."""
    if shown == STDIN:
        with _spooled(sys.stdin.buffer, shown) as copy:
            yield copy, True
        return
    path = Path(name)
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise _os_error(path, exc) from None
    if stat.S_ISREG(mode):
        yield path, False
        return
    if stat.S_ISDIR(mode):
        raise InputError(shown, "is a directory, not a file")
    if stat.S_ISBLK(mode) or (stat.S_ISCHR(mode) and not _is_terminal(path)):
        raise InputError(shown, "is a device, not a file")
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise _os_error(path, exc) from None
    with handle, _spooled(handle, shown) as copy:
        yield copy, True


def _is_terminal(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.isatty()
    except OSError:
        return False


@contextmanager
def _spooled(stream: BinaryIO, shown: str) -> Iterator[Path]:
    """Copy ``stream`` (read once, to its end) into a temporary file; yield its path."""
    with tempfile.TemporaryDirectory(prefix="kg-input-") as folder:
        copy = Path(folder) / "input"
        try:
            with copy.open("wb") as out:
                shutil.copyfileobj(stream, out, _CHUNK)
        except OSError as exc:
            raise InputError(shown, f"cannot read: {exc.strerror or exc}") from None
        yield copy


def _syntax_of(path: Path, shown: str, explicit: str | None, *, sniff: bool) -> str:
    """The syntax: ``explicit``, else from the extension, else (streams only) from the bytes."""
    if explicit or not sniff or Path(shown).suffix.lower() in SYNTAX_BY_SUFFIX:
        return syntax_for(Path(shown), explicit)
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    return sniff_syntax(head, shown)


_XML_START = re.compile(rb"^\s*<(?:\?xml|!DOCTYPE|!--|[A-Za-z_][\w.\-]*:[A-Za-z_][\w.\-]*[\s>/])")
_TURTLE_START = re.compile(rb"^\s*(?:@prefix|@base|prefix\s|base\s|<[^>\s]*>|_:)", re.I)
_COMMENT_LINES = re.compile(rb"^(?:\s*#[^\n]*\n)*")
_NODE = rb'(?:<[^>\s]*>|_:[^\s]+)'
_LITERAL = rb'"(?:[^"\\\n]|\\.)*"(?:@[A-Za-z0-9-]+|\^\^<[^>\s]*>)?'
_QUAD_LINE = re.compile(
    rb"\s*" + _NODE + rb"\s+<[^>\s]*>\s+(?:" + _NODE + rb"|" + _LITERAL + rb")\s+"
    + _NODE + rb"\s*\.\s*(?:#[^\n]*)?(?:\n|$)"
)


def sniff_syntax(head: bytes, shown: str) -> str:
    """Tell RDF/XML, JSON-LD, N-Quads and Turtle (which covers N-Triples) apart from the
    first bytes. TriG and N3 are never guessed: they need ``--syntax``.
    """
    head = head.removeprefix(_UTF8_BOM)
    if _XML_START.match(head):
        return "xml"
    if head.lstrip()[:1] in (b"{", b"["):
        stripped = head.lstrip()
        if stripped[:1] == b"{" or re.match(rb"\[\s*(?:\{|\]|$)", stripped):
            return "json-ld"
    body = head[_COMMENT_LINES.match(head).end() :]  # type: ignore[union-attr]
    if _QUAD_LINE.match(body):
        return "nquads"
    if _TURTLE_START.match(body):
        return "turtle"
    raise InputError(
        shown, "cannot tell the RDF syntax from the content; give it with --syntax"
    )


def _checked_start(path: Path, shown: str) -> tuple[int, int]:
    """``(size, bytes to skip)``: refuses empty, compressed, UTF-16/32 and binary files."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
            if not head.strip():
                while chunk := handle.read(_CHUNK):
                    if chunk.strip():
                        head = chunk
                        break
    except OSError as exc:
        raise _os_error(path, exc, shown) from None
    offset = len(_UTF8_BOM) if head.startswith(_UTF8_BOM) else 0
    if not head[offset:].strip():
        raise InputError(shown, "standard input is empty" if shown == STDIN else "file is empty")
    problem = _binary_kind(head)
    if problem:
        raise InputError(shown, problem)
    return size, offset


def _binary_kind(head: bytes) -> str | None:
    """Why ``head`` cannot start an RDF text file (compressed, UTF-16/32), or None."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip-compressed, not RDF text: decompress it first"
    if head.startswith((b"BZh", b"\xfd7zXZ\x00", b"PK\x03\x04", b"\x28\xb5\x2f\xfd")):
        return "compressed or archived, not RDF text: extract it first"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (
        len(head) >= 2 and (head[0] == 0) != (head[1] == 0)
    ):
        return "UTF-16 or UTF-32 text: RDF files must be UTF-8"
    return None


# --- RDF/XML: one expat pass before any parser ---------------------------------------------


def check_xml_safety(path: Path, shown: str) -> None:
    """Refuse RDF/XML that would make a parser read other files or grow without bound.

    One expat pass: external entities, external parameter entities and unparsed entities
    are refused without being read; an internal entity whose expansion exceeds
    :data:`MAX_ENTITY_CHARS`, elements nested deeper than :data:`MAX_XML_DEPTH`, and
    anything expat's own amplification limit stops (expat 2.4 and later) are refused; a
    file that is not well-formed XML is refused with expat's line. Simple internal entities
    (``<!ENTITY owl "http://www.w3.org/2002/07/owl#">``) are fine.
    """
    import xml.parsers.expat as expat

    scan = _XmlScan(expat.ParserCreate(namespace_separator=" "))
    try:
        with path.open("rb") as handle:
            scan.parser.ParseFile(handle)
    except _Refused as refused:
        raise InputError(shown, f"line {scan.parser.CurrentLineNumber}: {refused}") from None
    except expat.ExpatError as error:
        what = expat.ErrorString(error.code) if error.code else str(error)
        raise InputError(shown, f"line {error.lineno}: {what}") from None
    except OSError as exc:
        raise _os_error(path, exc, shown) from None


class _Refused(Exception):
    """An XML construct the safety scan refuses."""


class _XmlScan:
    """expat handlers that track element depth and entity sizes, refusing the unsafe."""

    def __init__(self, parser: object) -> None:
        self.parser = parser
        self.depth = 0
        self.expanded: dict[str, int] = {}
        parser.SetParamEntityParsing(0)  # type: ignore[attr-defined]  # never read a DTD
        parser.StartElementHandler = self.start  # type: ignore[attr-defined]
        parser.EndElementHandler = self.end  # type: ignore[attr-defined]
        parser.EntityDeclHandler = self.entity  # type: ignore[attr-defined]
        parser.ExternalEntityRefHandler = self.external  # type: ignore[attr-defined]
        parser.UnparsedEntityDeclHandler = self.unparsed  # type: ignore[attr-defined]

    def start(self, _name: str, _attributes: object) -> None:
        self.depth += 1
        if self.depth > MAX_XML_DEPTH:
            raise _Refused(f"elements nested more than {MAX_XML_DEPTH} deep")

    def end(self, _name: str) -> None:
        self.depth -= 1

    def entity(
        self,
        name: str,
        is_parameter: bool,
        value: str | None,
        _base: str | None,
        system_id: str | None,
        public_id: str | None,
        _notation: str | None,
    ) -> None:
        kind = "parameter entity" if is_parameter else "entity"
        if value is None or system_id is not None or public_id is not None:
            raise _Refused(f"external {kind} {name!r} refused (kg never reads other files)")
        if is_parameter:
            return
        size = len(value)
        for ref in re.findall(r"&([A-Za-z_][\w.\-]*);", value):
            size += self.expanded.get(ref, 0) - len(ref) - 2
        if size > MAX_ENTITY_CHARS:
            raise _Refused(
                f"entity {name!r} expands to more than {MAX_ENTITY_CHARS:,} characters"
            )
        self.expanded[name] = size

    def external(self, *_args: object) -> int:
        raise _Refused("external entity refused (kg never reads other files)")

    def unparsed(self, name: str, *_args: object) -> None:
        raise _Refused(f"unparsed entity {name!r} refused (kg never reads other files)")


# --- JSON-LD: contexts are never fetched ---------------------------------------------------


def check_jsonld_safety(path: Path, shown: str) -> None:
    """Refuse JSON-LD that would make a parser fetch or read a context, or nest too deep.

    Every ``@context`` (at any depth, and scoped contexts in term definitions) must be
    inline: an object, null, or a list of those. A string (a URL, a ``file:`` IRI, a
    relative path) or an ``@import`` is refused, so neither parser ever opens one.
    """
    try:
        text = path.read_bytes().removeprefix(_UTF8_BOM).decode("utf-8")
    except UnicodeDecodeError:
        return  # the parser reports the bad byte with its line
    except OSError as exc:
        raise _os_error(path, exc, shown) from None
    try:
        document = json.loads(text)
    except RecursionError:
        raise InputError(shown, "JSON nested too deeply (about 1000 levels at most)") from None
    except ValueError:
        return  # the parser reports the syntax error with its line
    problem = _remote_context(document)
    if problem:
        raise InputError(shown, problem)


_NO_FETCH = "kg never fetches or reads JSON-LD contexts"


def _remote_context(document: object) -> str | None:
    """A one-line refusal for the first ``@context``/``@import`` naming a document, or None."""
    pending: list[tuple[object, bool]] = [(document, False)]
    while pending:
        value, in_context = pending.pop()
        if in_context and isinstance(value, str):
            return f"@context {_clip(value, 80)!r} refused: {_NO_FETCH}; put the context inline"
        if isinstance(value, list):
            pending.extend((item, in_context) for item in value)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key == "@import" and in_context:
                    return f"@import {_clip(str(item), 80)!r} refused: {_NO_FETCH}"
                if key == "@context":
                    pending.append((item, True))
                elif isinstance(item, (dict, list)):
                    pending.append((item, False))
    return None


def _clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def short_message(text: str) -> str:
    """A parser's message made one short line: the first line, cut to the message limit."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    return _clip(first)
