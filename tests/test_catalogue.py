"""The named query catalogue: grlc decorators and parameters, and every query's answers.

Expected answers live in ``tests/queries/NAME.csv`` (or ``NAME--CASE.csv`` for a second
parameter set). They were written from the article, not from running the queries: each file
holds only the columns whose values follow from the article's text (IRIs as ``prefix:local``,
literals as their text), and results are compared with them as multisets of rows, on the
bundled graph (``kg.query``) and on a real Oxigraph server.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections import Counter
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.prefixes import shorten
from kg.querying import catalogue, querytext, sparql
from kg.querying.catalogue import (
    find_parameters,
    parse_decorators,
    query_body,
    scan,
    variables,
)
from kg.querying.results import Triples
from kg.terms import Term, iri, neutral, python_value

EXPECTED = Path(__file__).parent / "queries"

# (expected file stem, catalogue query, parameters)
CASES: list[tuple[str, str, dict[str, str]]] = [
    ("article-q1", "article-q1", {}),
    ("article-q2", "article-q2", {}),
    ("article-q3", "article-q3", {}),
    ("article-q4", "article-q4", {}),
    ("article-q5", "article-q5", {}),
    ("challenges-by-producer", "challenges-by-producer", {}),
    ("challenge-mitigations", "challenge-mitigations", {}),
    ("unmitigated-challenges", "unmitigated-challenges", {}),
    ("challenge-effects", "challenge-effects", {}),
    ("challenge-is-mitigated", "challenge-is-mitigated", {"challenge": "kg:market-visibility"}),
    (
        "challenge-is-mitigated--per-unit-costs",
        "challenge-is-mitigated",
        {"challenge": "kg:high-per-unit-costs"},
    ),
    ("technology-outcome-chains", "technology-outcome-chains", {}),
    ("trend-beneficiaries", "trend-beneficiaries", {}),
    ("producer-capabilities", "producer-capabilities", {}),
    ("consumer-appeal", "consumer-appeal", {"value": "kg:authenticity"}),
    ("section-overview", "section-overview", {}),
    ("concepts-in-section", "concepts-in-section", {"section": "7", "paragraph": "8"}),
    (
        "concepts-in-section--answer-5",
        "concepts-in-section",
        {"section": "7", "paragraph": "10"},
    ),
    ("most-connected", "most-connected", {"min": "6"}),
    ("concept-evidence", "concept-evidence", {"concept": "kg:market-visibility"}),
    (
        "relation-evidence",
        "relation-evidence",
        {"subject": "kg:support-programmes", "object": "kg:limited-access-to-financing"},
    ),
    ("label-search", "label-search", {"text": "PER-UNIT"}),
    ("label-search--injection", "label-search", {"text": 'x" } ; DROP ALL ; #'}),
    ("skos-hierarchy", "skos-hierarchy", {"root": "kg:regulatory-compliance"}),
    (
        "skos-hierarchy--small-scale-producers",
        "skos-hierarchy",
        {"root": "kg:small-scale-producers"},
    ),
    ("competency-questions", "competency-questions", {}),
    (
        "concept-neighbourhood",
        "concept-neighbourhood",
        {"concept": "kg:limited-access-to-financing"},
    ),
    # The analyst questions (tag `analyst`), answers written from the article.
    ("conditional-claims", "conditional-claims", {"condition": "kg:global-disruption"}),
    (
        "conditional-claims--developing-economies",
        "conditional-claims",
        {"condition": "kg:developing-economies"},
    ),
    ("development-forecasts", "development-forecasts", {}),
    ("challenge-modality", "challenge-modality", {}),
    ("challenge-causes", "challenge-causes", {}),
    ("outcome-drivers", "outcome-drivers", {"outcome": "kg:global-competitiveness"}),
    (
        "outcome-drivers--supply-chain-resilience",
        "outcome-drivers",
        {"outcome": "kg:supply-chain-resilience"},
    ),
    ("remedy-chains", "remedy-chains", {}),
    ("support-measures", "support-measures", {}),
    ("historical-roots", "historical-roots", {}),
    ("large-firm-profile", "large-firm-profile", {}),
    ("capability-enables", "capability-enables", {}),
    ("favourable-factors", "favourable-factors", {}),
]
CASE_IDS = [case[0] for case in CASES]


# --- Decorators and parameters -------------------------------------------------------------


def test_decorators_read_grlc_yaml():
    text = (
        "#+ summary: Bands by genre\n"
        "#+ tags:\n"
        "#+   - music\n"
        "#+   - 'bands'\n"
        "#+ defaults:\n"
        "#+ - genre: http://dbpedia.org/resource/Grunge\n"
        "#+ method: GET\n"
        "#+ enumerate: [genre, year]\n"
        "SELECT * WHERE { ?s ?p ?o }\n"
    )
    assert parse_decorators(text, "q") == {
        "summary": "Bands by genre",
        "tags": ["music", "bands"],
        "defaults": [{"genre": "http://dbpedia.org/resource/Grunge"}],
        "method": "GET",
        "enumerate": ["genre", "year"],
    }
    assert query_body(text) == "SELECT * WHERE { ?s ?p ?o }"


@pytest.mark.parametrize(
    "text, message",
    [
        ("#+ - orphan\n", "line 1: a '- item' line must follow 'key:'"),
        ("#+ summary\n", "line 1: expected 'key: value'"),
    ],
)
def test_malformed_decorators_are_named_with_their_line(text, message):
    with pytest.raises(InputError, match=re.escape(message)):
        parse_decorators(text, "q.rq")


def test_parameters_follow_the_grlc_convention():
    text = (
        "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
        "SELECT * WHERE { ?_name ?__opt ?_node_iri . ?x ?_n_integer ?_label_en ; "
        "?_when_xsd_date ?__amount_number . ?y ?p ?_plain_string }"
    )
    params = {p.name: p for p in find_parameters(text)}
    assert set(params) == {"name", "opt", "node", "n", "label", "when", "amount", "plain"}
    assert params["name"].required and params["name"].kind == "string"
    assert not params["opt"].required
    assert params["node"].kind == "iri" and params["node"].variable == "_node_iri"
    assert params["n"].datatype == "http://www.w3.org/2001/XMLSchema#integer"
    assert params["label"].kind == "language" and params["label"].lang == "en"
    assert params["when"].datatype == "http://www.w3.org/2001/XMLSchema#date"
    assert params["amount"].kind == "number" and not params["amount"].required
    assert params["plain"].kind == "string"


def test_only_real_variables_are_parameters():
    """A '?_x' inside a string, an IRI or a comment is not a variable."""
    text = (
        '# ?_inComment\nSELECT ?x WHERE { ?x <http://e/?_inIri> "?_inString" , '
        "'''?_inLong''' ; ?p ?_real }"
    )
    assert variables(text) == ["x", "p", "_real"]
    assert [p.name for p in find_parameters(text)] == ["real"]


def test_a_parameter_written_two_ways_is_refused():
    with pytest.raises(InputError, match="'concept' is written two ways"):
        find_parameters("SELECT * WHERE { ?_concept_iri ?p ?_concept }", where="q.rq")


def test_an_unknown_parameter_type_is_refused():
    with pytest.raises(InputError, match="unknown type 'fancy'"):
        find_parameters("SELECT * WHERE { ?s ?p ?_thing_fancy }")


def test_a_default_for_a_missing_parameter_is_refused():
    with pytest.raises(InputError, match="default given for unknown parameter 'ghost'"):
        find_parameters("SELECT * WHERE { ?s ?p ?_real }", {"ghost": "1"})


def test_the_scanner_keeps_braces_in_strings_and_comments_out():
    tokens = list(scan('SELECT ("{" AS ?b) # {\nWHERE { ?s ?p "}" }'))
    braces = [t.text for t in tokens if t.kind == "punct" and t.text in "{}"]
    assert braces == ["{", "}"]


# --- The catalogue itself ------------------------------------------------------------------


def test_the_catalogue_has_the_article_questions_and_a_dozen_more():
    names = catalogue.names()
    for number in range(1, 6):
        assert f"article-q{number}" in names
    assert len([n for n in names if not n.startswith("article-q")]) >= 12
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name) for name in names)


@pytest.mark.parametrize("name", catalogue.names())
def test_each_catalogue_file_is_grlc_ready(name):
    """Decorators present, every prefix declared in the file, and the query parses."""
    query = catalogue.get(name)
    assert query.summary, f"{name} needs a #+ summary"
    assert query.tags, f"{name} needs #+ tags"
    assert query.decorators.get("method") == "GET"
    # grlc's decorators, and kg's own `vocabulary` (grlc ignores keys it does not know:
    # tests/test_grlc.py reads every file with grlc's parser).
    assert set(query.decorators) <= {
        "summary", "description", "tags", "method", "defaults", "vocabulary"
    }
    declared = catalogue.declared_prefixes(query.text)
    for token in catalogue.used_prefixes(query.text):
        assert token.text.split(":")[0] in declared, f"{name}: {token.text} is not declared"
    compiled = sparql.compile_query(query)
    assert compiled.kind in ("SELECT", "ASK", "CONSTRUCT")
    if compiled.kind == "SELECT":
        assert compiled.shape.ordered, f"{name} needs ORDER BY for a stable output"


def test_every_query_has_an_expected_result_and_every_file_a_query():
    files = {path.stem for path in EXPECTED.glob("*.csv")}
    assert files == set(CASE_IDS)
    generic = {q.name for q in catalogue.catalogue().values() if "generic" in q.tags}
    assert generic == {"class-hierarchy", "resource-search", "most-linked", "property-usage"}
    assert {case[1] for case in CASES} == set(catalogue.names()) - generic
    # The generic queries' answers are worked out on a hand-written ontology instead.
    tested = (Path(__file__).parent / "test_generic_queries.py").read_text(encoding="utf-8")
    assert all(f'"{name}"' in tested for name in generic)


def test_every_ssp_query_states_its_vocabulary_and_no_generic_one_does():
    for query in catalogue.catalogue().values():
        if "generic" in query.tags:
            assert query.vocabulary == (), query.name
        else:
            assert query.vocabulary in (("ssp",), ("skos",)), query.name


def test_article_q4_returns_exactly_the_four_challenges():
    rows = sparql.query("article-q4")
    assert sorted(rows.values("concept")) == [
        "https://w3id.org/ssp-kg/id/high-per-unit-costs",
        "https://w3id.org/ssp-kg/id/limited-access-to-financing",
        "https://w3id.org/ssp-kg/id/market-visibility",
        "https://w3id.org/ssp-kg/id/regulatory-compliance",
    ]


# --- Expected answers, locally and on Oxigraph ---------------------------------------------


def _expected(stem: str) -> tuple[list[str], Counter]:
    with (EXPECTED / f"{stem}.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        columns = next(reader)
        return columns, Counter(tuple(row) for row in reader)


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SKOS_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"


def _text(term: object) -> str:
    t = neutral(term)
    if t is None:
        return ""
    if t.kind == "iri":
        return shorten(t.value)
    if t.kind == "bnode":
        return "_:"
    return t.value


def _actual(result: sparql.QueryResult, columns: list[str]) -> Counter:
    """The result as a multiset of rows, projected on ``columns``."""
    if isinstance(result, bool):
        rows = [{"boolean": "true" if result else "false"}]
    elif isinstance(result, Triples):
        rows = [
            {"subject": _text(s), "predicate": _text(p), "object": _text(o)}
            for s, p, o in result
            if neutral(p).value not in (SKOS_PREF_LABEL, RDF_TYPE)
        ]
    else:
        missing = set(columns) - set(result.vars)
        assert not missing, f"the query does not return {sorted(missing)}"
        rows = [{var: _text(row.get(var)) for var in result.vars} for row in result]
    return Counter(tuple(row[column] for column in columns) for row in rows)


def _check(result: sparql.QueryResult, stem: str) -> None:
    columns, expected = _expected(stem)
    actual = _actual(result, columns)
    assert actual == expected, (
        f"{stem}: missing {sorted((expected - actual).elements())}, "
        f"unexpected {sorted((actual - expected).elements())}"
    )
    check_order(result, stem)


# The columns of each expected file that follow the query's ORDER BY, as its .rq states it
# ("-" marks DESC). Rows equal on these may come in any order; otherwise the expected file
# gives the order. concept-evidence orders by the section's position: kg:section-N sorts
# as N for the seven sections.
ORDER_KEYS: dict[str, list[str]] = {
    **{f"article-q{n}": ["label"] for n in range(1, 6)},
    "challenge-effects": ["challengeLabel", "hinderedLabel"],
    "challenge-mitigations": ["challengeLabel", "mitigatorKind", "mitigatorLabel"],
    "challenges-by-producer": ["producerLabel", "challengeKind", "challengeLabel"],
    "competency-questions": ["id"],
    "concept-evidence": ["section", "paragraph"],
    "concepts-in-section": ["paragraph", "label"],
    "consumer-appeal": ["valueLabel", "sourceLabel"],
    "label-search": ["label"],
    "most-connected": ["-degree", "label"],
    "producer-capabilities": ["producerLabel", "capabilityLabel"],
    "relation-evidence": ["subject", "predicate", "object", "section", "paragraph"],
    "section-overview": ["position"],
    "skos-hierarchy": ["broaderLabel", "conceptLabel"],
    "technology-outcome-chains": ["producerLabel", "technologyLabel", "outcomeLabel"],
    "trend-beneficiaries": ["trendLabel", "favouredLabel"],
    "unmitigated-challenges": ["kind", "label"],
    # The analyst questions.
    "capability-enables": ["capabilityLabel", "enabledLabel"],
    "challenge-causes": ["challengeLabel", "causeLabel"],
    "challenge-modality": ["modality", "challengeLabel", "conditionLabel"],
    "conditional-claims": ["conditionLabel", "subjectLabel", "predicate", "objectLabel"],
    "development-forecasts": ["paragraph", "targetLabel", "conditionLabel"],
    "favourable-factors": ["factorLabel", "conditionLabel"],
    "historical-roots": ["contextLabel", "targetLabel"],
    "large-firm-profile": ["actorLabel", "relation", "targetLabel"],
    "outcome-drivers": ["sign", "factorLabel"],
    "remedy-chains": ["remedyLabel", "challengeLabel", "freedLabel"],
    "support-measures": ["measureLabel", "relation", "otherLabel"],
}
NUMERIC = {"degree", "paragraph", "position"}


def _query_of(stem: str) -> str:
    return next(name for case_stem, name, _ in CASES if case_stem == stem)


def ordered_rows(stem: str) -> tuple[list[str], list[tuple[str, ...]]]:
    """The expected file's key columns, row by row in the file's order."""
    keys = [key.lstrip("-") for key in ORDER_KEYS[_query_of(stem)]]
    with (EXPECTED / f"{stem}.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return keys, [tuple(row[key] for key in keys) for row in rows]


def check_order(result: sparql.QueryResult, stem: str) -> None:
    """Where the query has a top-level ORDER BY, its rows come in the expected file's order."""
    name = _query_of(stem)
    if not querytext.shape(catalogue.get(name).text).ordered:
        return
    keys, expected = ordered_rows(stem)
    assert not isinstance(result, bool | Triples)
    actual = [tuple(_text(row.get(key)) for key in keys) for row in result]
    assert actual == expected, f"{stem}: rows out of the order of ORDER BY {keys}"


