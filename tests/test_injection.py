"""Parameter values never become query syntax, on every path that binds one.

A value is bound as an RDF term: a ``VALUES`` block of serialised terms, on Oxigraph (the
command line and the Python API) and on an endpoint alike. Each payload below is built to
break out of that serialisation (a quote, a backslash before a quote, a newline, ``\\u``
escapes that a parser might decode, NUL, and the characters that end an IRI). No bundled
label contains any of them, so every payload must match nothing; ``PER-UNIT`` is the
control that shows the same path does find ``kg:high-per-unit-costs`` (from the article's
"high per-unit costs", section 4).

A payload that injected a second VALUES row (``('per-unit')``) would match that concept.
IRI parameters holding a breaking character are refused with one line, exit 2.
"""

from __future__ import annotations

import json

import pytest
from rdflib import Literal, URIRef

import kg
from kg.errors import InputError
from kg.querying import catalogue, params, querytext, sparql
from kg.store import oxengine
from kg.terms import Term, escape, iri, literal, neutral, nt_term

KG = "https://w3id.org/ssp-kg/id/"
MATCH = KG + "high-per-unit-costs"
CONTROL = "PER-UNIT"

# name -> text. Each, if it escaped its literal, would add a row or a clause matching MATCH.
PAYLOADS: dict[str, str] = {
    "quote": 'x" } ; DROP ALL ; #',
    "quote-row": 'x") ("per-unit") } #',
    # The issue's mutant: escape() leaving backslashes alone turns \" into \\" (a backslash,
    # then a quote that closes the string), so this becomes a second VALUES row.
    "backslash-quote": "x\\\") ('per-unit') } #",
    "backslash-quote-double": 'x\\") ("per-unit") } #',
    "two-backslashes-quote": "x\\\\\") ('per-unit') } #",
    "trailing-backslash": "per-unit\\",
    "backslash-apostrophe": "x\\') ('per-unit') } #",
    "newline": 'x\n") ("per-unit") } #',
    "newline-comment": "x #\n') ('per-unit') }",
    "carriage-return": 'x\r") ("per-unit") } #',
    "tab": "per\tunit",
    "u-escape-hyphen": "per\\u002Dunit",  # decoded, \u002D is the hyphen of "per-unit"
    "u-escape-quote": "x\\u0022) ('per-unit') } #",
    "U-escape-quote": "x\\U00000022) ('per-unit') } #",
    "U-escape-emoji": "\\U0001F600",
    "escaped-backslash-u": "x\\\\u0022) ('per-unit') } #",
    "long-quotes": "x''' \"\"\" ) ('per-unit') } #",
    "iri-breaking": 'x> } { <https://w3id.org/ssp-kg/id/high-per-unit-costs> "',
    "braces-space": "{ per-unit }",
    "nul": "per\x00-unit",
}
# A NUL cannot be passed in a command-line argument.
CLI_PAYLOADS = {name: text for name, text in PAYLOADS.items() if "\x00" not in text}

BREAKING_IRIS = {
    "greater-than": "kg:none> ) (<https://w3id.org/ssp-kg/id/market-visibility",
    "space": "kg:market visibility",
    "brace": "kg:x{y}",
    "quote": 'kg:x"y',
    "less-than": "kg:x<y",
    "backslash-u": "kg:x\\u003E",
    "newline": "kg:x\ny",
    "trailing-newline": "kg:market-visibility\n",  # '$' alone would let this through
}

DESCRIBE = (
    "DESCRIBE ?c WHERE { ?c skos:prefLabel ?l "
    "FILTER (CONTAINS(LCASE(STR(?l)), LCASE(STR(?_text)))) }"
)
CONSTRUCT = (
    "CONSTRUCT { ?c skos:prefLabel ?l } WHERE { ?c skos:prefLabel ?l "
    "FILTER (CONTAINS(LCASE(STR(?l)), LCASE(STR(?_text)))) }"
)


def _concepts(rows) -> list[str]:
    return [str(value) for value in rows.values("concept")]


def _subjects(triples) -> set[str]:
    return {neutral(s).value for s, _, _ in triples}


