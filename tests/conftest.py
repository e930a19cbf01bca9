"""Shared fixtures: paths, the bundled graph, the article, and a CLI runner.

Fixtures that need a real browser or server live in their own sections below; under
CI=true a missing browser, server or source text is a failure, never a skip.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(condition: bool, what: str) -> None:
    """Skip when ``what`` is missing on a developer machine; fail under CI."""
    if not condition:
        if IN_CI:
            pytest.fail(f"{what} is missing, and CI must not skip it")
        pytest.skip(f"{what} is missing")


@pytest.fixture(scope="session")
def article_path() -> Path:
    """The source article: $KG_ARTICLE, or ../shared/sources/article.txt beside the repo."""
    path = Path(os.environ.get("KG_ARTICLE", REPO.parent / "shared" / "sources" / "article.txt"))
    require(path.is_file(), f"the source article ({path})")
    return path


@pytest.fixture(scope="session")
def bundled():
    """The bundled knowledge graph, loaded once per test session."""
    import kg

    return kg.load()


class CliResult:
    """What a `kg` subprocess did."""

    def __init__(self, completed: subprocess.CompletedProcess[str]) -> None:
        self.code = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr

    def __repr__(self) -> str:
        out, err = self.stdout[:500], self.stderr[:500]
        return f"CliResult(code={self.code}, stdout={out!r}, stderr={err!r})"


@pytest.fixture
def run_kg():
    """Run the real `kg` command (``python -m kg``) in a subprocess, as a user would."""

    def run(*args: str, cwd: Path | None = None, input: str | None = None) -> CliResult:
        completed = subprocess.run(
            [sys.executable, "-m", "kg", *args],
            cwd=cwd or REPO,
            input=input,
            capture_output=True,
            text=True,
            timeout=300,
        )
        return CliResult(completed)

    return run