def test_every_ordering_query_has_its_order_keys_declared():
    ordered = {
        name
        for name in catalogue.names()
        if querytext.shape(catalogue.get(name).text).ordered
        and "generic" not in catalogue.get(name).tags  # in order in test_generic_queries.py
    }
    assert ordered == set(ORDER_KEYS)


@pytest.mark.parametrize(
    "stem", [stem for stem, name, _ in CASES if name in ORDER_KEYS], ids=lambda stem: stem
)
def test_each_expected_file_is_in_the_order_its_query_states(stem):
    """The hand-written order obeys the ORDER BY (codepoint order of labels, numbers as such)."""
    directions = [key.startswith("-") for key in ORDER_KEYS[_query_of(stem)]]
    keys, rows = ordered_rows(stem)

    def sort_key(row: tuple[str, ...]) -> tuple:
        parts = []
        for key, value, descending in zip(keys, row, directions, strict=True):
            number = int(value) if key in NUMERIC else None
            if descending:
                assert number is not None, "DESC is only used on numbers here"
                parts.append(-number)
            else:
                parts.append(number if number is not None else value)
        return tuple(parts)

    for before, after in itertools.pairwise(rows):
        assert sort_key(before) <= sort_key(after), f"{stem}: {before} comes before {after}"


@pytest.mark.parametrize("stem, name, params", CASES, ids=CASE_IDS)
def test_catalogue_answers_locally(bundled, stem, name, params):
    _check(sparql.query(name, params, graph=bundled), stem)