# --- The serialisation itself (an independent reader: pyoxigraph parses what we wrote) ------


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_a_serialised_literal_reads_back_as_itself(name):
    import pyoxigraph as ox

    text = PAYLOADS[name]
    for term in (literal(text), literal(text, lang="en"), literal(text, KG + "type")):
        line = f"<{KG}s> <{KG}p> {nt_term(term)} .\n"
        (quad,) = list(ox.parse(line.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
        assert quad.object.value == text
        if term.lang:
            assert quad.object.language == "en"
        # Exactly one statement: nothing after the literal became a term.
        values = ox.Store()
        rows = list(values.query(f"SELECT ?v WHERE {{ VALUES (?v) {{ ({nt_term(term)}) }} }}"))
        assert len(rows) == 1 and rows[0][0].value == text


def test_escape_writes_each_special_character_as_its_escape():
    assert escape('a\\b"c\nd\re\tf') == 'a\\\\b\\"c\\nd\\re\\tf'
    assert escape("\\u0022") == "\\\\u0022"
    assert nt_term(literal('x\\"')) == '"x\\\\\\""'


# --- The command line's path (Oxigraph), in process: the exact steps, without click --------


def _run(graph, text_or_name: str, values: dict[str, object]):
    named = (
        catalogue.get(text_or_name)
        if text_or_name in catalogue.names()
        else (catalogue.from_text(text_or_name, "query", "<query>"))
    )
    return oxengine.run(oxengine.compile_query(named), params.bind_terms(named, values), graph)


def test_the_control_matches_on_the_command_line_path(bundled):
    assert _concepts(_run(bundled, "label-search", {"text": CONTROL})) == [MATCH]


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_a_payload_matches_nothing_on_the_command_line_path(bundled, name):
    rows = _run(bundled, "label-search", {"text": PAYLOADS[name]})
    assert _concepts(rows) == []


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_a_payload_in_a_construct_matches_nothing_on_oxigraph(bundled, name):
    result = _run(bundled, CONSTRUCT, {"text": PAYLOADS[name]})
    assert len(result) == 0
    assert len(_run(bundled, CONSTRUCT, {"text": CONTROL})) == 1


@pytest.mark.parametrize("name", sorted(BREAKING_IRIS))
def test_an_iri_parameter_with_a_breaking_character_is_refused(name):
    named = catalogue.get("concept-evidence")
    with pytest.raises(InputError, match="is not an IRI"):
        params.bind_terms(named, {"concept": BREAKING_IRIS[name]})


# --- The Python API (kg.query): SELECT, CONSTRUCT and DESCRIBE -----------------------------


def test_the_api_control_matches(bundled):
    assert _concepts(kg.query("label-search", {"text": CONTROL}, graph=bundled)) == [MATCH]
    assert MATCH in _subjects(kg.query(DESCRIBE, {"text": CONTROL}, graph=bundled))


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_a_payload_matches_nothing_through_the_api(bundled, name):
    assert _concepts(kg.query("label-search", {"text": PAYLOADS[name]}, graph=bundled)) == []
    assert len(kg.query(CONSTRUCT, {"text": PAYLOADS[name]}, graph=bundled)) == 0


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_a_payload_in_a_describe_matches_nothing_through_the_api(bundled, name):
    """A DESCRIBE target bound through VALUES (as every parameter is)."""
    assert len(kg.query(DESCRIBE, {"text": PAYLOADS[name]}, graph=bundled)) == 0


@pytest.mark.parametrize(
    "value",
    [
        URIRef(KG + "none> ) (<" + KG + "market-visibility"),
        URIRef(KG + "a b"),
        Term("iri", KG + "x> } #"),
        iri(KG + 'x"y'),
    ],
    ids=["uriref-greater-than", "uriref-space", "term-greater-than", "term-quote"],
)
def test_an_iri_term_with_a_breaking_character_is_refused(value):
    named = catalogue.get("concept-evidence")
    with pytest.raises(InputError, match="is not an IRI"):
        params.bind_terms(named, {"concept": value})


@pytest.mark.parametrize(
    "value",
    [
        Term("literal", "x", None, 'en") } #'),
        Term("literal", "x", KG + "t> ) (<" + KG + "u", None),
        Term("literal", "x", None, "en us"),
    ],
    ids=["language-tag", "datatype-iri", "language-space"],
)
def test_a_literal_term_that_would_break_its_serialisation_is_refused(value):
    named = catalogue.get("label-search")
    with pytest.raises(InputError):
        params.bind_terms(named, {"text": value})


def test_a_well_formed_literal_term_is_bound_as_is():
    named = catalogue.get("label-search")
    bound = params.bind_terms(named, {"text": Literal("per-unit", lang="en-GB")})
    assert bound == {"_text": Term("literal", "per-unit", None, "en-GB")}


# --- A real endpoint (read-only Oxigraph server): the VALUES block sent over HTTP ----------


@pytest.mark.server
def test_the_endpoint_control_matches(oxigraph_bundled):
    rows = sparql.query("label-search", {"text": CONTROL}, endpoint=oxigraph_bundled.query_url)
    assert _concepts(rows) == [MATCH]


@pytest.mark.server
@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_a_payload_matches_nothing_on_an_endpoint(oxigraph_bundled, name):
    url = oxigraph_bundled.query_url
    assert _concepts(sparql.query("label-search", {"text": PAYLOADS[name]}, endpoint=url)) == []
    assert len(sparql.query(DESCRIBE, {"text": PAYLOADS[name]}, endpoint=url)) == 0


@pytest.mark.server
@pytest.mark.parametrize(
    "value",
    [URIRef(KG + "none> ) (<" + KG + "market-visibility"), BREAKING_IRIS["greater-than"]],
    ids=["uriref", "text"],
)
def test_an_iri_that_would_add_a_row_is_refused_before_the_endpoint(oxigraph_bundled, value):
    with pytest.raises(InputError, match="is not an IRI"):
        sparql.query("concept-evidence", {"concept": value}, endpoint=oxigraph_bundled.query_url)


# --- The command line, as a user runs it, and kg viz --------------------------------------


def _cli_concepts(stdout: str) -> list[str]:
    lines = stdout.splitlines()
    assert lines and lines[0] == "concept,label,kind"
    return [line.split(",", 1)[0] for line in lines[1:]]


def test_the_cli_control_and_every_payload_match_nothing(run_kg):
    control = run_kg("query", "label-search", "-p", f"text={CONTROL}", "-f", "csv")
    assert control.code == 0, control
    assert _cli_concepts(control.stdout) == [MATCH]
    for name, text in CLI_PAYLOADS.items():
        result = run_kg("query", "label-search", "-p", f"text={text}", "-f", "csv")
        assert (result.code, result.stderr) == (0, ""), (name, result)
        assert _cli_concepts(result.stdout) == [], name


def test_the_cli_refuses_a_breaking_iri_in_one_line(run_kg):
    for name, value in BREAKING_IRIS.items():
        result = run_kg("query", "concept-evidence", "-p", f"concept={value}")
        assert result.code == 2, (name, result)
        assert result.stdout == ""
        assert result.stderr.startswith("kg: parameter concept: "), (name, result)
        assert "is not an IRI" in result.stderr
        assert result.stderr.count("\n") == 1, (name, result)


def test_kg_viz_binds_a_payload_as_a_literal(run_kg, tmp_path):
    control = tmp_path / "control.html"
    result = run_kg("viz", "--query", CONSTRUCT, "--param", f"text={CONTROL}", "-o", str(control))
    assert result.code == 0, result
    assert "(1 nodes, 0 edges)" in result.stderr
    assert "high-per-unit-costs" in control.read_text(encoding="utf-8")
    for name in ("backslash-quote", "quote-row", "u-escape-quote", "newline", "iri-breaking"):
        page = tmp_path / f"{name}.html"
        result = run_kg(
            "viz", "--query", CONSTRUCT, "--param", f"text={PAYLOADS[name]}", "-o", str(page)
        )
        assert result.code == 0, (name, result)
        assert "(0 nodes, 0 edges)" in result.stderr, name
        assert "high-per-unit-costs" not in page.read_text(encoding="utf-8"), name


def test_kg_viz_refuses_a_breaking_iri_in_one_line(run_kg, tmp_path):
    query = "CONSTRUCT { ?_concept_iri ?p ?o } WHERE { ?_concept_iri ?p ?o }"
    page = tmp_path / "page.html"
    result = run_kg(
        "viz", "--query", query, "--param", f"concept={BREAKING_IRIS['greater-than']}",
        "-o", str(page),
    )  # fmt: skip
    assert result.code == 2, result
    assert result.stderr.startswith("kg: parameter concept: ") and "is not an IRI" in result.stderr
    assert result.stderr.count("\n") == 1
    assert not page.exists()


# --- Limits checked before any parser sees a query (querytext.check_limits) ----------------


def _nested(depth: int, opener: str = "{", closer: str = "}") -> str:
    return "SELECT * WHERE " + opener * depth + " ?s ?p ?o " + closer * depth


def test_nesting_up_to_the_limit_passes_and_one_more_is_refused():
    querytext.check_limits(_nested(querytext.MAX_NESTING), "q")
    text = _nested(querytext.MAX_NESTING + 1)
    with pytest.raises(InputError) as caught:
        querytext.check_limits(text, "q.rq")
    assert caught.value.where == "q.rq"
    # The 65th brace is character 15 + 65 of the only line.
    column = len("SELECT * WHERE ") + querytext.MAX_NESTING + 1
    assert caught.value.message == (
        f"line 1, column {column}: the query nests deeper than 64 levels of {{ ( ["
    )
    assert querytext.MAX_NESTING == 64


@pytest.mark.parametrize("opener, closer", [("(", ")"), ("[", "]")])
def test_parentheses_and_brackets_count_as_nesting(opener, closer):
    with pytest.raises(InputError, match="nests deeper than 64"):
        querytext.check_limits(_nested(65, opener, closer), "q")
    querytext.check_limits(_nested(64, opener, closer), "q")


def test_mixed_openers_add_up():
    text = "SELECT * WHERE " + "{([" * 21 + "{{" + " ?s ?p ?o " + "}}" + "])}" * 21  # 65
    with pytest.raises(InputError, match="nests deeper than 64"):
        querytext.check_limits(text, "q")
    querytext.check_limits(text.replace("{([", "{(", 1).replace("])}", ")}", 1), "q")


def test_closed_groups_do_not_add_up():
    querytext.check_limits("SELECT * WHERE { " + "{ ?s ?p ?o } " * 200 + "}", "q")


def test_stray_closers_do_not_buy_extra_depth():
    text = "}" * 10 + _nested(65)
    with pytest.raises(InputError, match="nests deeper than 64"):
        querytext.check_limits(text, "q")


def test_braces_in_strings_iris_and_comments_are_not_nesting():
    text = (
        'SELECT * WHERE { ?s ?p "' + "{" * 100 + '" . ?s ?q <http://e/' + "(" * 100 + "> }\n"
        "# " + "[" * 100 + "\n"
    )
    querytext.check_limits(text, "q")


def test_a_service_call_is_refused_locally_with_its_position():
    text = "SELECT * WHERE {\n  ?s ?p ?o .\n  service <http://127.0.0.1:9/x> { ?s ?p ?o }\n}"
    with pytest.raises(InputError) as caught:
        querytext.check_limits(text, "q.rq")
    assert caught.value.message == f"line 3, column 3: {querytext.SERVICE_REFUSED}"
    querytext.check_limits(text, "q.rq", local=False)  # an endpoint decides for itself


def test_service_in_a_string_or_comment_is_not_a_call():
    querytext.check_limits('SELECT * WHERE { ?s ?p "SERVICE" } # SERVICE <http://e/>', "q")


# --- Text from the graph inside the HTML page's <script> (kg.views.view._json_for_script) ---------


def test_json_in_the_page_cannot_close_its_script_element():
    from kg.views.view import _json_for_script

    value = {"b": "</script><!-- x & y", "a": "line\u2028para\u2029", "c": ["é", 1]}
    text = _json_for_script(value)
    # Sorted keys, no spaces, non-ASCII kept as is, and < > & U+2028 U+2029 as \\u escapes.
    assert text == (
        '{"a":"line\\u2028para\\u2029","b":"\\u003c/script\\u003e\\u003c!-- x \\u0026 y",'
        '"c":["é",1]}'
    )
    assert json.loads(text) == value
    assert not set("<>&\u2028\u2029") & set(text)


def test_any_punctuation_but_a_closer_keeps_the_depth():
    text = "SELECT * WHERE " + "{ ?s ?p ?o . ?s ?q ?o ; ?r ?o , ?t " * 65 + "}" * 65
    with pytest.raises(InputError, match="nests deeper than 64"):
        querytext.check_limits(text, "q")


def test_a_closer_takes_off_exactly_one_level():
    with pytest.raises(InputError, match="nests deeper than 64"):
        querytext.check_limits("{" * 64 + "}" + "{" * 2, "q")
    querytext.check_limits("{}" + "{" * 64 + "}" * 64, "q")


def test_a_refused_service_names_the_query():
    with pytest.raises(InputError) as caught:
        querytext.check_limits("SELECT * { SERVICE <http://e/> { } }", "my.rq")
    assert caught.value.where == "my.rq"


# --- The text an endpoint and Oxigraph get (querytext.remote_text, with_values) -------------

SKOS = "http://www.w3.org/2004/02/skos/core#"


def test_the_endpoint_text_declares_each_missing_project_prefix_once():
    text = "SELECT ?l WHERE { ?c skos:prefLabel ?l ; ssp:x ?y . ?c skos:altLabel kg:a:b }"
    assert querytext.remote_text(text, {}) == (
        f"PREFIX skos: <{SKOS}>\n"
        "PREFIX ssp: <https://w3id.org/ssp-kg/ontology#>\n"
        "PREFIX kg: <https://w3id.org/ssp-kg/id/>\n" + text
    )


def test_a_declared_prefix_is_not_declared_again():
    text = (
        "PREFIX kg: <http://example.org/mine/>\nPREFIX skos: <http://example.org/s#>\n"
        "SELECT ?l WHERE { kg:a:b skos:prefLabel ?l }"
    )
    assert querytext.remote_text(text, {}) == text


def test_values_bind_every_parameter_in_one_row():
    text = "SELECT ?s WHERE { ?s ?_p_iri ?_o }"
    bindings = {"_p_iri": iri(SKOS + "prefLabel"), "_o": literal('a "b"\\', lang="en")}
    assert querytext.with_values(text, bindings) == (
        "SELECT ?s WHERE { VALUES (?_p_iri ?_o) { "
        f'(<{SKOS}prefLabel> "a \\"b\\"\\\\"@en) }}  ?s ?_p_iri ?_o }}'
    )


def test_a_query_without_a_where_group_gets_one_at_its_end():
    bindings = {"_x_iri": iri("http://e/x")}
    assert querytext.with_values("  DESCRIBE ?_x_iri \n\n", bindings) == (
        "  DESCRIBE ?_x_iri\nWHERE { VALUES (?_x_iri) { (<http://e/x>) } }\n"
    )
    assert querytext.with_values("DESCRIBE ?x", {}) == "DESCRIBE ?x"


def test_solution_modifiers_stay_after_the_where_group_a_describe_gets():
    bindings = {"_x_iri": iri("http://e/x")}
    block = "WHERE { VALUES (?_x_iri) { (<http://e/x>) } }"
    assert querytext.with_values("DESCRIBE ?_x_iri LIMIT 1", bindings) == (
        f"DESCRIBE ?_x_iri\n{block}\nLIMIT 1"
    )
    assert querytext.with_values("DESCRIBE ?_x_iri  ORDER BY ?_x_iri offset 2 ", bindings) == (
        f"DESCRIBE ?_x_iri\n{block}\nORDER BY ?_x_iri offset 2 "
    )
    # The braces of a trailing VALUES are not a WHERE group.
    text = "DESCRIBE ?_x_iri VALUES ?_x_iri { <http://e/y> }"
    assert querytext.where_group(text) is None
    assert querytext.with_values(text, bindings) == (
        f"DESCRIBE ?_x_iri\n{block}\nVALUES ?_x_iri {{ <http://e/y> }}"
    )


def test_a_describe_from_a_graph_keeps_its_dataset_clause_before_the_where_group():
    bindings = {"_x_iri": iri("http://e/x")}
    assert querytext.with_values("DESCRIBE ?_x_iri FROM <http://e/g> LIMIT 1", bindings) == (
        "DESCRIBE ?_x_iri FROM <http://e/g>\nWHERE { VALUES (?_x_iri) { (<http://e/x>) } }\nLIMIT 1"
    )


def test_the_short_construct_form_is_written_long_exactly():
    long = querytext._long_construct
    assert long("CONSTRUCT WHERE {?s ?p ?o}") == "CONSTRUCT {?s ?p ?o} WHERE {?s ?p ?o}"
    # The form keyword is found after the prolog, and a text without one is left alone.
    assert long("PREFIX a: <http://e/> CONSTRUCT WHERE { ?s a:p ?o }") == (
        "PREFIX a: <http://e/> CONSTRUCT { ?s a:p ?o } WHERE { ?s a:p ?o }"
    )
    assert querytext.form_index(list(catalogue.scan("PREFIX a: <http://e/> ASK {}"))) == 3
    assert querytext.form_index(list(catalogue.scan("{ ?s ?p ?o }"))) is None
    assert long("CONSTRUCT WHERE { ?s ?p ?o } VALUES ?s { <x> }") == (
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } VALUES ?s { <x> }"
    )
    # Not the short form, or too short to be one: unchanged.
    for text in (
        "ASK WHERE { ?s ?p ?o }",
        "SELECT * WHERE { ?s ?p ?o }",
        "CONSTRUCT WHERE",
        "CONSTRUCT WHERE ?s",
        "{ ?s ?p ?o }",
        "CONSTRUCT { ?s ?p ?o } WHERE { }",
    ):
        assert long(text) == text
    bindings = {"_o": literal("x")}
    assert querytext.with_values("ASK WHERE { ?s ?p ?_o }", bindings) == (
        'ASK WHERE { VALUES (?_o) { ("x") }  ?s ?p ?_o }'
    )


def test_a_brace_inside_the_projection_is_not_the_where_group():
    text = "SELECT ?t (EXISTS { ?_x_iri ?p ?o } AS ?e) ((1) AS ?one) WHERE { ?_x_iri a ?t }"
    assert querytext.where_group(text) == text.index("WHERE {") + 6
    assert querytext.with_values(text, {"_x_iri": iri("http://e/x")}).endswith(
        "WHERE { VALUES (?_x_iri) { (<http://e/x>) }  ?_x_iri a ?t }"
    )


def test_a_parameter_in_an_exists_projection_binds_the_main_pattern_on_oxigraph():
    from kg.store import oxengine

    named = catalogue.from_text(
        "SELECT ?t (EXISTS { ?_x_iri ?p ?o } AS ?e) WHERE { ?_x_iri a ?t }", "my", "my.rq"
    )
    graph = oxengine.load()
    rows = oxengine.run(oxengine.compile_query(named), {"_x_iri": iri(MATCH)}, graph)
    # Without the binding in the WHERE group: every typed node, with ?e false.
    assert sorted((row["t"].value, row["e"].value) for row in rows) == [
        (SKOS + "Concept", "true"), ("https://w3id.org/ssp-kg/ontology#FinancialChallenge", "true"),
    ]  # fmt: skip


# Values a parser that expands \u escapes in the whole text (rdflib, SPARQL 1.1 19.2) would
# change if they were only N-Triples-escaped: each must read back as itself on both parsers.
BACKSLASH_U = [
    "per\\u002Dunit", "x\\u0022y", "x\\U00000022y", "\\U0001F600", "x\\U0022y", "a\\\\u0041",
    "\\u", "\\uzzzz", "u\\Uu", "x\\u0075002D",
]  # fmt: skip


def test_a_u_after_an_escaped_backslash_is_written_as_an_escape_of_its_own():
    assert querytext.sparql_term(literal("per\\u002Dunit")) == '"per\\\\\\U00000075002Dunit"'
    assert querytext.sparql_term(literal("\\U0022", lang="en")) == '"\\\\\\U000000550022"@en'
    assert querytext.sparql_term(literal("a\\\\u")) == '"a\\\\\\\\\\U00000075"'
    # Only a u after a backslash: quotes and other escapes are N-Triples' own.
    assert querytext.sparql_term(literal('u"\\nu\n')) == '"u\\"\\\\nu\\n"'
    assert querytext.sparql_term(iri("http://e/u")) == "<http://e/u>"


@pytest.mark.parametrize("value", BACKSLASH_U)
def test_a_backslash_u_value_reads_back_as_itself_on_rdflib_and_oxigraph(value):
    import pyoxigraph as ox
    from rdflib import Graph

    text = querytext.with_values("SELECT ?v WHERE { }", {"v": literal(value)})
    assert [str(row[0]) for row in Graph().query(text)] == [value]
    assert [row[0].value for row in ox.Store().query(text)] == [value]


def test_a_describe_finds_a_label_holding_backslash_u_through_the_api():
    from rdflib import Graph

    graph = Graph()
    graph.parse(
        data=f'<{KG}c> <{SKOS}prefLabel> "per\\\\u002Dunit" , "x\\\\u0022y" .', format="turtle"
    )
    query = "DESCRIBE ?c WHERE { ?c skos:prefLabel ?l FILTER (STR(?l) = ?_text) }"
    for label in ("per\\u002Dunit", "x\\u0022y"):
        assert _subjects(kg.query(query, {"text": label}, graph=graph)) == {KG + "c"}
    assert len(kg.query(query, {"text": "per-unit"}, graph=graph)) == 0
    assert len(kg.query(query, {"text": 'x"y'}, graph=graph)) == 0


def test_an_oxigraph_syntax_error_in_the_text_with_values_is_one_line(monkeypatch):
    import pyoxigraph as ox

    from kg.store import oxengine

    named = catalogue.from_text("SELECT ?v WHERE { BIND (?_t AS ?v) }", "my", "my.rq")
    checked = oxengine.compile_query(named)
    monkeypatch.setattr(querytext, "with_values", lambda text, bindings: "SELECT ?v WHERE {")
    graph = oxengine.KnowledgeGraph(store=ox.Store())
    with pytest.raises(InputError) as caught:
        oxengine.run(checked, {"_t": literal("x")}, graph)
    assert caught.value.where == "my.rq"
    assert caught.value.message.startswith("query failed: ")
    assert "\n" not in caught.value.message


def test_template_slots_escape_quotes_and_markup_and_raw_slots_stay_raw():
    from kg.views.view import _fill

    template = '<p title="{{ title }}">{{ title }}</p><script>{{ data }}</script>{{ n }}'
    page = _fill(template, {"title": "\"a\" 'b' <i>&", "n": 3}, {"data": "x < y"})
    escaped = "&quot;a&quot; &#x27;b&#x27; &lt;i&gt;&amp;"
    assert page == f'<p title="{escaped}">{escaped}</p><script>x < y</script>3'


def test_the_jupyter_view_is_an_escaped_sandboxed_iframe():
    from kg.views.view import View

    view = View("<p class=\"x\">'a' & b</p>", height=300.7)
    assert view._repr_html_() == (
        '<iframe srcdoc="&lt;p class=&quot;x&quot;&gt;&#x27;a&#x27; &amp; b&lt;/p&gt;" '
        'style="width:100%;height:300px;border:1px solid #e4e7eb;border-radius:8px" '
        'sandbox="allow-scripts" loading="eager" title="Knowledge graph view"></iframe>'
    )


# --- Values checked against their declared type before they are bound (kg.querying.params) ---

TYPED = catalogue.from_text(
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
    "SELECT * WHERE { ?s ?p ?__when_xsd_date , ?__at_xsd_dateTime , ?__flag_xsd_boolean , "
    "?__x_xsd_decimal , ?__d_xsd_double , ?__f_xsd_float , ?__n_xsd_integer , "
    "?__u_xsd_unsignedByte , ?__num_number , ?__node_iri , ?__label_en }",
    "query",
    "typed.rq",
)
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("when", "2024-13-01", "'2024-13-01' is not a date (xsd:date)"),
        ("when", "2024-01-01x", "'2024-01-01x' is not a date (xsd:date)"),
        ("when", "1.1.2024", "'1.1.2024' is not a date (xsd:date)"),
        ("at", "2024-01-01", "'2024-01-01' is not a dateTime (xsd:dateTime)"),
        ("at", "2024-01-01T25:00:00", "'2024-01-01T25:00:00' is not a dateTime (xsd:dateTime)"),
        ("flag", "yes", "'yes' is not a boolean (xsd:boolean)"),
        ("flag", "true\n", "'true\\n' is not a boolean (xsd:boolean)"),
        ("x", "1e5", "'1e5' is not a decimal (xsd:decimal)"),
        ("d", "abc", "'abc' is not a double (xsd:double)"),
        ("f", "1.5.5", "'1.5.5' is not a float (xsd:float)"),
        ("n", "1.0", "'1.0' is not an integer (xsd:integer)"),
        ("n", "7\n", "'7\\n' is not an integer (xsd:integer)"),
        ("u", "x", "'x' is not an unsignedByte (xsd:unsignedByte)"),
        ("num", "1,5", "'1,5' is not a number"),
        ("node", "not an iri", "'not an iri' is not an IRI (write it in full, or as kg:name)"),
    ],
)
def test_a_value_not_of_its_declared_type_is_refused(name, value, message):
    with pytest.raises(InputError) as caught:
        params.bind_terms(TYPED, {name: value})
    assert caught.value.where == f"parameter {name}"
    assert caught.value.message == message


