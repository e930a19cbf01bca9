"""The article splitter agrees with the graph's description of the article."""

from __future__ import annotations

import pytest

from kg.checks.evidence import (
    Article,
    check_anchors,
    evidence_records,
    load_article,
    normalise,
    section_headings,
)


def test_normalise_collapses_whitespace():
    assert normalise("  a \n\t b  ") == "a b"


def test_article_sections_match_the_graph(bundled, article_path):
    article = load_article(article_path, bundled.graph)
    assert article.title == "How Small-Scale Production Shapes Global Supply Chains"
    assert len(article.headings) == 7
    counts = {
        int(row.position): int(row.n)
        for row in bundled.graph.query(
            "PREFIX schema: <https://schema.org/> PREFIX ssp: <https://w3id.org/ssp-kg/ontology#>"
            " SELECT ?position ?n WHERE { ?s schema:position ?position ; ssp:paragraphCount ?n }"
        )
    }
    assert counts == {i + 1: len(p) for i, p in enumerate(article.paragraphs)}
    # Section 6 splits its numbered list into paragraphs; section 7 its questions and answers.
    assert article.paragraph(6, 2).startswith("1. Growing consumer demand")
    assert article.paragraph(7, 8).startswith("Answer 4:")


def test_every_bundled_anchor_is_in_its_paragraph(bundled, article_path):
    article = load_article(article_path, bundled.graph)
    assert check_anchors(bundled.graph, article) == []


def test_an_altered_paragraph_is_caught(bundled, article_path):
    text = article_path.read_text(encoding="utf-8")
    headings = section_headings(bundled.graph)
    original = Article.parse(text, headings)
    assert check_anchors(bundled.graph, original) == []
    altered = Article.parse(
        text.replace("Limited access to financing", "Poor access to credit"), headings
    )
    problems = check_anchors(bundled.graph, altered)
    assert problems, "changing an anchored phrase must break its anchor"
    assert all(p.record.section == 4 and p.record.paragraph == 1 for p in problems)


def _owners(problems) -> set[str]:
    return {p.record.owner for p in problems}


def _altered(article_path, bundled, old: str, new: str):
    text = article_path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in the article"
    return Article.parse(text.replace(old, new), section_headings(bundled.graph))


# Section 4, paragraph 1 of the article: "... Without the economies of scale enjoyed by larger
# corporations, production costs per unit can be higher ... compliance with international
# trade regulations, quality certifications, and shipping requirements ...". The owners below
# are the records of data/*.ttl that cite these phrases there (read from the Turtle files).
ENJOYED_BY = {
    "kg:barriers-of-scale",
    "kg:barriers-of-scale ssp:causes kg:high-per-unit-costs",
    "kg:economies-of-scale",
    "kg:large-corporations",
    "kg:large-corporations ssp:hasCapability kg:economies-of-scale",
}
REGULATIONS = {
    "kg:international-trade-regulations",
    "kg:regulatory-compliance",
    "kg:regulatory-compliance ssp:concerns kg:international-trade-regulations",
    "kg:regulatory-compliance ssp:concerns kg:quality-certifications",
    "kg:regulatory-compliance ssp:concerns kg:shipping-requirements",
    "kg:small-scale-producers ssp:faces kg:regulatory-compliance",
}


def test_a_word_altered_in_the_middle_of_anchors_is_caught(bundled, article_path):
    # "enjoyed" is word 6 of "Without the economies of scale enjoyed by larger corporations"
    # and word 4 of "economies of scale enjoyed by larger corporations".
    altered = _altered(article_path, bundled, "scale enjoyed by", "scale had by")
    problems = check_anchors(bundled.graph, altered)
    assert _owners(problems) == ENJOYED_BY
    assert {(p.record.section, p.record.paragraph) for p in problems} == {(4, 1)}


def test_the_last_word_altered_is_caught(bundled, article_path):
    # "regulations" ends "international trade regulations" and "compliance with
    # international trade regulations" (its fifth word).
    altered = _altered(
        article_path, bundled, "international trade regulations, quality", "international "
        "trade rules, quality"
    )  # fmt: skip
    assert _owners(check_anchors(bundled.graph, altered)) == REGULATIONS


