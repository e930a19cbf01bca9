"""Shared fixtures: paths, the bundled graph, the article, and a CLI runner.

Fixtures that need a real browser or server live in their own sections below; under
CI=true a missing browser or server is a failure, never a skip. The article's full text is
not part of the repository: the few tests that need it skip, naming where it is looked for,
when it is absent (also under CI, since a clone elsewhere has no ../shared).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The prefixes hand-written Turtle fixtures use.
TURTLE_PREFIXES = """\
@prefix ex:   <http://example.org/> .
@prefix rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ssp:  <https://w3id.org/ssp-kg/ontology#> .
"""
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(condition: bool, what: str) -> None:
    """Skip when ``what`` is missing on a developer machine; fail under CI."""
    if not condition:
        if IN_CI:
            pytest.fail(f"{what} is missing, and CI must not skip it")
        pytest.skip(f"{what} is missing")


@pytest.fixture(scope="session")
def article_path() -> Path:
    """The source article: $KG_ARTICLE, or ../shared/sources/article.txt beside the repo.

    Its text is someone else's and never ships with the repository, so a test that needs it
    skips when it is absent, even under CI.
    """
    default = REPO.parent / "shared" / "sources" / "article.txt"
    path = Path(os.environ.get("KG_ARTICLE", default))
    if not path.is_file():
        pytest.skip(f"the article's text is absent: set KG_ARTICLE or put it at {default}")
    return path


@pytest.fixture(scope="session")
def bundled():
    """The bundled knowledge graph, loaded once per test session."""
    import kg

    return kg.load()


# The bundled files queries see, found from the repository's layout: the ontology and every
# data file, not the SHACL shapes.
BUNDLED_FILES = [REPO / "ontology" / "ssp.ttl", *sorted((REPO / "data").glob("*.ttl"))]


@pytest.fixture(scope="session")
def rdflib_bundled():
    """The bundled graph as rdflib parses it on its own (an oracle independent of kg)."""
    from rdflib import Graph

    graph = Graph()
    for path in BUNDLED_FILES:
        graph.parse(path)
    return graph


class CliResult:
    """What a `kg` subprocess did."""

    def __init__(self, completed: subprocess.CompletedProcess[str]) -> None:
        self.code = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr

    def __repr__(self) -> str:
        out, err = self.stdout[:500], self.stderr[:500]
        return f"CliResult(code={self.code}, stdout={out!r}, stderr={err!r})"


def kg_process(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """The real `kg` command (``python -m kg ARGS``) in a subprocess, text out."""
    return subprocess.run(
        [sys.executable, "-m", "kg", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def run_kg():
    """Run the real `kg` command (``python -m kg``) in a subprocess, as a user would."""

    def run(*args: str, cwd: Path | None = None, input: str | None = None) -> CliResult:
        completed = subprocess.run(
            [sys.executable, "-m", "kg", *args],
            cwd=cwd or REPO,
            input=input,
            capture_output=True,
            text=True,
            timeout=300,
        )
        return CliResult(completed)

    return run


# --- Real SPARQL servers -------------------------------------------------------------------


@pytest.fixture(scope="session")
def bundled_nquads(tmp_path_factory, bundled) -> Path:
    """The bundled graph (ontology + data, not the shapes) as one N-Quads file."""
    from rdflib import Dataset, URIRef

    from kg.namespaces import SHAPES_GRAPH

    out = Dataset()
    for graph in bundled.dataset.graphs():
        if graph.identifier != URIRef(SHAPES_GRAPH) and len(graph):
            target = out.graph(graph.identifier)
            for triple in graph:
                target.add(triple)
    path = tmp_path_factory.mktemp("oxigraph-data") / "bundled.nq"
    out.serialize(destination=path, format="nquads")
    return path


@pytest.fixture(scope="session")
def oxigraph_bundled(tmp_path_factory, bundled_nquads):
    """A read-only Oxigraph server on 127.0.0.1 holding the bundled graph (union default graph)."""
    from .servers import OxigraphServer, oxigraph_binary

    require(oxigraph_binary() is not None, "the oxigraph server (pip install oxigraph)")
    location = tmp_path_factory.mktemp("oxigraph-store")
    server = OxigraphServer(location, [bundled_nquads], read_only=True)
    yield server
    server.stop()


# --- Headless Chromium (HTML view tests) ---------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="session")
def chromium():
    """Debian's headless Chromium driven by Playwright (it cannot download a browser here)."""
    require(CHROMIUM.exists(), f"Chromium ({CHROMIUM}; apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# --- Virtuoso (push tests) ------------------------------------------------------------------


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    """A read-write Virtuoso on 127.0.0.1 with a temp database, SPARQL_UPDATE granted."""
    from .servers import VirtuosoServer, isql_binary, virtuoso_binary

    require(
        virtuoso_binary() is not None and isql_binary() is not None,
        "Virtuoso (apt-get install virtuoso-opensource-7-bin)",
    )
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso"))
    yield server
    server.stop()
