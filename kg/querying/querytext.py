"""What a query's text says, read with the scanner (no SPARQL engine needed).

Checks every engine makes before parsing (an empty text, an unknown prefix, an update in
disguise), the query's form and whether it orders its rows, turning a parser's position into
``line L, column C``, and the ``VALUES`` block that binds parameters on an endpoint and on
Oxigraph.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from kg.errors import InputError
from kg.prefixes import PREFIXES
from kg.querying import catalogue
from kg.querying.catalogue import NamedQuery, Token, line_column, scan
from kg.terms import nt_term

FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_WORDS = (
    "INSERT", "DELETE", "DROP", "LOAD", "CLEAR", "CREATE", "ADD", "MOVE", "COPY", "WITH",
)  # fmt: skip
UPDATE_REFUSED = "SPARQL Update is not allowed: kg query only reads the graph"

# Deeper nesting of { ( [ than this is refused before any parser sees the text: parsers
# recurse per level (Oxigraph's overflows its stack near 5,000 levels, rdflib's near 40 at
# Python's default recursion limit); real queries stay far below it.
MAX_NESTING = 64
OPENERS, CLOSERS = "{([", "})]"
SERVICE_REFUSED = (
    "SERVICE is not allowed in a local query: kg never contacts a server you did not name "
    "(send the query to that server with --endpoint instead)"
)


# Query text longer than this is refused before it is scanned or parsed (the scanner and
# both parsers take seconds per megabyte); bind long lists from a --data file instead.
MAX_QUERY_BYTES = 1_000_000
# rdflib expands \uXXXX and \UXXXXXXXX escapes anywhere in the text before parsing (SPARQL
# 1.1, 19.2), with this pattern; the checks look at the text it would parse as well.
_CODEPOINT_ESCAPE = re.compile(r"\\u([0-9a-f]{4}(?:[0-9a-f]{4})?)", re.I)
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# So in a VALUES literal the "u" or "U" after an escaped backslash is written as an escape
# of its own, \U00000075 (eight digits, the most that pattern takes): the literal reads back
# as written whether or not the engine expands escapes first (rdflib does, Oxigraph not).
_BACKSLASH_U = re.compile(r"(?<=\\\\)[uU]")
# Words that end a DESCRIBE's targets: its WHERE clause goes before them.
MODIFIERS = ("GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES")


@dataclass(frozen=True)
class Shape:
    """A query's form (SELECT, ASK, CONSTRUCT, DESCRIBE), ORDER BY, and ``SELECT *``."""

    kind: str
    ordered: bool
    star: bool


def precheck(
    named: NamedQuery, *, local: bool = True, prefixes: dict[str, str] | None = None
) -> None:
    """InputError for text no engine should see: too long, not UTF-8, nested too deep, a
    SERVICE call (``local``), empty, or with a prefix neither declared in the text nor in
    ``prefixes`` (default: the project's), before any parser runs."""
    text, where = named.text, named.source
    check_size(len(text), where)
    check_encoding(text, where)
    check_limits(text, where, local=local)
    expanded = expand_escapes(text, where)
    if expanded != text:
        check_encoding(expanded, where, escaped=True)
        check_limits(expanded, where, local=local)
    if not list(scan(text)):
        raise InputError(where, "no query (the text is empty or only comments)")
    declared = catalogue.declared_prefixes(text)
    for token in catalogue.used_prefixes(text):
        prefix = token.text.split(":", 1)[0]
        if prefix not in declared and prefix not in (PREFIXES if prefixes is None else prefixes):
            line, column = line_column(text, token.start)
            raise InputError(
                where,
                f"line {line}, column {column}: unknown prefix '{prefix}:' "
                "(declare it with PREFIX)",
            )


def check_limits(text: str, where: str, *, local: bool = True) -> None:
    """InputError for nesting deeper than MAX_NESTING, and (``local``) for a SERVICE call.

    Strings, IRIs and comments are skipped by the scanner, so ``"{{{"`` or ``# SERVICE`` in
    a query are not counted.
    """
    depth = 0
    for token in scan(text):
        if token.kind == "punct" and token.text in OPENERS:
            depth += 1
            if depth > MAX_NESTING:
                line, column = line_column(text, token.start)
                raise InputError(
                    where,
                    f"line {line}, column {column}: the query nests deeper than "
                    f"{MAX_NESTING} levels of {{ ( [",
                )
        elif token.kind == "punct" and token.text in CLOSERS:
            depth = max(depth - 1, 0)
        elif local and token.kind == "word" and token.text.upper() == "SERVICE":
            line, column = line_column(text, token.start)
            raise InputError(where, f"line {line}, column {column}: {SERVICE_REFUSED}")


def check_size(size: int, where: str) -> None:
    """InputError for query text of more than MAX_QUERY_BYTES (``size`` in bytes or chars)."""
    if size > MAX_QUERY_BYTES:
        raise InputError(
            where,
            f"the query text is {size:,} bytes, over the limit of {MAX_QUERY_BYTES:,} "
            "(bind long lists of values from a --data file instead)",
        )