# --- A hand-written mini-article and graph: the check without the article ------------------

MINI_TEXT = """A Tiny Article

First Heading

Alpha beta gamma delta epsilon
zeta eta theta iota kappa.

Second paragraph   with lambda mu.

Second Heading

An introduction to the list:
1. Growing nu xi omicron.
2. Falling pi rho sigma.
"""

MINI_GRAPH = """
@prefix kg: <https://w3id.org/ssp-kg/id/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix schema: <https://schema.org/> .
@prefix ssp: <https://w3id.org/ssp-kg/ontology#> .
kg:s1 a ssp:Section ; schema:position 1 ; dcterms:title "First Heading" .
kg:s2 a ssp:Section ; schema:position 2 ; dcterms:title "Second  Heading" .
"""


def _graph(*records: tuple[str, int | None, int | None, str | None]):
    """A graph of the two sections and one evidence record per (owner, section, ¶, anchor)."""
    from rdflib import Graph

    lines = [MINI_GRAPH]
    for owner, section, paragraph, anchor in records:
        parts = ["a ssp:Evidence"]
        if section is not None:
            parts.append(f"ssp:section kg:s{section}")
        if paragraph is not None:
            parts.append(f"ssp:paragraph {paragraph}")
        if anchor is not None:
            parts.append(f'ssp:anchor """{anchor}"""')
        lines.append(f"kg:{owner} ssp:evidence [ {' ; '.join(parts)} ] .")
    return Graph().parse(data="\n".join(lines), format="turtle")


def _mini(graph) -> Article:
    return Article.parse(MINI_TEXT, section_headings(graph))


def test_the_mini_article_splits_into_sections_paragraphs_and_list_items():
    article = _mini(_graph())
    assert article.title == "A Tiny Article"
    assert article.headings == ("First Heading", "Second Heading")
    assert article.paragraphs == (
        (
            "Alpha beta gamma delta epsilon zeta eta theta iota kappa.",
            "Second paragraph with lambda mu.",
        ),
        ("An introduction to the list:", "1. Growing nu xi omicron.", "2. Falling pi rho sigma."),
    )
    assert article.paragraph(1, 2) == "Second paragraph with lambda mu."
    assert article.paragraph(2, 3) == "2. Falling pi rho sigma."
    for section, number in ((0, 1), (1, 0), (1, 3), (3, 1), (-1, 1), (1, -1)):
        assert article.paragraph(section, number) is None


GOOD = [
    ("whole", 1, 1, "Alpha beta gamma delta epsilon zeta eta theta iota kappa."),
    ("start", 1, 1, "Alpha beta gamma"),
    ("middle", 1, 1, "delta epsilon zeta eta theta"),
    ("end", 1, 1, "iota kappa."),
    ("across-a-line-break", 1, 1, "epsilon zeta"),
    ("spaces", 1, 2, "paragraph  with\nlambda"),
    ("list-item", 2, 3, "Falling pi rho"),
]


def test_anchors_that_occur_verbatim_pass():
    graph = _graph(*GOOD)
    assert check_anchors(graph, _mini(graph)) == []