@pytest.mark.server
@pytest.mark.parametrize("stem, name, params", CASES, ids=CASE_IDS)
def test_catalogue_answers_on_oxigraph(oxigraph_bundled, stem, name, params):
    _check(sparql.query(name, params, endpoint=oxigraph_bundled.query_url), stem)


@pytest.mark.server
@pytest.mark.parametrize("stem, name, params", CASES, ids=CASE_IDS)
def test_local_and_remote_answers_are_identical(bundled, oxigraph_bundled, stem, name, params):
    """Not just the expected columns: every column, every row, in the same order."""
    local = sparql.query(name, params, graph=bundled)
    remote = sparql.query(name, params, endpoint=oxigraph_bundled.query_url)
    if isinstance(local, Triples):
        assert isinstance(remote, Triples)
        assert set(local) == set(remote)
    elif isinstance(local, bool):
        assert local is remote
    else:
        assert local.vars == remote.vars
        assert [_normal(row) for row in local] == [_normal(row) for row in remote]


def _normal(row: dict) -> dict:
    """Numbers compared by value (engines may pick different integer types for COUNT)."""
    out = {}
    for key, term in row.items():
        value = python_value(term)
        if isinstance(term, Term) and term.kind == "literal" and isinstance(value, int):
            out[key] = value
        else:
            out[key] = term
    return out


