"""SHACL shapes: the bundled graph conforms; every must-fail fixture fails with its violation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import kg
from kg.checks.validation import ENGINE_VARIABLE, validate

from .conftest import FIXTURES

INVALID = sorted((FIXTURES / "invalid").glob("*.ttl"))
VALID = sorted((FIXTURES / "valid").glob("*.ttl"))


def expectations(path: Path) -> dict[str, str]:
    """The ``# expect-KEY: value`` lines at the top of a must-fail fixture."""
    return dict(re.findall(r"^# expect-(\w+): (.+)$", path.read_text(encoding="utf-8"), re.M))


def test_bundled_graph_conforms(bundled, article_path):
    report = validate(bundled, article_path)
    assert report.lines() == []
    assert report.conforms


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_must_pass_fixture_conforms(path):
    report = validate(kg.load([path]), with_context=True)
    assert report.lines() == []


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_must_fail_fixture_fails_with_its_violation(path):
    expected = expectations(path)
    assert "component" in expected, f"{path.name} must say which violation it expects"
    report = validate(kg.load([path]), with_context=True)
    assert not report.conforms
    matching = [
        v
        for v in report.violations
        if v.component == expected["component"]
        and v.path == expected.get("path", v.path)
        and expected.get("message", "") in v.message
    ]
    assert matching, f"expected {expected}, got {report.lines()}"


def test_cli_validate_exit_codes(run_kg, article_path):
    ok = run_kg("validate", "--source", str(article_path))
    assert ok.code == 0, ok
    bad = run_kg("validate", str(FIXTURES / "invalid" / "missing-preflabel.ttl"))
    assert bad.code == 1, bad
    assert "skos:prefLabel" in bad.stdout


def test_cli_validate_fails_on_an_article_with_one_anchor_altered(run_kg, article_path, tmp_path):
    text = article_path.read_text(encoding="utf-8")
    assert "Limited access to financing" in text
    altered = tmp_path / "article.txt"
    altered.write_text(
        text.replace("Limited access to financing", "Limited access to credit", 1), encoding="utf-8"
    )
    result = run_kg("validate", "--source", str(altered))
    assert result.code == 1, result
    assert "Limited access to financing" in result.stdout
    assert "section 4" in result.stdout


@pytest.mark.parametrize("path", INVALID + VALID, ids=lambda p: p.stem)
def test_kg_shacl_reports_what_pyshacl_reports(path, monkeypatch):
    """The SPARQL-on-Oxigraph engine against pySHACL (KG_VALIDATE_ENGINE=pyshacl), the
    independent implementation it replaces: the same lines and the same focus-node count."""
    ours = validate(kg.load([path]), with_context=True)
    monkeypatch.setenv(ENGINE_VARIABLE, "pyshacl")
    theirs = validate(kg.load([path]), with_context=True)
    assert ours.lines() == theirs.lines()
    assert ours.focus_nodes == theirs.focus_nodes


@pytest.mark.slow
def test_kg_shacl_reports_what_pyshacl_reports_on_the_bundled_graph(bundled, monkeypatch):
    ours = validate(bundled)
    monkeypatch.setenv(ENGINE_VARIABLE, "pyshacl")
    assert validate(bundled).lines() == ours.lines() == []


def test_cli_report_of_the_bundled_graph(run_kg):
    result = run_kg("validate")
    assert result.code == 0, result
    # 173 concepts + 510 evidence records + 265 statements + 7 sections + 5 questions
    # (README: what the graph holds; tests/test_void.py and tests/test_claims.py count them).
    assert result.stdout == (
        "OK: the graph conforms to the bundled shapes (960 focus nodes checked), and its 510 "
        "evidence anchors are in their paragraphs (the article's fingerprint).\n"
    )


FINGERPRINT_NOTE = (
    "is not one the article's fingerprint vouches for in this paragraph "
    "(check it against a copy with --source)"
)