def decode_query(raw: bytes, where: str) -> str:
    """``raw`` query bytes as text; InputError naming the first byte that is not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise InputError(
            where,
            f"line {line}, byte {error.start}: not UTF-8 (byte 0x{raw[error.start]:02x})",
        ) from None


def check_encoding(text: str, where: str, *, escaped: bool = False) -> None:
    """InputError for a lone surrogate in ``text``: a byte that was not UTF-8 (Python keeps
    undecodable command-line bytes as U+DC80..U+DCFF) or, once ``escaped`` ``\\u`` escapes
    are expanded, a surrogate code point that no UTF-8 output can carry."""
    match = _SURROGATE.search(text)
    if match is None:
        return
    char = match.group()
    if escaped:
        line, column = line_column(text, match.start())
        raise InputError(
            where,
            f"line {line}, column {column}: \\u{ord(char):04X} is a surrogate code point, "
            "not a character (write characters above U+FFFF as \\UXXXXXXXX)",
        )
    offset = len(text[: match.start()].encode("utf-8", "surrogateescape"))
    line = text.count("\n", 0, match.start()) + 1
    if 0xDC80 <= ord(char) <= 0xDCFF:
        detail = f"not UTF-8 (byte 0x{ord(char) - 0xDC00:02x})"
    else:
        detail = f"not valid Unicode (lone surrogate U+{ord(char):04X})"
    raise InputError(where, f"line {line}, byte {offset}: {detail}")


def expand_escapes(text: str, where: str) -> str:
    """``text`` with ``\\u`` escapes expanded as rdflib's parser does; InputError for an
    escape that names no code point (rdflib would raise ValueError)."""
    if "\\" not in text:
        return text

    def expand(match: re.Match[str]) -> str:
        code = int(match.group(1), 16)
        if code > 0x10FFFF:
            line, column = line_column(text, match.start())
            raise InputError(
                where, f"line {line}, column {column}: {match.group()} is not a Unicode code point"
            )
        return chr(code)

    return _CODEPOINT_ESCAPE.sub(expand, text)


def starts_like_update(text: str) -> bool:
    """Whether the first keyword after the prologue is an update operation."""
    words = [t.text.upper() for t in scan(text) if t.kind == "word"]
    words = [word for word in words if word not in ("PREFIX", "BASE")]
    return bool(words) and words[0] in UPDATE_WORDS


def calls_service(text: str) -> bool:
    """Whether the query has a SERVICE keyword (outside strings, IRIs and comments)."""
    return any(t.kind == "word" and t.text.upper() == "SERVICE" for t in scan(text))


def names_dataset(text: str) -> bool:
    """Whether the query names its own dataset (a FROM or FROM NAMED clause)."""
    return any(t.kind == "word" and t.text.upper() == "FROM" for t in scan(text))


def shape(text: str) -> Shape:
    """The form of a query that parsed, whether it has a top-level ORDER BY, and ``*``."""
    tokens = list(scan(text))
    start = form_index(tokens)
    kind = tokens[start].text.upper() if start is not None else "SELECT"
    star = False
    if start is not None and kind == "SELECT":
        rest = [t.text.upper() for t in tokens[start + 1 : start + 3]]
        star = bool(rest) and (rest[0] == "*" or rest[:2] in (["DISTINCT", "*"], ["REDUCED", "*"]))
    depth = 0
    ordered = False
    for index, token in enumerate(tokens):
        if token.kind == "punct" and token.text == "{":
            depth += 1
        elif token.kind == "punct" and token.text == "}":
            depth -= 1
        elif (
            depth == 0
            and token.kind == "word"
            and token.text.upper() == "ORDER"
            and index + 1 < len(tokens)
            and tokens[index + 1].text.upper() == "BY"
        ):
            ordered = True
    return Shape(kind=kind, ordered=ordered, star=star)


def star_order(text: str, names: list[str]) -> list[str]:
    """``SELECT *`` columns in order of first mention in the query (engines differ here)."""
    mentioned = {name: index for index, name in enumerate(catalogue.variables(text))}
    return sorted(names, key=lambda name: (mentioned.get(name, len(mentioned)), name))


def syntax_error(text: str, offset: int, detail: str = "") -> str:
    """``line L, column C: what`` for a parser that stopped at character ``offset``."""
    line, column = line_column(text, min(offset, len(text)))
    if offset >= len(text.rstrip()):
        what = "the query ends too early"
    elif detail:
        what = f"syntax error at {detail}"
    else:
        what = "syntax error"
    return f"line {line}, column {column}: {what}"


def offset_of(text: str, line: int, column: int) -> int:
    """The character offset of 1-based ``line`` and ``column`` in ``text``."""
    lines = text.split("\n")
    line = max(1, min(line, len(lines)))
    return sum(len(item) + 1 for item in lines[: line - 1]) + max(column - 1, 0)


def token_at(text: str, offset: int) -> str:
    """The significant token at or after ``offset``, quoted (for error messages)."""
    for token in scan(text[offset:]):
        return repr(token.text[:30])
    return ""


# --- Binding parameters as a VALUES block --------------------------------------------------


def remote_text(text: str, bindings: Mapping[str, object]) -> str:
    """The text sent to an endpoint: project prefixes the query uses, then ``VALUES``."""
    declared = catalogue.declared_prefixes(text)
    missing = [
        token.text.split(":", 1)[0]
        for token in catalogue.used_prefixes(text)
        if token.text.split(":", 1)[0] not in declared
    ]
    header = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in missing if p in PREFIXES)
    return header + with_values(text, bindings)


def with_values(text: str, bindings: Mapping[str, object]) -> str:
    """``text`` with a one-row VALUES block of ``bindings`` opening its WHERE group.

    Terms are written in N-Triples syntax, so a value can never become query syntax. A query
    without a WHERE group (``DESCRIBE ?_x_iri``) gets ``WHERE { VALUES ... }`` at its end.
    """
    if not bindings:
        return text
    names = list(bindings)
    block = (
        "VALUES ("
        + " ".join(f"?{name}" for name in names)
        + ") { ("
        + " ".join(sparql_term(bindings[name]) for name in names)
        + ") }"
    )
    text = _long_construct(text)
    position = where_group(text)
    if position is None:
        end = _modifiers_start(text)
        return f"{text[:end].rstrip()}\nWHERE {{ {block} }}\n{text[end:].lstrip()}"
    return f"{text[: position + 1]} {block} {text[position + 1 :]}"


def sparql_term(term: object) -> str:
    """``term`` as SPARQL query text: N-Triples syntax, with every "u" or "U" that follows an
    escaped backslash written ``\\U00000075`` (``\\U00000055``), so that no engine expanding
    ``\\u`` escapes in the whole text first can read ``\\u0022`` in a value as a quote."""
    return _BACKSLASH_U.sub(lambda match: f"\\U{ord(match.group()):08X}", nt_term(term))


def _modifiers_start(text: str) -> int:
    """Where a query without a WHERE group (``DESCRIBE ?x LIMIT 1``) has its solution
    modifiers or trailing VALUES (the end of the text if it has none). No such word can come
    before the query form (only PREFIX and BASE can), so the scan starts at the beginning."""
    words = (t for t in scan(text) if t.kind == "word" and t.text.upper() in MODIFIERS)
    return next((t.start for t in words), len(text))


def form_index(tokens: list[Token]) -> int | None:
    """The index of the query form keyword (SELECT, ASK, CONSTRUCT, DESCRIBE)."""
    return next(
        (i for i, t in enumerate(tokens) if t.kind == "word" and t.text.upper() in FORMS), None
    )


def _long_construct(text: str) -> str:
    """``CONSTRUCT WHERE { P }`` written as ``CONSTRUCT { P } WHERE { P }``.

    Only the long form may hold a VALUES block; other queries are returned unchanged.
    """
    tokens = list(scan(text))
    start = form_index(tokens)
    if start is None or tokens[start].text.upper() != "CONSTRUCT" or start + 2 >= len(tokens):
        return text
    where, opening = tokens[start + 1], tokens[start + 2]
    if where.text.upper() != "WHERE" or opening.text != "{":
        return text
    closing = tokens[_after_group(tokens, start + 2) - 1]
    body = text[opening.start + 1 : closing.start]
    return f"{text[: where.start]}{{{body}}} {text[where.start :]}"


def where_group(text: str) -> int | None:
    """The offset of the ``{`` that opens the query's top-level WHERE group, if any."""
    tokens = list(scan(text))
    start = form_index(tokens)
    if start is None:
        return None
    index = start + 1
    if tokens[start].text.upper() == "CONSTRUCT":
        short_form = index < len(tokens) and tokens[index].text.upper() == "WHERE"
        if not short_form:
            index = _after_group(tokens, index)
    depth = 0  # of parentheses: (EXISTS { ... } AS ?e) in a SELECT's projection is no WHERE
    for token in tokens[index:]:
        if token.kind == "punct" and token.text == "(":
            depth += 1
        elif token.kind == "punct" and token.text == ")":
            depth -= 1
        elif token.kind == "punct" and token.text == "{" and depth == 0:
            return token.start
        elif token.kind == "word" and token.text.upper() in MODIFIERS:
            return None  # DESCRIBE ?x VALUES ?x { ... }: that brace is not a WHERE group
    return None


def _after_group(tokens: list[Token], index: int) -> int:
    """The token index just after the brace group that starts at or after ``index``."""
    depth = 0
    for position in range(index, len(tokens)):
        token = tokens[position]
        if token.kind != "punct":
            continue
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
            if depth == 0:
                return position + 1
    return len(tokens)


def first_line(message: str) -> str:
    """The first line of a (possibly multi-line) message."""
    return message.strip().splitlines()[0] if message.strip() else ""
