"""GraphML text of a property graph, written directly (networkx builds an XML tree first).

The output is the document ``networkx.generate_graphml(graph, prettyprint=True)`` gives,
byte for byte (ASCII, other characters as references such as ``&#8212;``), except where
networkx's document does not read back as written: text is never split at the characters
``str.splitlines`` treats as line ends (U+2028, form feed, ...), which networkx's lines turn
into newlines, and a carriage return in text is written ``&#13;`` (an XML reader turns a raw
one into a line feed). A literal keeps both. One key per attribute name, type and scope,
numbered in the order networkx numbers them (graph, then nodes, then edges) and listed
last-made first, as networkx does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

_NAMESPACES = (
    'xmlns="http://graphml.graphdrawing.org/xmlns" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
    'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"'
)
# networkx's names for Python types (its table, where the last entry for a type wins).
_XML_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}

_TEXT = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;"))  # "&" first
_ATTRIBUTE = (*_TEXT, ('"', "&quot;"), ("\n", "&#10;"), ("\t", "&#09;"))


def _escaped(text: str, table: tuple[tuple[str, str], ...]) -> str:
    """``text`` with each character of ``table`` replaced (str.replace per character found:
    faster than str.translate's per-character lookups on many short strings)."""
    for char, reference in table:
        if char in text:
            text = text.replace(char, reference)
    return text


def _xml_type(value: Any) -> str:
    try:
        return _XML_TYPES[type(value)]
    except KeyError:
        raise TypeError(f"GraphML does not support type {type(value)} as data values.") from None


def graphml(network: Any) -> str:
    """The GraphML document of a networkx graph whose attribute values are str, int,
    float or bool (see :func:`kg.exports.export._flat_network`)."""
    return graphml_bytes(network).decode("ascii")


def graphml_bytes(network: Any) -> bytes:
    """:func:`graphml`'s document as ASCII bytes."""
    return b"".join(graphml_chunks(network))


CHUNK_LINES = 20_000


def _edges(network: Any) -> Iterable[tuple[Any, Any, Any, dict]]:
    if network.is_multigraph():
        return network.edges(keys=True, data=True)
    return ((u, v, None, d) for u, v, d in network.edges(data=True))


def graphml_chunks(
    network: Any, check: Callable[[str], None] | None = None
) -> Iterator[bytes]:
    """:func:`graphml`'s document as ASCII bytes, a few thousand lines at a time.

    The keys (listed first) are found in a first pass over the attributes, in the order
    networkx numbers them; a value of an unsupported type fails there, before any output.
    ``check`` is given each chunk's text before it is encoded (to refuse what XML cannot
    carry, say).
    """
    check = check or (lambda _text: None)
    keys: dict[tuple[str, str, str], str] = {}
    graph_data = {
        k: v for k, v in network.graph.items() if k not in ("node_default", "edge_default", "id")
    }

    def register(attributes: dict[str, Any], scope: str) -> None:
        for name, value in attributes.items():
            found = (str(name), _xml_type(value), scope)
            if found not in keys:
                keys[found] = f"d{len(keys)}"

    register(graph_data, "graph")
    for _node, attributes in network.nodes(data=True):
        register(attributes, "node")
    for _u, _v, _k, attributes in _edges(network):
        register(attributes, "edge")
    tags = {(name, kind, scope): f'<data key="{key}"'
            for (name, xml, scope), key in keys.items()
            for kind, known in _XML_TYPES.items() if known == xml}  # fmt: skip

    def data_lines(attributes: dict[str, Any], scope: str, indent: str) -> list[str]:
        lines = []
        for name, value in attributes.items():
            text = _escaped(value if type(value) is str else str(value), _TEXT)
            tag = tags[(name if type(name) is str else str(name), type(value), scope)]
            lines.append(f"{indent}{tag}>{text}</data>" if text else f"{indent}{tag} />")
        return lines

    direction = "directed" if network.is_directed() else "undirected"
    graph_id = network.graph.get("id")
    graph_names = {"edgedefault": direction} | ({"id": str(graph_id)} if graph_id else {})
    lines = [f"<graphml {_NAMESPACES}>"]
    for (name, xml_type, scope), key in reversed(keys.items()):
        lines.append(
            f'  <key id="{key}" for="{scope}" attr.name="{_attribute(name)}" '
            f'attr.type="{xml_type}" />'
        )
    body = data_lines(graph_data, "graph", "    ")
    has_body = bool(body) or any(True for _ in network.nodes(data=True)) or any(
        True for _ in _edges(network)
    )
    if not has_body:
        lines.extend(_element("graph", graph_names, [], indent="  "))
    else:
        opening, closing = _element("graph", graph_names, ["-"], indent="  ")[::2]
        lines.append(opening)
        lines.extend(body)

        def flush() -> bytes:
            lines.append("")  # each line ends with a newline
            text = "\n".join(lines)
            lines.clear()
            check(text)
            return text.encode("ascii", "xmlcharrefreplace")

        for node, attributes in network.nodes(data=True):
            names = {"id": str(node)}
            lines.extend(_element("node", names, data_lines(attributes, "node", "      ")))
            if len(lines) >= CHUNK_LINES:
                yield flush()
        for u, v, edge_key, attributes in _edges(network):
            names = {"source": str(u), "target": str(v)}
            if edge_key is not None:
                names["id"] = str(edge_key)
            lines.extend(_element("edge", names, data_lines(attributes, "edge", "      ")))
            if len(lines) >= CHUNK_LINES:
                yield flush()
        lines.append(closing)
    lines.extend(("</graphml>", ""))  # the last newline
    text = "\n".join(lines)
    check(text)
    yield text.encode("ascii", "xmlcharrefreplace")


def _attribute(value: str) -> str:
    return _escaped(value, _ATTRIBUTE)


def _element(
    tag: str, names: dict[str, str], children: list[str], indent: str = "    "
) -> list[str]:
    opening = " ".join([tag, *(f'{k}="{_attribute(v)}"' for k, v in names.items())])
    if not children:
        return [f"{indent}<{opening} />"]
    return [f"{indent}<{opening}>", *children, f"{indent}</{tag}>"]