def test_values_of_their_declared_type_are_bound_as_typed_literals():
    bound = params.bind_terms(
        TYPED,
        {
            "when": "2024-02-29", "at": "2024-01-01T10:00:00Z", "flag": "1", "x": "-.5",
            "d": "-INF", "f": "1.5e3", "n": "+007", "u": "0", "num": "2.50", "node": "kg:agility",
            "label": "per-unit",
        },
    )  # fmt: skip
    assert bound == {
        "__when_xsd_date": literal("2024-02-29", XSD + "date"),
        "__at_xsd_dateTime": literal("2024-01-01T10:00:00Z", XSD + "dateTime"),
        "__flag_xsd_boolean": literal("1", XSD + "boolean"),
        "__x_xsd_decimal": literal("-.5", XSD + "decimal"),
        "__d_xsd_double": literal("-INF", XSD + "double"),
        "__f_xsd_float": literal("1.5e3", XSD + "float"),
        "__n_xsd_integer": literal("7", XSD + "integer"),
        "__u_xsd_unsignedByte": literal("0", XSD + "unsignedByte"),
        "__num_number": literal("2.50", XSD + "decimal"),
        "__node_iri": iri(KG + "agility"),
        "__label_en": literal("per-unit", lang="en"),
    }
    number = params.bind_terms(TYPED, {"num": "-12"})["__num_number"]
    assert number == literal("-12", XSD + "integer")
    assert params.bind_terms(TYPED, {"num": "1e3"})["__num_number"] == literal(
        "1e3", XSD + "double"
    )


