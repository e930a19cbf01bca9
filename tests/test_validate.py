"""SHACL shapes: the bundled graph conforms; every must-fail fixture fails with its violation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import kg
from kg.validation import validate

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
