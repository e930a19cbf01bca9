"""The catalogue as grlc itself reads and serves it (grlc from PyPI, a test-only dependency).

grlc parses the ``#+`` decorators as YAML and the parameters with its own regular
expression; a decorator block that is not valid YAML leaves grlc with no summary, tags or
defaults. Every catalogue file must read the same through grlc's functions as through
kg.querying.catalogue. Then grlc's own Flask server serves the catalogue folder (its local-file
loader) against a real `kg serve`, and its answers must equal `kg query`'s.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from .conftest import REPO, require
from .servers import free_port, oxigraph_binary, wait_for_http
from .test_serve import Served

QUERIES = sorted((REPO / "kg" / "queries").glob("*.rq"))
XSD = "http://www.w3.org/2001/XMLSchema#"
KG = "https://w3id.org/ssp-kg/id/"


@pytest.fixture(scope="module")
def gquery(tmp_path_factory):
    try:
        import grlc  # noqa: F401
    except ImportError:
        require(False, "grlc (pip install grlc)")
    # grlc reads ./config.ini when it is imported: import it from an empty folder.
    here = Path.cwd()
    os.chdir(tmp_path_factory.mktemp("grlc-import"))
    try:
        from grlc import gquery as module
    finally:
        os.chdir(here)
    return module


def test_the_catalogue_has_its_38_queries():
    assert len(QUERIES) == 38


@pytest.mark.parametrize("path", QUERIES, ids=[path.stem for path in QUERIES])
def test_grlc_reads_the_decorators_as_kg_does(path, gquery, caplog):
    from kg.querying import catalogue

    text = path.read_text(encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="grlc"):
        decorators = gquery.get_yaml_decorators(text)
    assert "could not be parsed" not in caplog.text
    ours = catalogue.get(path.stem)
    # Every catalogue query has a summary, tags and method GET; grlc must see them.
    assert decorators["summary"] == ours.summary != ""
    assert decorators.get("description", "") == ours.description
    assert decorators["tags"] == list(ours.tags) != []
    assert decorators["method"] == "GET"
    assert decorators.get("enumerate") == ours.decorators.get("enumerate")
    grlc_defaults = {
        name: str(value) for item in decorators.get("defaults", []) for name, value in item.items()
    }
    assert grlc_defaults == {p.name: p.default for p in ours.parameters if p.default is not None}
    assert decorators["query"].strip() == ours.body.strip()

    # grlc's parameter parser on the query body, beside kg's reading of it.
    parameters = gquery.get_parameters(decorators["query"], "http://127.0.0.1:9/query", decorators)
    assert sorted(parameters) == sorted(p.name for p in ours.parameters)
    for parameter in ours.parameters:
        theirs = parameters[parameter.name]
        assert theirs["required"] is parameter.required, parameter.name
        assert theirs["original"] == "?" + parameter.variable
        if parameter.kind == "iri":
            assert (theirs["type"], theirs.get("format")) == ("string", "iri")
        elif parameter.kind == "number":
            assert theirs["type"] == "number"
        elif parameter.kind == "typed":
            assert parameter.datatype.startswith(XSD)
            assert theirs["datatype"] == "xsd:" + parameter.datatype[len(XSD) :]
        elif parameter.kind == "language":
            assert theirs["lang"] == parameter.lang
        else:
            assert (theirs["type"], theirs.get("format"), theirs.get("datatype")) == (
                "string",
                None,
                None,
            )
        assert "enum" not in theirs
        if parameter.default is not None:
            assert str(theirs["default"]) == parameter.default
        else:
            assert "default" not in theirs


# Parameter values for the served queries (as grlc takes them: IRIs bare, numbers plain).
# grlc pastes a value into the query text, so an optional parameter written with the
# catalogue's `!BOUND(?__name) || ...` idiom becomes BOUND("value"), which is not SPARQL:
# the calls below leave those parameters (and most-connected, whose min has a default that
# grlc does not apply) out.
CALLS = {
    "article-q4": {},
    "unmitigated-challenges": {},
    "challenge-effects": {},
    "concept-evidence": {"concept": KG + "limited-access-to-financing"},
    "concepts-in-section": {"section": "7"},
    "label-search": {"text": "financ"},
    "concept-neighbourhood": {"concept": KG + "limited-access-to-financing", "depth": "1"},
}


class GrlcServer:
    """grlc's own Flask app serving a local query folder against ``endpoint``."""

    def __init__(self, folder: Path, endpoint: str, work: Path) -> None:
        work.mkdir(parents=True, exist_ok=True)
        (work / "config.ini").write_text(
            "[defaults]\n"
            f"sparql_endpoint = {endpoint}\n"
            "user = none\npassword = none\n"
            "[local]\n"
            f"local_sparql_dir = {folder}\n",
            encoding="utf-8",
        )
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from grlc.server import app; "
                "app.run(host='127.0.0.1', port=int(sys.argv[1]))",
                str(self.port),
            ],
            cwd=work,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Its home page is cheap; the swagger page parses every query (seconds under load).
        wait_for_http(self.base + "/", timeout=120)

    def get(self, name: str, args: dict[str, str], accept: str) -> bytes:
        url = f"{self.base}/api-local/{name}?" + urllib.parse.urlencode(args)
        request = urllib.request.Request(url, headers={"Accept": accept})
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.read()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def grlc_over_kg_serve(gquery, tmp_path_factory):
    require(oxigraph_binary() is not None, "the oxigraph server (pip install oxigraph)")
    base = tmp_path_factory.mktemp("grlc-serve")
    folder = base / "queries"
    folder.mkdir()
    for path in QUERIES:
        shutil.copy(path, folder / path.name)
    served = Served([], base)
    try:
        server = GrlcServer(folder, served.query_url, base / "grlc")
        try:
            yield server
        finally:
            server.stop()
    finally:
        served.stop()