def test_a_blank_node_or_a_literal_for_an_iri_is_refused():
    from rdflib import BNode

    with pytest.raises(InputError) as caught:
        params.bind_terms(TYPED, {"node": BNode("b0")})
    assert caught.value.message == "a blank node cannot be a parameter value"
    with pytest.raises(InputError) as caught:
        params.bind_terms(TYPED, {"node": Literal("kg:agility")})
    assert caught.value.message == "'kg:agility' is not an IRI"
    with pytest.raises(InputError) as caught:
        params.bind_terms(TYPED, {"label": Term("literal", "x", XSD + "t>", None)})
    assert caught.value.message == f"datatype {XSD + 't>'!r} is not an IRI"
    with pytest.raises(InputError) as caught:
        params.bind_terms(TYPED, {"label": Term("literal", "x", None, "en-")})
    assert caught.value.message == "'en-' is not a language tag"


# --- Parameter checks in process: where each error points, Python values, engine terms -----


def _parameter(kind: str, datatype: str | None = None, lang: str | None = None):
    return catalogue.Parameter("p", "_p", True, kind, datatype, lang)


XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("string", Term("bnode", "b0"), "a blank node cannot be a parameter value"),
        ("iri", literal("x"), "'x' is not an IRI"),
        ("iri", Term("iri", "a b"), "'a b' is not an IRI"),
        ("string", Term("literal", "x", "a b"), "datatype 'a b' is not an IRI"),
        ("string", Term("literal", "x", None, "e n"), "'e n' is not a language tag"),
        (
            "typed",
            "2020-01-01T00:00:00z",
            "'2020-01-01T00:00:00z' is not a dateTime (xsd:dateTime)",
        ),
    ],
)
def test_a_refused_value_names_its_parameter(kind, value, message):
    parameter = _parameter(kind, XSD + "dateTime" if kind == "typed" else None)
    with pytest.raises(InputError) as caught:
        params.to_term(parameter, value)
    assert (caught.value.where, caught.value.message) == ("parameter p", message)


