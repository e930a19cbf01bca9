"""Which SPARQL engine the command line uses, behind one small interface.

``oxigraph`` (pyoxigraph: files parsed and queried in Rust) is used whenever pyoxigraph can
be imported; ``rdflib`` is the fallback and what the Python API (``kg.query``) runs. Set
``KG_ENGINE=rdflib`` (or ``oxigraph``) to choose. Both take a :class:`kg.catalogue.NamedQuery`
and :class:`kg.terms.Term` bindings and give results that ``kg.results`` writes to the same
bytes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from kg.catalogue import NamedQuery
from kg.errors import InputError
from kg.terms import Term

ENGINE_VARIABLE = "KG_ENGINE"
ENGINES = ("oxigraph", "rdflib")


class Engine(Protocol):
    """Load files, compile a query (InputError for SERVICE, deep nesting and other text
    no engine should see), run it (at most ``max_rows`` rows); compute ``kg stats``."""

    name: str

    def load(self, paths: Sequence[str], bundled: bool, syntax: str | None) -> Any: ...

    def compile(self, named: NamedQuery) -> Any: ...

    def run(
        self,
        compiled: Any,
        bindings: Mapping[str, Term],
        graph: Any,
        *,
        max_rows: int | None = None,
    ) -> Any: ...

    def stats(self, graph: Any) -> Any: ...


class OxigraphEngine:
    """pyoxigraph: an in-memory Store (``kg.oxengine``)."""

    name = "oxigraph"

    def load(self, paths: Sequence[str], bundled: bool, syntax: str | None) -> Any:
        from kg import oxengine

        return oxengine.load(paths, bundled=bundled, syntax=syntax)

    def compile(self, named: NamedQuery) -> Any:
        from kg import oxengine

        return oxengine.compile_query(named)

    def run(
        self,
        compiled: Any,
        bindings: Mapping[str, Term],
        graph: Any,
        *,
        max_rows: int | None = None,
    ) -> Any:
        from kg import oxengine

        return oxengine.run(compiled, bindings, graph, max_rows=max_rows)

    def stats(self, graph: Any) -> Any:
        from kg.stats import stats_from

        return stats_from(graph.select, graph.triple_count())


class RdflibEngine:
    """rdflib: a Dataset and its flat graph (``kg.loader``, ``kg.sparql``)."""

    name = "rdflib"

    def load(self, paths: Sequence[str], bundled: bool, syntax: str | None) -> Any:
        from kg.loader import load

        return load(paths, bundled=bundled, syntax=syntax)

    def compile(self, named: NamedQuery) -> Any:
        from kg.sparql import compile_query

        return compile_query(named)

    def run(
        self,
        compiled: Any,
        bindings: Mapping[str, Term],
        graph: Any,
        *,
        max_rows: int | None = None,
    ) -> Any:
        from kg.sparql import run_local

        return run_local(compiled, bindings, graph, max_rows=max_rows)

    def stats(self, graph: Any) -> Any:
        from kg.stats import compute_stats

        return compute_stats(graph.graph)


def pick(name: str | None = None) -> Engine:
    """The engine called ``name``, else ``$KG_ENGINE``, else Oxigraph when installed."""
    name = name or os.environ.get(ENGINE_VARIABLE) or None
    if name in (None, "oxigraph"):
        try:
            import pyoxigraph  # noqa: F401
        except ImportError:
            if name == "oxigraph":
                raise InputError(ENGINE_VARIABLE, "oxigraph: pyoxigraph is not installed") from None
            return RdflibEngine()
        return OxigraphEngine()
    if name == "rdflib":
        return RdflibEngine()
    raise InputError(ENGINE_VARIABLE, f"unknown engine {name!r} (known: {', '.join(ENGINES)})")
