"""kg.querying.sparql: query sources, checks, bound parameters, local and remote runs, result
formats.

The graph is tests/fixtures/sparql/tricky.ttl (awkward literals, a blank node, a foreign
prefix); the remote side is a real Oxigraph server on 127.0.0.1 holding the same file.
Every output format is read back with an independent reader (csv, json, ElementTree,
rdflib's SPARQL results parsers and RDF parsers). Results are :class:`kg.terms.Term` values.
"""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

import pytest
from rdflib import Graph, URIRef, Variable
from rdflib.compare import isomorphic
from rdflib.plugins.sparql import prepareQuery
from rdflib.query import Result

import kg
from kg.errors import InputError, RemoteError
from kg.querying import sparql
from kg.querying.catalogue import from_text
from kg.querying.results import Triples
from kg.terms import iri, literal, neutral, python_value

from .conftest import FIXTURES, require
from .servers import OxigraphServer, free_port, oxigraph_binary
from .test_oracle import rdflib_graph

HERE = FIXTURES / "sparql"
TRICKY = HERE / "tricky.ttl"
EX = "https://example.org/t/"
XSD = "http://www.w3.org/2001/XMLSchema#"
INJECTION = 'x" } ; DROP ALL ; #'
ALL_ROWS = (
    "PREFIX ex: <https://example.org/t/>\n"
    "SELECT ?thing ?label ?size ?price ?made ?note ?part WHERE {\n"
    "  ?thing skos:prefLabel ?label .\n"
    "  OPTIONAL { ?thing ex:size ?size } OPTIONAL { ?thing ex:price ?price }\n"
    "  OPTIONAL { ?thing ex:made ?made } OPTIONAL { ?thing ex:note ?note }\n"
    "  OPTIONAL { ?thing ex:part ?part }\n"
    "} ORDER BY ?thing ?label"
)


@pytest.fixture(scope="module")
def tricky():
    return kg.load([TRICKY])


@pytest.fixture(scope="module")
def oxigraph_tricky(tmp_path_factory):
    require(oxigraph_binary() is not None, "the oxigraph server (pip install oxigraph)")
    server = OxigraphServer(tmp_path_factory.mktemp("tricky-store"), [TRICKY], read_only=True)
    yield server
    server.stop()


def _named(text: str):
    return from_text(text, "query", "<query>")


# --- Where the query comes from ------------------------------------------------------------


def test_a_source_is_a_catalogue_name_a_file_stdin_or_text(tmp_path):
    assert sparql.resolve("article-q4").name == "article-q4"
    from_file = sparql.resolve(str(HERE / "by-size.rq"))
    assert from_file.name == "by-size" and from_file.summary.startswith("Things")
    from_stdin = sparql.resolve("-", stdin=io.StringIO("ASK { ?s ?p ?o }"))
    assert from_stdin.source == "<stdin>" and from_stdin.text == "ASK { ?s ?p ?o }"
    assert sparql.resolve("SELECT * { ?s ?p ?o }").source == "<query>"
    assert sparql.resolve(HERE / "by-size.rq").name == "by-size"


@pytest.mark.parametrize(
    "name, suggestions",
    [
        ("article-q6", ["article-q"]),
        ("challenge-mitigation", ["challenge-mitigations"]),
        ("unmitigated", ["unmitigated-challenges"]),
    ],
)
def test_an_unknown_name_suggests_close_names(name, suggestions):
    with pytest.raises(InputError) as caught:
        sparql.resolve(name)
    assert caught.value.where == name
    assert "did you mean" in caught.value.message
    for suggestion in suggestions:
        assert suggestion in caught.value.message


def test_a_missing_rq_file_is_named():
    with pytest.raises(InputError, match="no such file"):
        sparql.resolve("nowhere/at-all.rq")


# --- Checks before running -----------------------------------------------------------------


def test_a_syntax_error_gives_line_and_column():
    with pytest.raises(InputError) as caught:
        sparql.compile_query(sparql.resolve(str(HERE / "broken.rq")))
    assert caught.value.where.endswith("broken.rq")
    assert caught.value.message.startswith("line 6, column ")


def test_a_query_that_stops_early_says_so():
    with pytest.raises(InputError, match=r"line 2, column \d+: the query ends too early"):
        sparql.compile_query(_named("SELECT ?s WHERE {\n  ?s ?p ?o"))


def test_an_undeclared_prefix_is_pointed_at():
    with pytest.raises(InputError, match=r"line 2, column 9: unknown prefix 'foaf:'"):
        sparql.compile_query(_named("SELECT ?s WHERE {\n  ?s a  foaf:Person }"))