def test_python_booleans_and_dates_become_their_xsd_text():
    boolean = _parameter("typed", XSD + "boolean")
    assert params.to_term(boolean, True) == literal("true", XSD + "boolean")
    assert params.to_term(boolean, False) == literal("false", XSD + "boolean")
    from datetime import date, datetime

    assert params.to_term(_parameter("typed", XSD + "date"), date(2020, 1, 2)) == literal(
        "2020-01-02", XSD + "date"
    )
    moment = datetime(2020, 1, 2, 3, 4, 5)
    assert params.to_term(_parameter("typed", XSD + "dateTime"), moment) == literal(
        "2020-01-02T03:04:05", XSD + "dateTime"
    )
    assert params.to_term(_parameter("typed", XSD + "dateTime"), "2020-01-02T03:04:05Z")


def test_pyoxigraph_and_rdflib_terms_are_taken_as_terms():
    import pyoxigraph as ox

    assert params.to_term(_parameter("iri"), ox.NamedNode(KG + "x")) == iri(KG + "x")
    assert params.to_term(_parameter("string"), ox.Literal("a", language="en")) == literal(
        "a", lang="en"
    )
    assert params.to_term(_parameter("iri"), URIRef(KG + "x")) == iri(KG + "x")


def test_a_prefixed_name_expands_at_its_first_colon_only():
    assert params.to_term(_parameter("iri"), "kg:a:b") == iri(KG + "a:b")
    assert params.to_term(_parameter("iri"), "kg://host/x") == iri("kg://host/x")


