"""Large N-Triples/N-Quads exports streamed through Oxigraph: same graph, deterministic bytes."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from kg.cli.export import FORMATS as CLI_FORMATS
from kg.export import FORMATS

from .conftest import REPO

STREAM_ALWAYS = {"KG_PROGRESS_BYTES": "0"}  # every file counts as large
STREAM_NEVER = {"KG_PROGRESS_BYTES": str(1 << 40)}


def _kg(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kg", *args],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    spec = importlib.util.spec_from_file_location("generate", REPO / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = tmp_path_factory.mktemp("stream") / "generated.nt"
    module.write(path, 3000, seed=7)
    # A duplicate line must come out once.
    with path.open("a", encoding="utf-8") as out:
        out.write(path.read_text(encoding="utf-8").splitlines()[0] + "\n")
    return path


def test_streamed_nt_is_the_same_graph_as_the_general_path(generated, tmp_path):
    streamed, general = tmp_path / "streamed.nt", tmp_path / "general.nt"
    assert (
        _kg("export", "--data", str(generated), "-o", str(streamed), env=STREAM_ALWAYS).returncode
        == 0
    )
    assert (
        _kg("export", "--data", str(generated), "-o", str(general), env=STREAM_NEVER).returncode
        == 0
    )
    a = Graph().parse(streamed, format="nt")
    b = Graph().parse(general, format="nt")
    assert len(a) == len(b) == len(Graph().parse(generated, format="nt"))
    assert isomorphic(a, b)
    # The streamed file keeps the input's blank-node labels; the general path hashes them.
    assert "_:e0 " in streamed.read_text(encoding="utf-8")
    assert "_:e0 " not in general.read_text(encoding="utf-8")


def test_streamed_output_is_sorted_unique_and_deterministic(generated, tmp_path):
    first = _kg("export", "--data", str(generated), "-f", "nt", env=STREAM_ALWAYS)
    second = _kg(
        "export", "--data", str(generated), "-f", "nt", env={**STREAM_ALWAYS, "PYTHONHASHSEED": "1"}
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    lines = first.stdout.splitlines()
    assert lines == sorted(set(lines), key=lambda line: line.encode("utf-8"))
    raw = generated.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(set(raw)) < len(raw)


def test_streamed_nquads_keep_their_graphs(tmp_path):
    source = tmp_path / "in.nq"
    source.write_text(
        '<http://e/b> <http://e/p> "x"@en <http://e/g2> .\n'
        "<http://e/a> <http://e/p> _:n1 <http://e/g1> .\n"
        "_:n1 <http://e/p> <http://e/c> <http://e/g1> .\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.nq"
    result = _kg("export", "--data", str(source), "-o", str(out), env=STREAM_ALWAYS)
    assert result.returncode == 0, result.stderr
    expected, got = Dataset(), Dataset()
    expected.parse(source, format="nquads")
    got.parse(out, format="nquads")
    for name in ("http://e/g1", "http://e/g2"):
        assert isomorphic(expected.graph(name), got.graph(name)), name
    assert out.read_text(encoding="utf-8").splitlines()[0].startswith("<http://e/a>")


def test_a_broken_large_file_is_one_line_and_leaves_no_output(tmp_path):
    source = tmp_path / "broken.nt"
    source.write_text("<http://e/a> <http://e/p> <http://e/c> .\n<http://e/a> <http://e/p> c .\n")
    out = tmp_path / "out.nt"
    result = _kg("export", "--data", str(source), "-o", str(out), env=STREAM_ALWAYS)
    assert result.returncode == 2
    assert result.stderr.startswith(f"kg: {source}: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [source]


def test_the_cli_lists_every_export_format():
    assert set(CLI_FORMATS) == set(FORMATS)