def test_the_neighbourhood_labels_every_node_and_grows_with_depth(bundled):
    one = sparql.query("concept-neighbourhood", {"concept": "kg:support-programmes"}, bundled)
    two = sparql.query(
        "concept-neighbourhood", {"concept": "kg:support-programmes", "depth": "2"}, bundled
    )
    assert isinstance(one, Triples) and isinstance(two, Triples)
    assert set(one) < set(two)
    kg = "https://w3id.org/ssp-kg/id/"
    ssp = "https://w3id.org/ssp-kg/ontology#"
    # governments provide support programmes (1 hop); support programmes mitigate limited
    # access to financing, which hinders expanding production (2 hops).
    assert (iri(kg + "governments"), iri(ssp + "provides"), iri(kg + "support-programmes")) in set(
        one
    )
    second_hop = (
        iri(kg + "limited-access-to-financing"),
        iri(ssp + "hinders"),
        iri(kg + "production-expansion"),
    )
    assert second_hop not in set(one) and second_hop in set(two)
    label = iri(SKOS_PREF_LABEL)
    for graph in (one, two):
        nodes = {s for s, p, _ in graph if p != label} | {o for _, p, o in graph if p != label}
        assert nodes
        assert all(
            len({o for s, p, o in graph if s == node and p == label}) == 1 for node in nodes
        )
