"""The article splitter agrees with the graph's description of the article."""

from __future__ import annotations

from kg.evidence import Article, check_anchors, load_article, normalise, section_headings


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
