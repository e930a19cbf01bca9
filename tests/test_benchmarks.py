"""The benchmark suite runs (CI's smoke test): `benchmarks/run.py --quick` on 10k triples.

Only that the script works and reports every target is checked here: speed is reported
by the benchmark, never asserted in a test.
"""

from __future__ import annotations

import re
import subprocess
import sys

from .conftest import REPO


def test_the_quick_benchmark_reports_every_target():
    completed = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run.py"), "--quick"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    lines = completed.stdout.splitlines()
    assert lines[0].startswith("Machine: ") and "Python 3." in lines[0]
    rows = [line for line in lines if re.match(r"\| \d \|", line)]
    targets = [row.split("|")[1].strip() for row in rows]
    assert targets.count("1") == 1  # kg query against importing rdflib
    assert targets.count("2") == 6  # query, stats and export, each against rdflib and pyoxigraph
    assert targets.count("4") == 1
    for row in rows[:-1]:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        kg_seconds, baseline_seconds, ratio = cells[2], cells[4], cells[5]
        assert re.fullmatch(r"\d+\.\d\d s", kg_seconds), row
        assert re.fullmatch(r"\d+\.\d\d s", baseline_seconds), row
        assert float(ratio) > 0, row
        assert float(cells[8]) > 5 and float(cells[9]) > 5, row  # peak memory in MB
    assert "10k.nt" in rows[1] and "plain rdflib" in rows[1] and "bare pyoxigraph" in rows[2]
    push = [line for line in lines if line.startswith("| push |")]
    assert len(push) == 1 and "curl -X PUT" in push[0], lines  # kg push against curl
    cells = [cell.strip() for cell in push[0].strip("|").split("|")]
    assert re.fullmatch(r"\d+\.\d\d s", cells[2]) and re.fullmatch(r"\d+\.\d\d s", cells[4])
    assert float(cells[5]) > 0 and float(cells[8]) > 5, push[0]
    progress = rows[-1]
    assert "terminal shown, pipe silent" in progress and "| yes |" in progress
