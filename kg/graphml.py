"""GraphML text of a property graph, written directly (networkx builds an XML tree first).

The output is the document ``networkx.generate_graphml(graph, prettyprint=True)`` gives,
byte for byte (ASCII, other characters as references such as ``&#8212;``), except that
text is never split at the characters ``str.splitlines`` treats
as line ends (U+2028, form feed, ...), which networkx's lines turn into newlines: a literal
keeps them. One key per attribute name, type and scope, numbered in the order networkx
numbers them (graph, then nodes, then edges) and listed last-made first, as networkx does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

_NAMESPACES = (
    'xmlns="http://graphml.graphdrawing.org/xmlns" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
    'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"'
)
# networkx's names for Python types (its table, where the last entry for a type wins).
_XML_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}

_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTRIBUTE = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\r": "&#13;",
        "\n": "&#10;",
        "\t": "&#09;",
    }
)


def _xml_type(value: Any) -> str:
    try:
        return _XML_TYPES[type(value)]
    except KeyError:
        raise TypeError(f"GraphML does not support type {type(value)} as data values.") from None


def graphml(network: Any) -> str:
    """The GraphML document of a networkx graph whose attribute values are str, int,
    float or bool (see :func:`kg.export._flat_network`)."""
    keys: dict[tuple[str, str, str], str] = {}

    def key(name: str, value: Any, scope: str) -> str:
        found = (name, _xml_type(value), scope)
        if found not in keys:
            keys[found] = f"d{len(keys)}"
        return keys[found]

    def data_lines(attributes: dict[str, Any], scope: str, indent: str) -> list[str]:
        lines = []
        for name, value in attributes.items():
            text = str(value).translate(_TEXT)
            tag = f'<data key="{key(str(name), value, scope)}"'
            lines.append(f"{indent}{tag}>{text}</data>" if text else f"{indent}{tag} />")
        return lines

    graph_data = {
        k: v for k, v in network.graph.items() if k not in ("node_default", "edge_default", "id")
    }
    body = data_lines(graph_data, "graph", "    ")
    for node, attributes in network.nodes(data=True):
        body.extend(_element("node", {"id": str(node)}, data_lines(attributes, "node", "      ")))
    if network.is_multigraph():
        edges: Iterator[tuple[Any, Any, Any, dict]] = network.edges(keys=True, data=True)
    else:
        edges = ((u, v, None, d) for u, v, d in network.edges(data=True))
    for u, v, edge_key, attributes in edges:
        names = {"source": str(u), "target": str(v)}
        if edge_key is not None:
            names["id"] = str(edge_key)
        body.extend(_element("edge", names, data_lines(attributes, "edge", "      ")))
    direction = "directed" if network.is_directed() else "undirected"
    graph_id = network.graph.get("id")
    graph_names = {"edgedefault": direction} | ({"id": str(graph_id)} if graph_id else {})
    head = [f"<graphml {_NAMESPACES}>"]
    for (name, xml_type, scope), number in reversed(keys.items()):
        head.append(
            f'  <key id="{number}" for="{scope}" attr.name="{_attribute(name)}" '
            f'attr.type="{xml_type}" />'
        )
    graph = _element("graph", graph_names, body, indent="  ")
    document = "\n".join([*head, *graph, "</graphml>"]) + "\n"
    return document.encode("ascii", "xmlcharrefreplace").decode("ascii")


def _attribute(value: str) -> str:
    return value.translate(_ATTRIBUTE)


def _element(
    tag: str, names: dict[str, str], children: list[str], indent: str = "    "
) -> list[str]:
    opening = " ".join([tag, *(f'{k}="{_attribute(v)}"' for k, v in names.items())])
    if not children:
        return [f"{indent}<{opening} />"]
    return [f"{indent}<{opening}>", *children, f"{indent}</{tag}>"]