def test_an_unknown_or_missing_parameter_names_where():
    named = catalogue.from_text("SELECT * WHERE { ?s ?p ?o }", "my", "my.rq")
    with pytest.raises(InputError) as caught:
        params.bind_terms(named, {"bogus": "x"})
    assert (caught.value.where, caught.value.message) == (
        "parameter bogus", "my.rq has no such parameter (it takes: none)",
    )  # fmt: skip
    named = catalogue.from_text("SELECT * WHERE { ?s ?p ?_o }", "my", "my.rq")
    with pytest.raises(InputError) as caught:
        params.bind_terms(named, {})
    assert caught.value.where == "my.rq"
    assert caught.value.message.startswith("missing required parameter 'o' (")


def test_the_where_group_of_a_short_construct_is_its_only_group():
    text = "CONSTRUCT where { ?s ?p ?o }"
    assert querytext.where_group(text) == text.index("{")
    assert querytext.where_group("CONSTRUCT") is None


# --- Prefixes, defaults and canonical integers (added for docs/mutation.md) -----------------


def test_an_unknown_parameter_lists_those_the_query_takes():
    named = catalogue.from_text("SELECT * WHERE { ?_a ?_b ?o }", "my", "my.rq")
    with pytest.raises(InputError) as caught:
        params.bind_terms(named, {"c": "x"})
    assert caught.value.message == "my.rq has no such parameter (it takes: a, b)"