def kg_query(name: str, args: dict[str, str], fmt: str) -> str:
    params = [item for key, value in args.items() for item in ("--param", f"{key}={value}")]
    completed = subprocess.run(
        [sys.executable, "-m", "kg", "query", name, *params, "-f", fmt],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return completed.stdout


def rows(results: dict) -> list[tuple]:
    names = results["head"]["vars"]
    return sorted(
        tuple(
            (b[v]["type"], b[v]["value"], b[v].get("datatype"), b[v].get("xml:lang"))
            if v in b
            else None
            for v in names
        )
        for b in results["results"]["bindings"]
    )


def test_grlc_lists_every_catalogue_query(grlc_over_kg_serve):
    swagger = grlc_over_kg_serve.base + "/api-local/swagger"
    with urllib.request.urlopen(swagger, timeout=120) as response:
        spec = json.load(response)
    served = {path.strip("/") for path in spec["paths"]}
    # grlc 1.3 builds no operation for ASK queries ("Query type AskQuery is currently
    # unsupported"): the catalogue's one ASK query, challenge-is-mitigated, is not served.
    assert served == {path.stem for path in QUERIES} - {"challenge-is-mitigated"}
    q4 = spec["paths"]["/article-q4"]["get"]
    assert q4["summary"].startswith("Article question 4 - What challenges")
    assert q4["tags"] == ["article"]


@pytest.mark.parametrize("name", sorted(CALLS))
def test_grlc_answers_as_kg_query(name, grlc_over_kg_serve):
    args = CALLS[name]
    start = time.monotonic()
    if name == "concept-neighbourhood":
        body = grlc_over_kg_serve.get(name, args, "text/turtle")
        theirs = Graph().parse(data=body, format="turtle")
        ours = Graph().parse(data=kg_query(name, args, "nt"), format="nt")
        assert len(ours) > 5
        assert isomorphic(theirs, ours)
    else:
        theirs = json.loads(grlc_over_kg_serve.get(name, args, "application/json"))
        ours = json.loads(kg_query(name, args, "json"))
        assert theirs["head"]["vars"] == ours["head"]["vars"]
        assert rows(theirs) == rows(ours)
        assert rows(ours), f"{name} answers nothing"
    assert time.monotonic() - start < 120


def test_grlc_answers_article_q4_with_the_four_challenges(grlc_over_kg_serve):
    answer = json.loads(grlc_over_kg_serve.get("article-q4", {}, "application/json"))
    concepts = sorted(b["concept"]["value"] for b in answer["results"]["bindings"])
    expected = sorted(
        KG + line.split(",")[0].removeprefix("kg:")
        for line in (REPO / "tests" / "queries" / "article-q4.csv").read_text().splitlines()[1:]
    )
    assert concepts == expected and len(expected) == 4
