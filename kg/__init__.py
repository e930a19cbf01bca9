"""ssp-kg: a curated knowledge graph of how small-scale production shapes global supply chains.

The public API::

    import kg
    graph = kg.load()                 # the bundled graph (ontology + data + shapes)
    graph = kg.load(["mine.ttl"])     # a user's RDF file instead
    report = kg.validate(graph, source="article.txt")
    rows = kg.query("article-q4")     # a catalogue query (or .rq file, or SPARQL text)
    page = kg.render_html(kg.to_networkx(graph))  # an offline, interactive HTML view
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public names -> defining module; imported on first use so that `import kg` stays cheap.
_EXPORTS: dict[str, str] = {
    "load": "kg.oxengine",
    "KnowledgeGraph": "kg.oxengine",
    "validate": "kg.validation",
    "Report": "kg.validation",
    "compute_stats": "kg.stats",
    "Stats": "kg.stats",
    "KGError": "kg.errors",
    "query": "kg.sparql",
    "Rows": "kg.sparql",
    "to_networkx": "kg.network",
    "render_html": "kg.view",
    "serialize": "kg.export",
    "export_graph": "kg.export",
    "skolemize": "kg.export",
    "push": "kg.stores",
    "PushResult": "kg.stores",
    "serve": "kg.stores",
}

__all__ = [
    "KGError",
    "KnowledgeGraph",
    "PushResult",
    "Report",
    "Rows",
    "Stats",
    "__version__",
    "compute_stats",
    "export_graph",
    "load",
    "push",
    "query",
    "render_html",
    "serialize",
    "serve",
    "skolemize",
    "to_networkx",
    "validate",
]

if TYPE_CHECKING:  # pragma: no cover
    from kg.errors import KGError
    from kg.export import export_graph, serialize, skolemize
    from kg.network import to_networkx
    from kg.oxengine import KnowledgeGraph, load
    from kg.sparql import Rows, query
    from kg.stats import Stats, compute_stats
    from kg.stores import PushResult, push, serve
    from kg.validation import Report, validate
    from kg.view import render_html


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kg' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