def test_project_prefixes_need_no_declaration():
    compiled = sparql.compile_query(_named("ASK { ?s a ssp:Trend ; skos:prefLabel ?l }"))
    assert compiled.kind == "ASK"


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "DROP ALL",
        "CLEAR DEFAULT",
        "LOAD <http://example.org/x.ttl>",
        "CREATE GRAPH <http://e/g>",
        "PREFIX ex: <http://e/>\nDELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
        "DROP ALL ; INSERT {",  # a broken update is still refused as an update
        "PREFIX ex: <http://e/>\nWITH <http://e/g> DELETE { ?s ?p ?o } WHERE {",
    ],
)
def test_sparql_update_is_refused(update):
    with pytest.raises(InputError, match="SPARQL Update is not allowed"):
        sparql.compile_query(_named(update))


def test_an_empty_query_is_refused():
    with pytest.raises(InputError, match="no query"):
        sparql.compile_query(_named("# only a comment\n"))


# --- Parameters ----------------------------------------------------------------------------


def test_values_are_typed_as_the_query_declares():
    named = _named(
        "SELECT * WHERE { ?s ?_n_integer ?_node_iri ; ?_label_en ?__when_date ; "
        "?__num_number ?__word }"
    )
    bound = sparql.bind(
        named,
        {"n": "007", "node": "kg:market-visibility", "label": "hello", "when": "2024-02-29",
         "num": "2.5", "word": "plain"},
    )  # fmt: skip
    assert bound["_n_integer"] == literal("7", XSD + "integer")
    assert bound["_node_iri"] == iri("https://w3id.org/ssp-kg/id/market-visibility")
    assert bound["_label_en"] == literal("hello", lang="en")
    assert bound["__when_date"] == literal("2024-02-29", XSD + "date")
    assert bound["__num_number"] == literal("2.5", XSD + "decimal")
    assert bound["__word"] == literal("plain")
    assert bound["__word"] == ("literal", "plain", None, None)


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("_n_integer", "abc", "parameter n: 'abc' is not an integer (xsd:integer)"),
        ("_n_integer", "1.5", "parameter n: '1.5' is not an integer"),
        ("_d_date", "2023-02-30", "parameter d: '2023-02-30' is not a date (xsd:date)"),
        ("_b_boolean", "yes", "parameter b: 'yes' is not a boolean"),
        ("_x_number", "twelve", "parameter x: 'twelve' is not a number"),
        ("_x_iri", "not an iri", "parameter x: 'not an iri' is not an IRI"),
        ("_x_iri", "http://e/a>b", "parameter x: 'http://e/a>b' is not an IRI"),
    ],
)
def test_a_badly_typed_value_is_named(variable, value, message):
    named = _named(f"SELECT * WHERE {{ ?s ?p ?{variable} }}")
    name = variable.split("_")[1]
    with pytest.raises(InputError) as caught:
        sparql.bind(named, {name: value})
    assert str(caught.value).startswith(message)


def test_a_missing_required_parameter_is_named():
    with pytest.raises(InputError, match="missing required parameter 'concept' \\(iri"):
        sparql.bind(sparql.resolve("concept-evidence"), {})


def test_an_unknown_parameter_is_refused_with_the_known_ones():
    with pytest.raises(InputError, match=r"has no such parameter \(it takes: section, paragraph\)"):
        sparql.bind(sparql.resolve("concepts-in-section"), {"section": "1", "sectoin": "2"})


def test_defaults_apply_and_python_values_are_accepted(tricky):
    named = sparql.resolve(HERE / "by-size.rq")
    assert sparql.bind(named) == {"__min_integer": ("literal", "5", XSD + "integer", None)}
    rows = kg.query(HERE / "by-size.rq", {"min": 4, "class": URIRef(EX + "Gadget")}, tricky)
    assert rows.values("thing") == [EX + "gamma", EX + "beta"]


def test_an_injection_attempt_is_only_an_odd_literal(tricky, oxigraph_tricky):
    query = "SELECT ?thing WHERE { ?thing skos:prefLabel ?label FILTER(STR(?label) = ?_name) }"
    before = tricky.triple_count()
    assert before > 20
    assert len(kg.query(query, {"name": INJECTION}, tricky)) == 0
    assert tricky.triple_count() == before
    compiled = sparql.compile_query(_named(query))
    text = sparql.remote_text(compiled, sparql.bind(compiled.named, {"name": INJECTION}))
    assert '"x\\" } ; DROP ALL ; #"' in text
    assert prepareQuery(text).algebra.name == "SelectQuery"  # still one read-only query
    assert len(kg.query(query, {"name": INJECTION}, endpoint=oxigraph_tricky.query_url)) == 0
    # The literal really is compared: the same query finds a label that exists.
    found = kg.query(query, {"name": "gamma"}, endpoint=oxigraph_tricky.query_url)
    assert found.values() == [EX + "gamma"]


