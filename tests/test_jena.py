"""Apache Jena reads every RDF export: `riot --validate` and a TDB2 bulk load.

Jena comes from Debian (`libapache-jena-java`, Jena 4.5), which ships the jars but no
`riot` or `tdb2.tdbloader` scripts: the tests build the classpath from /usr/share/java and
run the command classes. Debian relocates Jena's bundled Xerces to the package `xerces`
but leaves its message files under org/apache/jena/ext/xerces, so the first XSD datatype
fails with "internal error"; a small jar holding the files where the classes look for them
goes on the classpath.

The expected counts are the line counts of the N-Triples and N-Quads exports (one
statement a line), not anything kg computes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import REPO, require

JAVA_DIR = Path("/usr/share/java")
JARS = [
    "jena-arq",
    "jena-base",
    "jena-cmds",
    "jena-core",
    "jena-dboe-base",
    "jena-dboe-index",
    "jena-dboe-storage",
    "jena-dboe-trans-data",
    "jena-dboe-transaction",
    "jena-iri",
    "jena-tdb2",
    "commons-cli",
    "commons-codec",
    "commons-compress",
    "commons-csv",
    "commons-io",
    "commons-lang3",
    "dexx.collection",
    "gson",
    "guava",
    "httpclient",
    "httpclient-cache",
    "commons-logging",
    "httpcore",
    "jackson-annotations",
    "jackson-core",
    "jackson-databind",
    "jakarta.json-api",
    "jsonld-java",
    "protobuf",
    "slf4j-api",
    "slf4j-nop",
    "thrift",
    "titanium-json-ld",
]
# Export format -> (file suffix, Jena language name, keeps named graphs)
FORMATS = {
    "turtle": ("ttl", "turtle", False),
    "nt": ("nt", "ntriples", False),
    "nq": ("nq", "nquads", True),
    "trig": ("trig", "trig", True),
    # Jena 4.5's JSON-LD 1.1 reader (Titanium) needs a Jakarta JSON-P implementation, which
    # Debian does not package (libjsonp2-java is the API alone: every document fails with
    # LOADING_DOCUMENT_FAILED); its JSON-LD 1.0 reader (jsonld-java) reads the export.
    "jsonld": ("jsonld", "jsonld10", False),
    "xml": ("rdf", "rdfxml", False),
}


def xerces_messages_jar(folder: Path) -> Path:
    """A jar with jena-core's Xerces message files under xerces/impl/msg/."""
    jar = folder / "jena-xerces-messages.jar"
    prefix = "org/apache/jena/ext/"
    with zipfile.ZipFile(JAVA_DIR / "jena-core.jar") as source, zipfile.ZipFile(jar, "w") as out:
        for name in source.namelist():
            if name.startswith(prefix + "xerces/") and name.endswith(".properties"):
                out.writestr(name[len(prefix) :], source.read(name))
    return jar


@pytest.fixture(scope="module")
def jena(tmp_path_factory):
    jars = [JAVA_DIR / f"{name}.jar" for name in JARS]
    missing = [jar.name for jar in jars if not jar.is_file()]
    require(
        shutil.which("java") is not None and not missing,
        f"Apache Jena (apt-get install libapache-jena-java){': ' + missing[0] if missing else ''}",
    )
    folder = tmp_path_factory.mktemp("jena")
    classpath = ":".join(str(jar) for jar in [*jars, xerces_messages_jar(folder)])

    def run(command: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["java", "-Xmx1g", "-cp", classpath, command, *args],
            capture_output=True,
            text=True,
            timeout=300,
        )

    return run


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("exports")
    written = {}
    for fmt, (suffix, _, _) in FORMATS.items():
        path = folder / f"graph.{suffix}"
        subprocess.run(
            [sys.executable, "-m", "kg", "export", "-f", fmt, "-o", str(path)],
            cwd=REPO,
            check=True,
            capture_output=True,
            timeout=300,
        )
        written[fmt] = path
    return written


def statements(path: Path) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def test_the_line_counts_are_the_bundled_graph(exports, rdflib_bundled):
    # The bundled graph as rdflib reads the files itself (README: 6,413 triples), in named
    # graphs as quads.
    assert statements(exports["nt"]) == len(rdflib_bundled) == 6413
    assert statements(exports["nq"]) >= len(rdflib_bundled)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_jena_validates_and_bulk_loads_the_export(fmt, jena, exports, tmp_path):
    path = exports[fmt]
    _, lang, keeps_graphs = FORMATS[fmt]
    checked = jena("riotcmd.riot", "--validate", f"--syntax={lang}", str(path))
    assert checked.returncode == 0, checked.stderr
    assert "WARN" not in checked.stderr and "ERROR" not in checked.stderr, checked.stderr

    location = tmp_path / "tdb2"
    if lang == "jsonld10":
        # tdb2.tdbloader picks its reader by file extension (.jsonld: JSON-LD 1.1, see
        # above), so Jena's JSON-LD 1.0 reader turns the export into N-Quads for it.
        converted = jena("riotcmd.riot", f"--syntax={lang}", "--output=nquads", str(path))
        assert converted.returncode == 0, converted.stderr
        path = tmp_path / "graph-from-jsonld.nq"
        path.write_text(converted.stdout, encoding="utf-8")
    loaded = jena("tdb2.tdbloader", "--loc", str(location), str(path))
    assert loaded.returncode == 0, loaded.stderr
    counted = jena(
        "tdb2.tdbquery",
        "--loc",
        str(location),
        "--results=csv",
        "SELECT ?triples ?quads { { SELECT (COUNT(*) AS ?triples) { ?s ?p ?o } } "
        "{ SELECT (COUNT(*) AS ?quads) { GRAPH ?g { ?s ?p ?o } } } }",
    )
    assert counted.returncode == 0, counted.stderr
    header, values = counted.stdout.split()[:2]
    assert header == "triples,quads"
    triples, quads = (int(value) for value in values.split(","))
    if keeps_graphs:
        assert (triples, quads) == (0, statements(exports["nq"]))
    else:
        assert (triples, quads) == (statements(exports["nt"]), 0)
