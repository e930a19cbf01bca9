"""The named query catalogue: ``kg/queries/*.rq``, their grlc decorators and parameters.

Each catalogue file is one SPARQL query that opens with grlc-style decorators (``#+ summary:``,
``#+ tags:``, ``#+ defaults:`` ...) and names its parameters with grlc's convention, so the
folder can be served by grlc unchanged:

- ``?_name`` is a required parameter, ``?__name`` an optional one;
- an optional suffix types it: ``?_name_iri`` (an IRI), ``?_name_integer`` (or any XSD datatype
  name), ``?_name_number``, ``?_name_en`` (a literal in that language),
  ``?_name_prefix_datatype`` (``?_day_xsd_date``); no suffix (or ``_string``, ``_literal``)
  means a plain string.

A parameter may appear anywhere in triple patterns, but in FILTER and BIND only at the top
level of the WHERE group: on an endpoint its value arrives as a VALUES block opening that
group, which nested groups (OPTIONAL, UNION branches, sub-selects) evaluate without.

The same rules apply to a query read from a file, stdin or the command line. This module also
holds the small SPARQL scanner the rest of the package uses to look at query text without
running it (variables, prefixes, where the WHERE group opens).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TextIO

from kg import resources
from kg.errors import InputError
from kg.prefixes import PREFIXES, with_declared

XSD = "http://www.w3.org/2001/XMLSchema#"

# XSD datatype names a parameter suffix may use (``?_n_integer`` -> xsd:integer).
XSD_TYPES = frozenset(
    {
        "string", "boolean", "decimal", "integer", "int", "long", "short", "byte",
        "nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger",
        "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte",
        "float", "double", "date", "dateTime", "dateTimeStamp", "time", "gYear",
        "gYearMonth", "duration", "anyURI", "token", "language", "normalizedString",
    }
)  # fmt: skip

# grlc's parameter pattern: one or two underscores, a name without underscores, then an
# optional type and an optional user-defined datatype local name.
_PARAMETER = re.compile(
    r"^(?P<required>_{1,2})(?P<name>[^_]+)(?:_(?P<type>[A-Za-z0-9]+))?"
    r"(?:_(?P<local>[A-Za-z0-9]+))?$"
)
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


# --- A small SPARQL scanner ----------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    """One significant piece of SPARQL text (comments and white space are dropped)."""

    kind: str  # iri, string, var, bnode, pname, word, punct, other
    text: str
    start: int


_TOKEN_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("space", re.compile(r"\s+")),
    ("comment", re.compile(r"#[^\n\r]*")),
    ("string", re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""', re.S)),
    ("string", re.compile(r"'''(?:[^'\\]|\\.|'(?!''))*'''", re.S)),
    ("string", re.compile(r'"(?:[^"\\\n\r]|\\.)*"')),
    ("string", re.compile(r"'(?:[^'\\\n\r]|\\.)*'")),
    ("iri", re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")),
    ("var", re.compile(r"[?$][\w\u00b7]+")),
    ("bnode", re.compile(r"_:[\w.\-]*")),
    ("pname", re.compile(r"(?:[^\W\d_][\w.\-]*)?:(?:[\w\-.:%]|\\.)*")),
    ("word", re.compile(r"[^\W\d]\w*")),
    ("other", re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)")),
]


def scan(text: str) -> Iterator[Token]:
    """Yield the significant tokens of SPARQL ``text``, skipping comments and white space.

    The scanner knows strings, IRIs, variables, prefixed names and braces well enough to find
    parameters and the WHERE group; it does not check the grammar (rdflib does that).
    """
    position = 0
    length = len(text)
    while position < length:
        for kind, pattern in _TOKEN_PATTERNS:
            match = pattern.match(text, position)
            if match and match.end() > position:
                value = match.group()
                if kind == "pname":
                    value = value.rstrip(".")  # a dot after a local name ends the triple
                if kind not in ("space", "comment"):
                    yield Token(kind, value, position)
                position += len(value)
                break
        else:
            yield Token("punct", text[position], position)
            position += 1


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of character ``offset`` in ``text``."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def declared_prefixes(text: str) -> dict[str, str]:
    """The ``PREFIX p: <iri>`` declarations of a query, in order."""
    tokens = list(scan(text))
    declared: dict[str, str] = {}
    for index, token in enumerate(tokens[:-2]):
        if token.kind == "word" and token.text.upper() == "PREFIX":
            name, iri = tokens[index + 1], tokens[index + 2]
            if name.kind == "pname" and name.text.endswith(":") and iri.kind == "iri":
                declared[name.text[:-1]] = iri.text[1:-1]
    return declared


def used_prefixes(text: str) -> list[Token]:
    """The prefixed names a query uses outside its PREFIX declarations (first use of each)."""
    tokens = list(scan(text))
    seen: set[str] = set()
    used: list[Token] = []
    for index, token in enumerate(tokens):
        if token.kind != "pname":
            continue
        if (
            index
            and tokens[index - 1].kind == "word"
            and tokens[index - 1].text.upper() == ("PREFIX")
        ):
            continue
        prefix = token.text.split(":", 1)[0]
        if prefix not in seen:
            seen.add(prefix)
            used.append(token)
    return used


def variables(text: str) -> list[str]:
    """The names of the variables a query mentions (without ``?``), in order of first use."""
    names: dict[str, None] = {}
    for token in scan(text):
        if token.kind == "var":
            names.setdefault(token.text[1:], None)
    return list(names)


# --- Decorators ----------------------------------------------------------------------------


def parse_decorators(text: str, where: str) -> dict[str, object]:
    """Read the grlc ``#+`` decorator lines of a query as a small YAML mapping.

    Supports what grlc queries use: ``key: value``, ``key: [a, b]``, and a key followed by
    ``- item`` or ``- name: value`` lines. Values are strings.
    """
    decorators: dict[str, object] = {}
    current: list[object] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.startswith("#+"):
            continue
        line = raw[2:].rstrip()
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("- "):
            if current is None:
                raise InputError(where, f"line {number}: a '- item' line must follow 'key:'")
            current.append(_item(stripped[2:].strip()))
            continue
        key, colon, value = stripped.partition(":")
        if not colon or not re.fullmatch(r"[A-Za-z_][\w-]*", key.strip()):
            raise InputError(where, f"line {number}: expected 'key: value' in a #+ decorator")
        value = value.strip()
        if value:
            decorators[key.strip()] = _inline(value)
            current = None
        else:
            current = []
            decorators[key.strip()] = current
    return decorators


def _inline(value: str) -> object:
    if value.startswith("[") and value.endswith("]"):
        return [_scalar(part) for part in value[1:-1].split(",") if part.strip()]
    return _scalar(value)


def _item(value: str) -> object:
    key, colon, rest = value.partition(":")
    if colon and re.fullmatch(r"[A-Za-z_][\w-]*", key) and rest[:1] in (" ", ""):
        return {key: _scalar(rest.strip())}
    return _scalar(value)


def _scalar(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def query_body(text: str) -> str:
    """The query text without its ``#+`` decorator lines."""
    return "\n".join(line for line in text.splitlines() if not line.startswith("#+"))


