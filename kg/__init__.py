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
    "load": "kg.store.oxengine",
    "KnowledgeGraph": "kg.store.oxengine",
    "validate": "kg.checks.validation",
    "Report": "kg.checks.validation",
    "compute_stats": "kg.stats",
    "Stats": "kg.stats",
    "KGError": "kg.errors",
    "query": "kg.querying.sparql",
    "Rows": "kg.querying.sparql",
    "to_networkx": "kg.views.network",
    "render_html": "kg.views.view",
    "serialize": "kg.exports.export",
    "export_graph": "kg.exports.export",
    "skolemize": "kg.exports.export",
    "push": "kg.remote.stores",
    "PushResult": "kg.remote.stores",
    "serve": "kg.remote.stores",
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
    from kg.checks.validation import Report, validate
    from kg.errors import KGError
    from kg.exports.export import export_graph, serialize, skolemize
    from kg.querying.sparql import Rows, query
    from kg.remote.stores import PushResult, push, serve
    from kg.stats import Stats, compute_stats
    from kg.store.oxengine import KnowledgeGraph, load
    from kg.views.network import to_networkx
    from kg.views.view import render_html


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kg' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