def test_cli_report_of_a_sparql_constraint_fixture(run_kg):
    result = run_kg("validate", str(FIXTURES / "invalid" / "relation-without-statement.ttl"))
    assert result.code == 1, result
    assert result.stdout.splitlines() == [
        "Violation: kg:test-producers ssp:faces: relation "
        "https://w3id.org/ssp-kg/ontology#faces to https://w3id.org/ssp-kg/id/test-financing "
        "has no rdf:Statement with ssp:evidence [sh:SPARQLConstraintComponent]",
        f"Anchor: kg:test-financing: section 4 \u00b61: anchor 'Limited access to financing' "
        f"{FINGERPRINT_NOTE}",
        "Anchor: kg:test-producers: section 4 \u00b61: anchor 'small-scale producers face "
        f"numerous challenges' {FINGERPRINT_NOTE}",
    ]
    # Two concepts, their two evidence records (the fixture states no rdf:Statement).
    assert result.stderr == (
        "FAILED: 3 problem(s) (4 focus nodes checked against the bundled shapes, "
        "2 evidence anchors).\n"
    )


def test_cli_report_names_a_blank_node_by_what_holds_it(run_kg):
    result = run_kg("validate", str(FIXTURES / "invalid" / "paragraph-out-of-range.ttl"))
    assert result.code == 1, result
    assert result.stdout.splitlines()[:2] == [
        "Violation: evidence of kg:test-financing: paragraph 9 is beyond the 2 paragraphs of "
        "its section [sh:SPARQLConstraintComponent]",
        "Violation: kg:test-financing ssp:evidence: a concept needs at least one well-formed "
        "ssp:evidence record [sh:NodeConstraintComponent]",
    ]


def test_cli_validate_of_a_missing_file_is_one_line(run_kg, tmp_path):
    missing = tmp_path / "missing.ttl"
    result = run_kg("validate", "--data", str(missing))
    assert result.code == 2, result
    assert result.stdout == ""
    assert result.stderr == f"kg: {missing}: no such file\n"


def test_validate_leaves_the_graph_as_it_was():
    graph = kg.load([FIXTURES / "valid" / "minimal.ttl"])
    before = len(graph.store)
    validate(graph, with_context=True)
    assert len(graph.store) == before


# The rules of the second edition (claims with IRIs and modality, anchor reuse, skos:related):
# each fixture breaks exactly one rule, so the report holds that violation and no other.
SECOND_EDITION = [
    "statement-blank-node",
    "statement-without-modality",
    "statement-two-modalities",
    "statement-modality-not-in-scheme",
    "statement-anchor-too-long",
    "anchor-reused",
    "related-where-directed",
    "statement-inferred-not-boolean",
]


@pytest.mark.parametrize("name", SECOND_EDITION)
def test_second_edition_fixture_fails_only_with_its_violation(name):
    path = FIXTURES / "invalid" / f"{name}.ttl"
    expected = expectations(path)
    report = validate(kg.load([path]), with_context=True)
    assert report.violations, f"{name} passed"
    for v in report.violations:
        if v.component == "sh:NodeConstraintComponent":
            continue  # the statement's sh:node on an evidence record repeats a pattern failure
        if name == "statement-anchor-too-long" and v.message.startswith("evidence needs"):
            continue  # the evidence record's own anchor shape reports the same long anchor
        assert v.component == expected["component"], report.lines()
        assert expected.get("message", "") in v.message, report.lines()
        assert v.path == expected.get("path", v.path), report.lines()


def test_anchor_reuse_counts_claims_not_evidence_records(tmp_path):
    """Three claims may share one anchor: the fixture less its fourth claim conforms to the rule."""
    text = (FIXTURES / "invalid" / "anchor-reused.ttl").read_text(encoding="utf-8")
    cut = text.index("\nkg:test-producers ssp:faces kg:test-challenge-3 .")
    three = tmp_path / "three.ttl"
    three.write_text(text[:cut] + "\n", encoding="utf-8")
    report = validate(kg.load([three]), with_context=True)
    assert [v for v in report.violations if "at most 3" in v.message] == []
    assert report.violations == []


def test_related_between_classes_without_a_directed_property_is_allowed(tmp_path):
    """skos:related stays legal between an actor and a capability (no ssp property links them)."""
    text = (FIXTURES / "invalid" / "related-where-directed.ttl").read_text(encoding="utf-8")
    text = text.replace("a ssp:SmallScaleProducer , skos:Concept", "a ssp:Actor , skos:Concept", 1)
    text = text.replace(
        "a ssp:FinancialChallenge , skos:Concept", "a ssp:Capability , skos:Concept", 1
    )
    loose = tmp_path / "loose.ttl"
    loose.write_text(text, encoding="utf-8")
    report = validate(kg.load([loose]), with_context=True)
    assert report.violations == [], report.lines()