# --- Parameters ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """A query parameter named by grlc's convention.

    ``kind`` is ``string``, ``iri``, ``number``, ``language`` (a literal tagged ``lang``) or
    ``typed`` (a literal of ``datatype``).
    """

    name: str
    variable: str
    required: bool
    kind: str
    datatype: str | None = None
    lang: str | None = None
    default: str | None = None

    @property
    def type_label(self) -> str:
        """The expected value in one notation: ``iri``, ``string``, ``number``, an XSD
        datatype by its local name (``integer``), another datatype as ``<IRI>``, or a
        language-tagged text as ``text@en``."""
        if self.kind == "typed" and self.datatype:
            if self.datatype.startswith(XSD):
                return self.datatype[len(XSD) :]
            return f"<{self.datatype}>"
        if self.kind == "language":
            return f"text@{self.lang}"
        return self.kind

    def describe(self) -> str:
        """``name (type)``, ``name (type, optional)`` or ``name (type, default V)``."""
        notes = [self.type_label]
        if self.default is not None:
            notes.append(f"default {self.default}")
        elif not self.required:
            notes.append("optional")
        return f"{self.name} ({', '.join(notes)})"


def find_parameters(
    text: str, defaults: dict[str, str] | None = None, where: str = "<query>"
) -> list[Parameter]:
    """The grlc parameters of a query, in order of first use."""
    defaults = defaults or {}
    prefixes = {**PREFIXES, **declared_prefixes(text)}
    found: dict[str, Parameter] = {}
    for variable in variables(text):
        match = _PARAMETER.match(variable)
        if not match:
            continue
        parameter = _parameter(match, variable, prefixes, defaults, where)
        known = found.get(parameter.name)
        if known is not None and known != parameter:
            raise InputError(
                where,
                f"parameter {parameter.name!r} is written two ways "
                f"(?{known.variable} and ?{parameter.variable})",
            )
        found[parameter.name] = parameter
    unknown = sorted(set(defaults) - set(found))
    if unknown:
        raise InputError(where, f"default given for unknown parameter {unknown[0]!r}")
    return list(found.values())


def _parameter(
    match: re.Match[str],
    variable: str,
    prefixes: dict[str, str],
    defaults: dict[str, str],
    where: str,
) -> Parameter:
    name = match.group("name")
    kind_name = match.group("type")
    local = match.group("local")
    kind, datatype, lang = "string", None, None
    if kind_name is None or (kind_name in ("string", "literal") and not local):
        pass
    elif kind_name == "iri" and not local:
        kind = "iri"
    elif kind_name == "number" and not local:
        kind = "number"
    elif local:
        if kind_name not in prefixes:
            raise InputError(where, f"parameter ?{variable}: unknown prefix {kind_name!r}")
        kind, datatype = "typed", prefixes[kind_name] + local
    elif kind_name in XSD_TYPES:
        kind, datatype = "typed", XSD + kind_name
    elif _LANGUAGE.match(kind_name):
        kind, lang = "language", kind_name
    else:
        raise InputError(where, f"parameter ?{variable}: unknown type {kind_name!r}")
    return Parameter(
        name=name,
        variable=variable,
        required=match.group("required") == "_",
        kind=kind,
        datatype=datatype,
        lang=lang,
        default=defaults.get(name),
    )


# --- Named queries -------------------------------------------------------------------------


@dataclass(frozen=True)
class NamedQuery:
    """One query with its decorators and parameters (from the catalogue, a file or text)."""

    name: str
    text: str
    source: str
    summary: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    decorators: dict[str, object] = field(default_factory=dict, compare=False)
    parameters: tuple[Parameter, ...] = ()
    catalogued: bool = False  # one of kg's own queries: its prefixes are the project's

    def prefixes(self, declared: dict[str, str]) -> dict[str, str]:
        """The prefixes the query text is read with, on a graph whose files declare
        ``declared``: the project's for a catalogue query (written for them), else the
        project's with the files' own bindings on top (as results print them)."""
        return dict(PREFIXES) if self.catalogued else with_declared(declared)

    @property
    def body(self) -> str:
        """The SPARQL without the ``#+`` decorator lines."""
        return query_body(self.text)

    @property
    def vocabulary(self) -> tuple[str, ...]:
        """The prefixes of the vocabularies the query is written for (``#+ vocabulary:``)."""
        value = self.decorators.get("vocabulary") or ()
        return (value,) if isinstance(value, str) else tuple(str(v) for v in value)  # type: ignore[union-attr]

    def parameter(self, name: str) -> Parameter | None:
        """The parameter called ``name``, if the query has one."""
        return next((p for p in self.parameters if p.name == name), None)