def test_a_missing_optional_parameter_takes_its_default():
    import dataclasses

    named = catalogue.from_text("SELECT * WHERE { ?s ?p ?__n_xsd_integer }", "my", "my.rq")
    (parameter,) = named.parameters
    assert params.bind_terms(named, {}) == {}
    defaulted = dataclasses.replace(parameter, default="007")
    with_default = dataclasses.replace(named, parameters=(defaulted,))
    assert params.bind_terms(with_default, {}) == {
        parameter.variable: literal("7", "http://www.w3.org/2001/XMLSchema#integer")
    }


def test_a_prefixed_iri_value_expands_with_the_prefixes_given():
    named = catalogue.from_text("SELECT * WHERE { ?s ?p ?_node_iri }", "my", "my.rq")
    (parameter,) = named.parameters
    mine = {"ex": "http://example.org/ns#"}
    thing = iri("http://example.org/ns#thing")
    assert params.bind_terms(named, {"node": "ex:thing"}, mine) == {parameter.variable: thing}
    assert params.to_term(parameter, "ex:thing", mine) == thing
    assert params.to_term(parameter, "kg:agility") == iri(KG + "agility")


@pytest.mark.parametrize(
    "text, canonical",
    [("0", "0"), ("-0", "0"), ("-000", "0"), ("+007", "7"), ("-007", "-7"), ("10", "10")],
)
def test_canonical_integer(text, canonical):
    assert params.canonical_integer(text) == canonical
