"""A built wheel carries the ontology, data and queries: `kg` works from any folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
import zipfile

import pytest

from .conftest import REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(REPO)],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("*.whl")
    return path


def test_wheel_contains_bundled_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "kg/_bundled/ontology/ssp.ttl" in names
    assert "kg/_bundled/ontology/shapes.ttl" in names
    assert "kg/_bundled/data/article.ttl" in names
    assert any(n.startswith("kg/internal_queries/") for n in names)


def test_installed_wheel_runs_from_another_folder(wheel, tmp_path, request):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", f"{wheel}[validate]"],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    kg_bin = str(env_dir / "bin" / "kg")
    stats = subprocess.run(
        [kg_bin, "stats", "--json"], cwd=elsewhere, env=env, capture_output=True, text=True
    )
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["concepts"] >= 100
    check = subprocess.run(
        [kg_bin, "validate"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    if (article := _article_or_none(request)) is not None:
        with_text = subprocess.run(
            [kg_bin, "validate", "--source", str(article)],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
        )
        assert with_text.returncode == 0, with_text.stdout + with_text.stderr
    # It is the installed copy that ran, not the checkout.
    where = subprocess.run(
        [str(python), "-c", "import kg.resources as r; print(r.bundled_root())"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert "site-packages" in where.stdout


def _article_or_none(request):
    """The article's path when the text is present; None (not a skip) when it is absent."""
    try:
        return request.getfixturevalue("article_path")
    except pytest.skip.Exception:
        return None
