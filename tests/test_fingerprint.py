"""The shipped evidence fingerprint: anchors checked without the article's text.

The tests that rebuild the fingerprint or compare a copy of the article need the text and
skip without it; the rest run anywhere, with nothing but the package.
"""

from __future__ import annotations

import json
import re

import pytest

import kg
from kg import resources
from kg.checks import fingerprint
from kg.checks.evidence import (
    Article,
    EvidenceRecord,
    evidence_records,
    load_article,
    section_headings,
)

from .conftest import FIXTURES


@pytest.fixture(scope="module")
def shipped() -> fingerprint.Fingerprint:
    return fingerprint.read(resources.fingerprint_file())


@pytest.fixture(scope="module")
def records(bundled) -> list[EvidenceRecord]:
    return evidence_records(bundled.graph)


def _edited(record: EvidenceRecord, **changes: object) -> EvidenceRecord:
    fields = {**record.__dict__, **changes}
    return EvidenceRecord(**fields)


# --- Without the text -----------------------------------------------------------------------


def test_every_bundled_anchor_is_vouched_for(shipped, records):
    assert len(records) > 400
    assert fingerprint.check_anchors(shipped, records) == []


def test_the_fingerprint_describes_the_article_as_the_graph_does(shipped, bundled):
    # Seven sections with the paragraph counts the graph states (ssp:paragraphCount).
    counts = [
        int(row.n)
        for row in bundled.graph.query(
            "PREFIX schema: <https://schema.org/> PREFIX ssp: <https://w3id.org/ssp-kg/ontology#>"
            " SELECT ?n WHERE { ?s schema:position ?p ; ssp:paragraphCount ?n } ORDER BY ?p"
        )
    ]
    assert [len(section) for section in shipped.paragraphs] == counts == [2, 2, 2, 2, 2, 7, 10]


@pytest.mark.parametrize(
    "change",
    [
        {"anchor": "Limited access to financing often constrain"},  # last letter dropped
        {"anchor": "Limited access to finance often constrains"},  # a middle word changed
        {"anchor": "limited access to financing often constrains"},  # case matters
        {"anchor": "Limited access to financing often"},  # shortened
        {"paragraph": 2},  # moved to the next paragraph
        {"section": 5},  # moved to another section
    ],
    ids=["end", "middle", "case", "shortened", "paragraph", "section"],
)
def test_an_edited_mistyped_or_moved_anchor_is_caught(shipped, records, change):
    (record,) = [
        r
        for r in records
        if r.owner == "kg:limited-access-to-financing"
        and r.anchor == "Limited access to financing often constrains"
    ]
    problems = fingerprint.check_anchors(shipped, [_edited(record, **change)])
    assert len(problems) == 1
    assert problems[0].record.owner == "kg:limited-access-to-financing"


def test_a_paragraph_past_the_article_is_caught(shipped, records):
    (problem,) = fingerprint.check_anchors(shipped, [_edited(records[0], paragraph=99)])
    assert "no such paragraph" in problem.message


def test_kg_validate_catches_a_mistyped_anchor_without_the_text(run_kg, tmp_path):
    text = (FIXTURES / "valid" / "minimal.ttl").read_text(encoding="utf-8")
    mistyped = tmp_path / "mistyped.ttl"
    mistyped.write_text(
        text.replace('"competing in global markets"', '"competing in global market"')
    )
    result = run_kg("validate", str(mistyped))
    assert result.code == 1, result
    assert "competing in global market'" in result.stdout
    assert "section 4 \u00b61" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_missing_source_fails_before_any_shacl_work(run_kg):
    result = run_kg("validate", "--source", "no-such-article.txt")
    assert result.code == 2, result
    assert result.stderr.strip() == "kg: no-such-article.txt: no such file"


def test_nothing_but_one_digest_per_paragraph_and_per_anchor_is_shipped(shipped, records):
    document = json.loads(resources.fingerprint_file().read_text(encoding="utf-8"))
    assert sorted(document) == ["anchors", "format", "paragraphs", "title"]
    paragraphs = sum(len(section) for section in shipped.paragraphs)
    distinct = {(r.section, r.paragraph, " ".join(r.anchor.split())) for r in records}
    assert paragraphs == 27
    assert len(document["anchors"]) == len(distinct)
    digests = [d for s in document["paragraphs"] for d in s] + document["anchors"]
    assert all(len(d) == 64 and int(d, 16) >= 0 for d in digests)


def test_a_reconstruction_from_the_graphs_own_words_fails(shipped, bundled, records):
    # An attacker's best dictionary: every anchor and label the graph states. Joining the
    # anchors cited in a paragraph, in every order of two, never gives a paragraph digest.
    by_paragraph: dict[tuple[int, int], set[str]] = {}
    for r in records:
        by_paragraph.setdefault((r.section, r.paragraph), set()).add(" ".join(r.anchor.split()))
    wanted = {d for section in shipped.paragraphs for d in section}
    tried = 0
    for anchors in by_paragraph.values():
        for first in anchors:
            candidates = [first] + [f"{first} {second}" for second in anchors if second != first]
            for candidate in candidates:
                tried += 1
                assert fingerprint.digest(candidate) not in wanted
    assert tried > 500


# --- With the text (skipped without it) ------------------------------------------------------


def test_the_shipped_fingerprint_is_rebuilt_from_the_text(shipped, bundled, records, article_path):
    article = load_article(article_path, bundled.graph)
    rebuilt = fingerprint.build(article, records)
    assert rebuilt == shipped
    assert rebuilt.to_json() == resources.fingerprint_file().read_text(encoding="utf-8")


def test_a_copy_with_one_paragraph_altered_is_named(shipped, bundled, records, article_path):
    text = article_path.read_text(encoding="utf-8")
    headings = section_headings(bundled.graph)
    assert fingerprint.differing_paragraphs(shipped, Article.parse(text, headings)) == []
    # Change one phrase the graph cites in section 2, paragraph 2, and only that paragraph.
    phrase = next(
        r.anchor
        for r in records
        if (r.section, r.paragraph) == (2, 2) and text.count(r.anchor) == 1
    )
    altered = text.replace(phrase, phrase.upper())
    assert fingerprint.differing_paragraphs(shipped, Article.parse(altered, headings)) == [
        "section 2 \u00b62"
    ]


def test_kg_validate_source_names_the_differing_paragraph(run_kg, article_path, tmp_path):
    text = article_path.read_text(encoding="utf-8")
    anchored = "Limited access to financing often constrains"
    assert text.count(anchored) == 1
    copy = tmp_path / "article.txt"
    copy.write_text(text.replace(anchored, "Poor access to credit often constrains"))
    result = run_kg("validate", "--source", str(copy))
    assert result.code == 1, result
    editions = [line for line in result.stdout.splitlines() if line.startswith("Edition:")]
    assert editions == [
        f"Edition: section 4 \u00b61 of {copy} differs from the edition the graph cites"
    ]


def test_the_loaded_graph_api_checks_anchors_by_default(tmp_path):
    text = (FIXTURES / "valid" / "minimal.ttl").read_text(encoding="utf-8")
    moved = tmp_path / "moved.ttl"
    # The producers' anchor is cited from paragraph 2 instead of 1.
    moved_text, count = re.subn(
        r'ssp:paragraph 1 ;(\s*)ssp:anchor "competing',
        r'ssp:paragraph 2 ;\1ssp:anchor "competing',
        text,
    )
    assert count == 1
    moved.write_text(moved_text)
    report = kg.validate(kg.load([moved]), with_context=True)
    assert [p.record.paragraph for p in report.anchor_problems] == [2]