def from_text(text: str, name: str, source: str) -> NamedQuery:
    """Read decorators and parameters from query ``text`` (``source`` names it in errors)."""
    decorators = parse_decorators(text, source)
    defaults = _defaults(decorators.get("defaults"), source)
    tags = decorators.get("tags", [])
    if isinstance(tags, str):
        tags = [tags]
    return NamedQuery(
        name=name,
        text=text,
        source=source,
        summary=str(decorators.get("summary", "")),
        description=str(decorators.get("description", "")),
        tags=tuple(str(tag) for tag in tags),  # type: ignore[union-attr]
        decorators=decorators,
        parameters=tuple(find_parameters(query_body(text), defaults, source)),
    )


def _defaults(value: object, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, list) or not all(
        isinstance(item, dict) and len(item) == 1 for item in value
    ):
        raise InputError(where, "'defaults' must be a list of '- name: value' lines")
    return {key: str(val) for item in value for key, val in item.items()}


def read_file(path: Path, source: str | None = None) -> NamedQuery:
    """Read one ``.rq`` file (InputError if it is missing, unreadable or not UTF-8).

    ``source`` names the query in error messages (default: the path).
    """
    from kg.store.rdffiles import read_text

    text = read_text(path)
    return from_text(text, path.stem, source or str(path))


@cache
def catalogue() -> dict[str, NamedQuery]:
    """Every catalogue query by name, sorted by name."""
    folder = resources.queries_dir()
    return {
        path.stem: replace(read_file(path, path.stem), catalogued=True)
        for path in sorted(folder.glob("*.rq"))
    }


def names() -> list[str]:
    """The catalogue's query names, sorted."""
    return list(catalogue())


def get(name: str) -> NamedQuery:
    """The catalogue query ``name``; an InputError suggesting close names if there is none."""
    found = _one(name)
    if found is not None:
        return found
    raise InputError(name, "no such query in the catalogue" + suggestion(name))


def _one(name: str) -> NamedQuery | None:
    """The catalogue query ``name`` if there is one, reading only its file when it can."""
    if catalogue.cache_info().currsize:
        return catalogue().get(name)
    if not _NAME.fullmatch(name):
        return None
    path = resources.queries_dir() / f"{name}.rq"
    return replace(read_file(path, name), catalogued=True) if path.is_file() else None


def suggestion(name: str) -> str:
    """``" (did you mean: a, b?)"`` for catalogue names close to ``name``, else a hint."""
    import difflib

    close = difflib.get_close_matches(name, names(), n=3, cutoff=0.5)
    if close:
        return f" (did you mean: {', '.join(close)}?)"
    return " (see `kg queries` for the list)"


def resolve(source: str | Path, stdin: TextIO | None = None) -> NamedQuery:
    """The query ``source`` names: a catalogue name, a ``.rq`` file, ``-`` (stdin) or text."""
    if isinstance(source, Path):
        return read_file(source)
    if source == "-":
        text = (stdin or sys.stdin).read()
        return from_text(text, "stdin", "<stdin>")
    named = _one(source)
    if named is not None:
        return named
    looks_like_text = bool(re.search(r"\s|\{", source.strip()))
    if not looks_like_text and (source.endswith((".rq", ".sparql")) or Path(source).is_file()):
        return read_file(Path(source))
    if looks_like_text:
        return from_text(source, "query", "<query>")
    raise InputError(source, "no such query in the catalogue" + suggestion(source))
