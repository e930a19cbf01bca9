"""`kg query` and `kg queries` as a user runs them: real subprocesses, real servers.

Outputs are read back with the csv module, json, ElementTree and rdflib; errors must be one
line on stderr (`kg: <where>: <what>`), with the documented exit code and no traceback.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import xml.etree.ElementTree as ET

import pytest
from rdflib import Graph, URIRef

from kg.querying import catalogue

from .conftest import FIXTURES, REPO
from .servers import free_port
from .terminal import run_on_terminal
from .test_sparql import SilentServer

KG = "https://w3id.org/ssp-kg/id/"
FOUR = {
    KG + "limited-access-to-financing",
    KG + "high-per-unit-costs",
    KG + "regulatory-compliance",
    KG + "market-visibility",
}
TRICKY = str(FIXTURES / "sparql" / "tricky.ttl")
BY_SIZE = str(FIXTURES / "sparql" / "by-size.rq")


def _one_line_error(result, code: int, *fragments: str) -> None:
    assert result.code == code, result
    assert result.stdout == "", result
    assert result.stderr.startswith("kg: "), result
    assert result.stderr.count("\n") == 1 and result.stderr.endswith("\n"), result
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result


# --- Answers and formats -------------------------------------------------------------------


def test_article_q4_as_csv_by_default_when_piped(run_kg):
    result = run_kg("query", "article-q4")
    assert result.code == 0, result
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert {row["concept"] for row in rows} == FOUR
    assert len(rows) == 4


@pytest.mark.parametrize("number, size", [(1, 3), (2, 3), (3, 3), (4, 4), (5, 6)])
def test_each_article_question_answers(run_kg, number, size):
    result = run_kg("query", f"article-q{number}", "--format", "json")
    assert result.code == 0, result
    bindings = json.loads(result.stdout)["results"]["bindings"]
    assert len(bindings) >= size
    assert all(b["concept"]["value"].startswith(KG) for b in bindings)


def test_table_shortens_iris_and_aligns(run_kg):
    result = run_kg("query", "article-q4", "--format", "table")
    assert result.code == 0, result
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["concept", "label", "kind"]
    shown = {line.split()[0] for line in lines[2:]}
    assert shown == {"kg:" + iri[len(KG) :] for iri in FOUR}
    label_column = lines[0].index("label")
    assert all(line[label_column - 2 : label_column] == "  " for line in lines)


def test_json_and_xml_results(run_kg):
    as_json = run_kg("query", "article-q4", "-f", "json")
    document = json.loads(as_json.stdout)
    assert document["head"]["vars"] == ["concept", "label", "kind"]
    assert {b["concept"]["value"] for b in document["results"]["bindings"]} == FOUR
    as_xml = run_kg("query", "article-q4", "-f", "xml")
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    root = ET.fromstring(as_xml.stdout.encode("utf-8"))
    uris = {u.text for u in root.findall("r:results/r:result/r:binding[@name='concept']/r:uri", ns)}
    assert uris == FOUR


def test_tsv_and_markdown(run_kg):
    tsv = run_kg("query", "article-q4", "-f", "tsv").stdout.splitlines()
    assert tsv[0] == "?concept\t?label\t?kind"
    assert {line.split("\t")[0] for line in tsv[1:]} == {f"<{iri}>" for iri in FOUR}
    markdown = run_kg("query", "article-q4", "-f", "markdown").stdout.splitlines()
    assert markdown[0] == "| concept | label | kind |"
    assert markdown[1] == "|---|---|---|"
    assert len(markdown) == 6


def test_ask_prints_true_or_false_and_exits_0_or_1(run_kg):
    yes = run_kg("query", "challenge-is-mitigated", "-p", "challenge=kg:market-visibility")
    assert (yes.code, yes.stdout) == (0, "true\n"), yes
    no = run_kg("query", "challenge-is-mitigated", "--param", "challenge=kg:high-per-unit-costs")
    assert (no.code, no.stdout, no.stderr) == (1, "false\n", ""), no
    as_json = run_kg("query", "ASK { kg:section-1 a ssp:Section }", "-f", "json")
    assert json.loads(as_json.stdout) == {"head": {}, "boolean": True}


@pytest.mark.parametrize("fmt, parser", [(None, "turtle"), ("nt", "nt"), ("jsonld", "json-ld")])
def test_construct_gives_rdf(run_kg, fmt, parser):
    args = ["query", "concept-neighbourhood", "-p", "concept=kg:limited-access-to-financing"]
    result = run_kg(*args, *(["--format", fmt] if fmt else []))
    assert result.code == 0, result
    graph = Graph().parse(data=result.stdout, format=parser)
    financing = URIRef(KG + "limited-access-to-financing")
    assert (URIRef(KG + "small-scale-producers"), None, financing) in graph


def test_output_is_byte_identical_across_runs(run_kg, monkeypatch):
    """Different hash seeds, same bytes (tables, CSV and RDF with blank nodes)."""
    outputs = []
    for seed in ("1", "2"):
        monkeypatch.setenv("PYTHONHASHSEED", seed)
        outputs.append(
            [
                run_kg("query", "challenge-mitigations", "-f", "table").stdout,
                run_kg("query", "section-overview").stdout,
                run_kg(
                    "query", "CONSTRUCT WHERE { ?s ?p ?o }", "--data", TRICKY, "-f", "turtle"
                ).stdout,
            ]
        )
    assert outputs[0] == outputs[1]
    assert all(outputs[0])


# --- Query sources and graphs --------------------------------------------------------------


def test_a_query_from_stdin_a_file_or_the_command_line(run_kg):
    text = "SELECT ?s WHERE { ?s a ssp:Section } ORDER BY ?s"
    from_text = run_kg("query", text)
    from_stdin = run_kg("query", "-", input=text)
    assert from_text.code == from_stdin.code == 0
    assert from_text.stdout == from_stdin.stdout
    assert from_text.stdout.count("section-") == 7
    from_file = run_kg("query", BY_SIZE, "--data", TRICKY, "-p", "min=10")
    assert from_file.code == 0, from_file
    assert [row["thing"] for row in csv.DictReader(io.StringIO(from_file.stdout))] == [
        "https://example.org/t/beta"
    ]


def test_data_files_replace_or_join_the_bundled_graph(run_kg):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ssp:Section }"
    alone = run_kg("query", count, "--data", TRICKY)
    both = run_kg("query", count, "--data", TRICKY, "--with-bundled")
    assert alone.stdout.split() == ["n", "0"]
    assert both.stdout.split() == ["n", "7"]


def test_output_file_is_written_whole(run_kg, tmp_path):
    target = tmp_path / "q4.json"
    result = run_kg("query", "article-q4", "-f", "json", "-o", str(target))
    assert result.code == 0 and result.stdout == "", result
    assert {
        b["concept"]["value"] for b in json.loads(target.read_text())["results"]["bindings"]
    } == FOUR
    assert [p.name for p in tmp_path.iterdir()] == ["q4.json"]  # no temp file left behind


def test_a_failing_query_leaves_an_existing_output_untouched(run_kg, tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    result = run_kg("query", "concept-evidence", "-o", str(target))  # missing parameter
    assert result.code == 2
    assert target.read_text() == "old\n"


# --- Remote endpoints ----------------------------------------------------------------------


@pytest.mark.server
def test_endpoint_gives_the_same_output_as_local(run_kg, oxigraph_bundled):
    for args in (
        ["article-q4"],
        ["challenge-mitigations", "-f", "json"],
        ["concept-neighbourhood", "-p", "concept=kg:market-visibility", "-f", "nt"],
    ):
        local = run_kg("query", *args)
        remote = run_kg("query", *args, "--endpoint", oxigraph_bundled.query_url)
        assert remote.code == local.code == 0, remote
        assert remote.stdout == local.stdout


@pytest.mark.server
def test_endpoint_ask_exit_codes(run_kg, oxigraph_bundled):
    url = oxigraph_bundled.query_url
    yes = run_kg(
        "query", "challenge-is-mitigated", "-p", "challenge=kg:market-visibility", "--endpoint", url
    )
    no = run_kg(
        "query",
        "challenge-is-mitigated",
        "-p",
        "challenge=kg:high-per-unit-costs",
        "--endpoint",
        url,
    )
    assert (yes.code, yes.stdout) == (0, "true\n")
    assert (no.code, no.stdout) == (1, "false\n")


def test_unreachable_endpoint_is_exit_3(run_kg):
    url = f"http://127.0.0.1:{free_port()}/query"
    _one_line_error(run_kg("query", "article-q4", "--endpoint", url), 3, url, "cannot connect")


@pytest.mark.server
def test_http_error_is_exit_3(run_kg, oxigraph_bundled):
    url = oxigraph_bundled.base + "/nothing-here"
    _one_line_error(run_kg("query", "article-q4", "--endpoint", url), 3, "HTTP 404")


def test_timeout_is_exit_3(run_kg):
    with SilentServer() as url:
        result = run_kg("query", "article-q4", "--endpoint", url, "--timeout", "1")
    _one_line_error(result, 3, url, "no answer within 1 s")


def test_endpoint_with_data_is_a_usage_error(run_kg):
    _one_line_error(
        run_kg("query", "article-q4", "--endpoint", "http://127.0.0.1:9/q", "--data", TRICKY),
        2,
        "--endpoint",
    )


# --- Bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["SELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTER(?s = ) }"], ["<query>: line 3, column"]),
        ([str(FIXTURES / "sparql" / "broken.rq")], ["broken.rq: line 6, column"]),
        (["article-q9"], ["article-q9: no such query", "did you mean"]),
        (["DROP ALL"], ["SPARQL Update is not allowed"]),
        (["INSERT DATA { kg:a kg:b kg:c }"], ["SPARQL Update is not allowed"]),
        (["SELECT * WHERE { ?s a foaf:Person }"], ["line 1, column 23: unknown prefix 'foaf:'"]),
        (["concept-evidence"], ["concept-evidence: missing required parameter 'concept'"]),
        (
            ["concepts-in-section", "-p", "section=seven"],
            ["parameter section: 'seven' is not an integer"],
        ),
        (["concept-evidence", "-p", "concept=not an iri"], ["parameter concept:", "not an IRI"]),
        (["article-q4", "-p", "colour=red"], ["parameter colour:", "no such parameter"]),
        (["article-q4", "-p", "colour"], ["--param colour: expected NAME=VALUE"]),
        (
            ["concept-evidence", "-p", "concept=kg:a", "-p", "concept=kg:b"],
            ["--param concept: given more than once"],
        ),
        (["article-q4", "--format", "turtle"], ["--format turtle is for RDF graphs"]),
        (["missing.rq"], ["missing.rq: no such file"]),
        (["article-q4", "--data", "nowhere.ttl"], ["nowhere.ttl: no such file"]),
        (["article-q4", "-o", "/nonexistent-folder/x.csv"], ["does not exist"]),
    ],
)
def test_bad_input_is_one_line_and_exit_2(run_kg, args, fragments):
    _one_line_error(run_kg("query", *args), 2, *fragments)


def test_injection_attempt_matches_nothing(run_kg):
    result = run_kg("query", "label-search", "-p", 'text=x" } ; DROP ALL ; #')
    assert result.code == 0, result
    assert result.stdout.splitlines() == ["concept,label,kind"]
    still_there = run_kg("query", "article-q4")
    assert len(still_there.stdout.splitlines()) == 5


def test_help_documents_formats_and_exit_codes(run_kg):
    text = run_kg("query", "--help").stdout
    for fragment in ("Exit codes:", "ASK answered false", "--endpoint", "markdown", "jsonld"):
        assert fragment in text
    assert "csv (default" in text and "table (default on a terminal" in text


# --- kg queries ----------------------------------------------------------------------------


def test_queries_lists_every_query_with_summary_and_parameters(run_kg):
    result = run_kg("queries")
    assert result.code == 0, result
    header, *lines = result.stdout.splitlines()
    assert header.split() == ["NAME", "PARAMETERS", "SUMMARY"]
    assert [line.split()[0] for line in lines] == catalogue.names()
    neighbourhood = next(line for line in lines if line.startswith("concept-neighbourhood "))
    assert "concept (iri); depth (integer, default 1)" in neighbourhood
    mitigations = next(line for line in lines if line.startswith("challenge-mitigations "))
    assert "challenge (iri, optional)" in mitigations
    search = next(line for line in lines if line.startswith("label-search "))
    assert "text (string)" in search
    q4 = next(line for line in lines if line.startswith("article-q4 "))
    assert "What challenges do small producers face in going global?" in q4


def test_queries_name_prints_the_file(run_kg):
    result = run_kg("queries", "article-q4")
    assert result.code == 0
    assert result.stdout.rstrip("\n") == catalogue.get("article-q4").text.rstrip("\n")


def test_queries_unknown_name_suggests(run_kg):
    _one_line_error(run_kg("queries", "article-q44"), 2, "did you mean: article-q4")


def test_a_terminal_gets_a_table():
    """On a real pseudo-terminal the default is the aligned table with shortened IRIs."""
    run = run_on_terminal(
        [sys.executable, "-m", "kg", "query", "article-q4"], terminal="stdout", cwd=REPO
    )
    assert run.code == 0
    lines = run.shown.decode().replace("\r\n", "\n").splitlines()
    assert lines[0].split() == ["concept", "label", "kind"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert {line.split()[0] for line in lines[2:]} == {"kg:" + iri[len(KG) :] for iri in FOUR}
