"""kg.querying.querytext.precheck and calls_service: what no engine may see, checked in-process.

The command-line tests in test_query_limits.py run ``kg`` in a subprocess, which a mutation
tool cannot trace; these call the checks directly. Every expected message is written out
by hand: where the text came from (``<query>``, a file name), then the line and column.
"""

from __future__ import annotations

import pytest

from kg.errors import InputError
from kg.querying import querytext
from kg.querying.catalogue import NamedQuery

WHERE = "q.rq"


def named(text: str) -> NamedQuery:
    return NamedQuery(name="q", text=text, source=WHERE)


def refused(text: str, **options: object) -> str:
    with pytest.raises(InputError) as raised:
        querytext.precheck(named(text), **options)  # type: ignore[arg-type]
    return str(raised.value)


SERVICE_TEXT = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
SERVICE_REFUSED = (
    "SERVICE is not allowed in a local query: kg never contacts a server you did not name "
    "(send the query to that server with --endpoint instead)"
)


def test_service_is_refused_by_default_and_passes_for_an_endpoint():
    assert refused(SERVICE_TEXT) == f"{WHERE}: line 1, column 18: {SERVICE_REFUSED}"
    querytext.precheck(named(SERVICE_TEXT), local=False)  # the endpoint's business


def test_service_spelled_with_escapes_is_refused_locally_only():
    text = "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
    assert refused(text) == f"{WHERE}: line 1, column 18: {SERVICE_REFUSED}"
    querytext.precheck(named(text), local=False)


def test_nesting_is_counted_in_the_text_and_after_its_escapes():
    deep = "SELECT * WHERE " + "{" * 65 + " ?s ?p ?o " + "}" * 65
    limit = "the query nests deeper than 64 levels of { ( ["
    assert refused(deep) == f"{WHERE}: line 1, column 80: {limit}"
    escaped = "SELECT * WHERE " + "\\u007B" * 65 + " ?s ?p ?o " + "}" * 65
    assert refused(escaped, local=False) == f"{WHERE}: line 1, column 80: {limit}"


def test_a_text_over_one_megabyte_is_named():
    text = "ASK {}" + " " * (2**20)
    assert refused(text) == (
        f"{WHERE}: the query text is 1,048,582 bytes, over the limit of 1,000,000 "
        "(bind long lists of values from a --data file instead)"
    )


def test_a_byte_that_was_not_utf8_is_named_by_offset():
    # 'caf' then the byte 0xe9, as Python keeps it from a command line (U+DCE9); offsets from 0
    expected = f"{WHERE}: line 1, byte 16: not UTF-8 (byte 0xe9)"
    assert refused("ASK { ?s ?p 'caf\udce9' }") == expected


def test_an_escaped_surrogate_is_named_by_column():
    assert refused("ASK { ?s ?p '\\uD800' }") == (
        f"{WHERE}: line 1, column 14: \\uD800 is a surrogate code point, not a character "
        "(write characters above U+FFFF as \\UXXXXXXXX)"
    )


def test_an_escape_past_unicode_is_named():
    assert refused("ASK { ?s ?p '\\U00110000' }") == (
        f"{WHERE}: line 1, column 14: \\U00110000 is not a Unicode code point"
    )


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n"])
def test_no_query(text):
    assert refused(text) == f"{WHERE}: no query (the text is empty or only comments)"


UNKNOWN = "(declare it with PREFIX)"


def test_an_undeclared_prefix_is_named_with_its_position():
    text = "SELECT * WHERE {\n  ?s nope:p ?o }"
    assert refused(text) == f"{WHERE}: line 2, column 6: unknown prefix 'nope:' {UNKNOWN}"


def test_a_local_name_holding_a_colon_names_only_the_prefix():
    text = "SELECT * WHERE { ?s nope:a:b ?o }"
    assert refused(text) == f"{WHERE}: line 1, column 21: unknown prefix 'nope:' {UNKNOWN}"


def test_the_project_prefixes_by_default_and_the_given_ones_otherwise():
    skos = "SELECT * WHERE { ?s skos:prefLabel ?o }"
    querytext.precheck(named(skos))  # skos: is one of the project's prefixes
    querytext.precheck(named("SELECT * WHERE { ?s ex:p ?o }"), prefixes={"ex": "urn:ex:"})
    assert refused(skos, prefixes={"ex": "urn:ex:"}) == (
        f"{WHERE}: line 1, column 21: unknown prefix 'skos:' {UNKNOWN}"
    )
    declared = "PREFIX nope: <urn:n:>\nSELECT * WHERE { ?s nope:p ?o }"
    querytext.precheck(named(declared), prefixes={})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (SERVICE_TEXT, True),
        ("select * { service <http://127.0.0.1:9/> { ?s ?p ?o } }", True),
        ("SELECT * { ?s ?p 'SERVICE' }", False),  # a string
        ("SELECT * { ?s ?p ?o } # SERVICE\n", False),  # a comment
        ("SELECT * { ?s <http://e/SERVICE> ?o }", False),  # an IRI
        ("SELECT * { ?s ?p ?o }", False),
    ],
)
def test_calls_service(text, expected):
    assert querytext.calls_service(text) is expected