# --- Where VALUES goes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?l WHERE { ?_t_iri skos:prefLabel ?l }",
        "SELECT ?l { ?_t_iri skos:prefLabel ?l }",
        'SELECT ("{" AS ?brace) ?l # a { in a comment\nWHERE { ?_t_iri skos:prefLabel ?l }',
        "ASK { ?_t_iri skos:prefLabel ?l }",
        "CONSTRUCT { ?_t_iri skos:prefLabel ?l } WHERE { ?_t_iri skos:prefLabel ?l }",
        "CONSTRUCT WHERE { ?_t_iri skos:prefLabel ?l }",
        "SELECT ?l WHERE { { SELECT ?s ?l WHERE { ?s skos:prefLabel ?l } } FILTER(?s = ?_t_iri) }",
    ],
)
def test_values_give_the_same_answer_locally_and_remotely(tricky, oxigraph_tricky, text):
    params = {"t": EX + "beta"}
    local = kg.query(text, params, tricky)
    remote = kg.query(text, params, endpoint=oxigraph_tricky.query_url)
    if isinstance(local, Triples):
        assert set(local) == set(remote) and len(local) == 2
    elif isinstance(local, bool):
        assert local is remote is True
    else:
        assert sorted(local.values("l")) == sorted(remote.values("l")) == ["beta", "béta"]


def test_values_open_the_where_group_not_the_template():
    text = "CONSTRUCT { ?s ?p ?_o_iri } WHERE { ?s ?p ?_o_iri }"
    out = sparql.with_values(text, {"_o_iri": URIRef("http://e/x")})
    assert out == (
        "CONSTRUCT { ?s ?p ?_o_iri } WHERE { VALUES (?_o_iri) { (<http://e/x>) }  ?s ?p ?_o_iri }"
    )


def test_describe_without_where_gets_one(tricky, oxigraph_tricky):
    text = "DESCRIBE ?_t_iri"
    assert sparql.with_values(text, {"_t_iri": URIRef(EX + "gamma")}).endswith(
        "WHERE { VALUES (?_t_iri) { (<https://example.org/t/gamma>) } }\n"
    )
    for result in (
        kg.query(text, {"t": EX + "gamma"}, tricky),
        kg.query(text, {"t": EX + "gamma"}, endpoint=oxigraph_tricky.query_url),
    ):
        assert (iri(EX + "gamma"), iri(EX + "size"), literal("7", XSD + "integer")) in set(result)


# --- Results -------------------------------------------------------------------------------


def test_rows_give_terms_and_plain_python_values(tricky):
    rows = kg.query(ALL_ROWS, graph=tricky)
    assert isinstance(rows, kg.Rows)
    assert rows.vars == ["thing", "label", "size", "price", "made", "note", "part"]
    alpha = rows[0]
    assert alpha["thing"] == iri(EX + "alpha") and alpha["part"].kind == "bnode"
    # Oxigraph keeps a decimal as its value: the file's 2.50 comes back in XSD canonical form.
    assert alpha["price"] == literal("2.5", XSD + "decimal")
    plain = rows.to_python()[0]
    assert plain["size"] == 3 and isinstance(plain["size"], int)
    assert plain["price"] == Decimal("2.50")
    assert plain["made"] == date(2024, 2, 29)
    assert plain["label"] == "alpha, the first" and type(plain["label"]) is str
    assert plain["thing"] == EX + "alpha"
    assert rows.to_python()[-1]["note"] is None  # unbound
    assert rows.values("size") == [3, 12, 12, 7]


def test_unordered_queries_still_give_a_stable_order(tricky):
    text = "SELECT ?t ?s WHERE { ?t <https://example.org/t/size> ?s }"
    assert kg.query(text, graph=tricky).values("s") == [3, 12, 7]  # sorted by N-Triples form


def test_ask_is_a_bool_and_construct_a_graph(tricky):
    assert kg.query("ASK { ?s <https://example.org/t/next> ?o }", graph=tricky) is True
    assert kg.query("ASK { ?s <https://example.org/t/nope> ?o }", graph=tricky) is False
    graph = kg.query("CONSTRUCT WHERE { ?s <https://example.org/t/next> ?o }", graph=tricky)
    assert isinstance(graph, Triples) and len(graph) == 2