BAD = [
    (("first-word", 1, 1, "Alphx beta gamma delta epsilon"), "is not in this paragraph"),
    (("middle-word", 1, 1, "beta gamma delta EPSILON zeta eta"), "is not in this paragraph"),
    (("middle-word-2", 1, 1, "beta gamma delta epsilon zeta ETA theta"), "is not"),
    (("last-word", 1, 1, "gamma delta epsilon zeta eta theta iota kappx"), "is not"),
    (("last-char", 1, 1, "iota kappa!"), "is not in this paragraph"),
    (("one-more-word", 1, 1, "theta iota kappa. Second"), "is not in this paragraph"),
    (("case", 1, 1, "alpha beta gamma"), "is not in this paragraph"),
    (("words-not-adjacent", 1, 1, "Alpha gamma delta epsilon"), "is not in this paragraph"),
    (("wrong-paragraph", 1, 2, "Alpha beta gamma"), "is not in this paragraph"),
    (("wrong-section", 2, 1, "Alpha beta gamma"), "is not in this paragraph"),
    (("list-item-shifted", 2, 2, "Falling pi rho"), "is not in this paragraph"),
    (("heading", 1, 1, "First Heading"), "is not in this paragraph"),
    (("no-paragraph-3", 1, 3, "Alpha"), "no such paragraph in the source text"),
    (("no-paragraph-0", 1, 0, "Alpha"), "no such paragraph in the source text"),
    (("no-section", None, 1, "Alpha"), "no section or paragraph given"),
    (("no-number", 1, None, "Alpha"), "no section or paragraph given"),
]


@pytest.mark.parametrize("record, message", [pytest.param(*case, id=case[0][0]) for case in BAD])
def test_an_anchor_not_verbatim_in_its_paragraph_is_reported(record, message):
    graph = _graph(record, *GOOD)
    problems = check_anchors(graph, _mini(graph))
    assert [p.record.owner for p in problems] == [f"kg:{record[0]}"]
    if message.startswith("is not"):
        message = f"anchor {record[3]!r} is not in this paragraph"
    assert problems[0].message == message
    assert problems[0].record.anchor == record[3]


def test_a_problem_names_its_owner_section_and_paragraph():
    graph = _graph(("kappa", 1, 2, "iota kappa"))
    (problem,) = check_anchors(graph, _mini(graph))
    assert str(problem) == (
        "kg:kappa: section 1 \u00b62: anchor 'iota kappa' is not in this paragraph"
    )


def test_records_are_reported_in_owner_order():
    graph = _graph(("b", 1, 1, "nope"), ("a", 1, 2, "nope"), ("c", 2, 1, "nope"))
    problems = check_anchors(graph, _mini(graph))
    assert [p.record.owner for p in problems] == ["kg:a", "kg:b", "kg:c"]
    assert [(p.record.section, p.record.paragraph) for p in problems] == [(1, 2), (1, 1), (2, 1)]


def test_every_bad_record_is_reported_not_only_the_first():
    graph = _graph(
        ("a-no-section", None, 1, "Alpha"),
        ("b-no-paragraph", 1, 9, "Alpha"),
        ("c-not-there", 1, 1, "nope"),
        ("d-no-anchor", 1, 1, None),
        ("e-blank-anchor", 1, 1, "  "),
        *GOOD,
    )
    problems = check_anchors(graph, _mini(graph))
    assert [(p.record.owner, p.message) for p in problems] == [
        ("kg:a-no-section", "no section or paragraph given"),
        ("kg:b-no-paragraph", "no such paragraph in the source text"),
        ("kg:c-not-there", "anchor 'nope' is not in this paragraph"),
        ("kg:d-no-anchor", "no anchor given"),
        ("kg:e-blank-anchor", "no anchor given"),
    ]


def test_records_of_one_owner_are_sorted_by_section_paragraph_and_anchor():
    graph = _graph(("x", 2, 1, "a"), ("x", 1, 1, "a"), ("x", None, 2, "b"), ("x", 1, None, "c"))
    records = evidence_records(graph)
    assert [(r.section, r.paragraph, r.anchor) for r in records] == [
        (None, 2, "b"),
        (1, None, "c"),
        (1, 1, "a"),
        (2, 1, "a"),
    ]
    assert evidence_records(_graph(("y", 1, 1, None)))[0].anchor == ""


def test_windows_line_ends_split_the_same_way():
    crlf = MINI_TEXT.replace("\n", "\r\n")
    headings = section_headings(_graph())
    assert Article.parse(crlf, headings) == Article.parse(MINI_TEXT, headings)


def test_an_empty_text_has_no_title_and_no_sections():
    assert Article.parse("", ["First Heading"]) == Article("", (), ())
    assert Article.parse("\n\n  \n", []) == Article("", (), ())