def test_the_bundled_graph_is_the_default():
    assert kg.query("ASK { kg:section-7 a ssp:Section }") is True


def test_csv_is_sparql_csv(tricky):
    text = sparql.format_result(kg.query(ALL_ROWS, graph=tricky), "csv")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["thing", "label", "size", "price", "made", "note", "part"]
    assert rows[1] == [
        EX + "alpha",
        "alpha, the first",
        "3",
        "2.5",  # the file's 2.50, canonical (see test_rows_give_terms_and_plain_python_values)
        "2024-02-29",
        'says "hi" | then\nbreaks\tand tabs',
        "_:b0",
    ]
    assert rows[4][0] == EX + "gamma" and rows[4][5:] == ["", ""]


def test_tsv_keeps_one_result_per_line_with_terms_in_ntriples(tricky):
    lines = sparql.format_result(kg.query(ALL_ROWS, graph=tricky), "tsv").splitlines()
    assert len(lines) == 5
    header, alpha = lines[0].split("\t"), lines[1].split("\t")
    assert header == ["?thing", "?label", "?size", "?price", "?made", "?note", "?part"]
    assert alpha[0] == f"<{EX}alpha>"
    assert alpha[1] == '"alpha, the first"@en'
    assert alpha[2] == f'"3"^^<{XSD}integer>'
    assert alpha[5] == '"says \\"hi\\" | then\\nbreaks\\tand tabs"'
    assert alpha[6] == "_:b0"


def _same_rows(parsed: Result, rows: sparql.Rows) -> None:
    assert [str(v) for v in parsed.vars] == rows.vars
    for binding, row in zip(parsed.bindings, rows, strict=True):
        for var in rows.vars:
            mine, theirs = row.get(var), neutral(binding.get(Variable(var)))
            if mine is not None and mine.kind == "bnode":
                assert theirs is not None and theirs.kind == "bnode"
            else:
                assert mine == theirs, var


def test_json_is_sparql_results_json(tricky):
    rows = kg.query(ALL_ROWS, graph=tricky)
    text = sparql.format_result(rows, "json")
    document = json.loads(text)
    assert document["head"]["vars"] == rows.vars
    alpha = document["results"]["bindings"][0]
    assert alpha["label"] == {"type": "literal", "value": "alpha, the first", "xml:lang": "en"}
    assert alpha["size"] == {"type": "literal", "value": "3", "datatype": XSD + "integer"}
    assert alpha["part"] == {"type": "bnode", "value": "b0"}
    assert "note" not in document["results"]["bindings"][-1]  # unbound: left out
    _same_rows(Result.parse(io.StringIO(text), format="json"), rows)


def test_xml_is_sparql_results_xml(tricky):
    rows = kg.query(ALL_ROWS, graph=tricky)
    text = sparql.format_result(rows, "xml")
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    root = ET.fromstring(text.encode("utf-8"))
    assert [v.get("name") for v in root.findall("r:head/r:variable", ns)] == rows.vars
    results = root.findall("r:results/r:result", ns)
    assert len(results) == 4
    note = results[0].find("r:binding[@name='note']/r:literal", ns)
    assert note is not None and note.text == 'says "hi" | then\nbreaks\tand tabs'
    label = results[0].find("r:binding[@name='label']/r:literal", ns)
    assert label.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    _same_rows(Result.parse(io.BytesIO(text.encode("utf-8")), format="xml"), rows)


def test_table_aligns_columns_and_shortens_iris_with_the_graph_prefixes(tricky):
    rows = kg.query(
        "SELECT ?thing ?class WHERE { ?thing a ?class ; <https://example.org/t/size> ?s } "
        "ORDER BY ?thing",
        graph=tricky,
    )
    lines = sparql.format_result(rows, "table").splitlines()
    assert lines[0].split() == ["thing", "class"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].split() == ["ex:alpha", "ex:Widget"]
    assert lines[3].split() == ["ex:beta", "ex:Gadget"]
    column = lines[0].index("class")
    assert all(line[column - 2 : column] == "  " for line in lines[:2])
    assert all(line[column:].startswith("ex:") for line in lines[2:])


def test_markdown_escapes_pipes_and_keeps_one_row_per_line(tricky):
    rows = kg.query(ALL_ROWS, graph=tricky)
    lines = sparql.format_result(rows, "markdown").splitlines()
    assert len(lines) == 2 + len(rows)
    assert lines[0] == "| thing | label | size | price | made | note | part |"
    cells = [cell.strip() for cell in lines[2].split(" | ")]
    assert cells[0] == "| ex:alpha"
    assert cells[5] == 'says "hi" \\| then breaks and tabs'
    for line in lines:
        unescaped = line.replace("\\|", "")
        assert unescaped.count("|") == len(rows.vars) + 1


@pytest.mark.parametrize("answer", [True, False])
def test_ask_formats(answer):
    assert sparql.format_result(answer, "table") == ("true\n" if answer else "false\n")
    assert json.loads(sparql.format_result(answer, "json")) == {"head": {}, "boolean": answer}
    parsed = Result.parse(io.BytesIO(sparql.format_result(answer, "xml").encode()), format="xml")
    assert parsed.askAnswer is answer


@pytest.mark.parametrize("fmt, parser", [("turtle", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")])
def test_graph_formats_read_back_as_the_same_graph(tricky, fmt, parser):
    graph = kg.query(
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(?s = <https://example.org/t/alpha> "
        "|| isBlank(?s)) }",
        graph=tricky,
    )
    assert any(o.kind == "bnode" for _, _, o in graph)
    text = sparql.format_result(graph, fmt)
    assert isomorphic(Graph().parse(data=text, format=parser), rdflib_graph(graph))
    assert text == sparql.format_result(graph, fmt)  # stable, blank nodes included


def test_a_format_that_does_not_fit_the_result_is_refused(tricky):
    graph = kg.query("CONSTRUCT WHERE { ?s ?p ?o }", graph=tricky)
    with pytest.raises(InputError, match="use --format turtle\\|nt\\|jsonld"):
        sparql.format_result(graph, "csv")
    with pytest.raises(InputError, match="--format turtle is for RDF graphs"):
        sparql.format_result(True, "turtle")


# --- Remote failures -----------------------------------------------------------------------


def test_remote_rows_match_local_rows_term_for_term(tricky, oxigraph_tricky):
    """Same terms; literals equal in value (the server may write 2.50 as its canonical 2.5)."""
    local = kg.query(ALL_ROWS, graph=tricky)
    remote = kg.query(ALL_ROWS, endpoint=oxigraph_tricky.query_url)
    assert remote.vars == local.vars
    for mine, theirs in zip(local, remote, strict=True):
        for var in local.vars:
            if mine[var] is None:
                assert theirs[var] is None
            elif mine[var].kind == "bnode":
                assert theirs[var].kind == "bnode"
            elif mine[var].kind == "literal":
                assert python_value(mine[var]) == python_value(theirs[var])
                assert mine[var].datatype == theirs[var].datatype
                assert mine[var].lang == theirs[var].lang
            else:
                assert mine[var] == theirs[var]


def test_an_unreachable_endpoint_is_a_remote_error():
    with pytest.raises(RemoteError, match="cannot connect"):
        kg.query("ASK {}", endpoint=f"http://127.0.0.1:{free_port()}/query", timeout=5)


def test_an_http_error_is_a_remote_error(oxigraph_tricky):
    with pytest.raises(RemoteError, match="HTTP 404"):
        kg.query("ASK {}", endpoint=oxigraph_tricky.base + "/no-such-service")


def test_a_silent_server_is_a_timeout():
    with SilentServer() as url, pytest.raises(RemoteError, match=r"no answer within 0\.5 s"):
        kg.query("ASK {}", endpoint=url, timeout=0.5)


def test_only_http_endpoints_are_accepted():
    with pytest.raises(InputError, match="http:// or https://"):
        kg.query("ASK {}", endpoint="file:///etc/passwd")


class SilentServer:
    """A real TCP server on 127.0.0.1 that accepts connections and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.clients: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            self.clients.append(client)

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/query"

    def __exit__(self, *exc: object) -> None:
        self.sock.close()
        for client in self.clients:
            client.close()


def test_a_knowledge_graph_or_a_plain_graph_can_be_queried(tricky):
    text = "SELECT ?t WHERE { ?t <https://example.org/t/size> ?s } ORDER BY ?s"
    assert kg.query(text, graph=tricky).values() == kg.query(text, graph=tricky.graph).values()
    with pytest.raises(TypeError, match=r"KnowledgeGraph \(kg.load\) or an rdflib Graph"):
        kg.query(text, graph="tricky.ttl")
    with pytest.raises(TypeError, match="not dict"):
        kg.compute_stats({})
