"""Per-module counts of a mutmut run (mutants/), and the diff of every surviving mutant.

Run by tests/mutation/run.sh with the functions it mutated; exits 1 when a mutant survived
that docs/mutation.md does not explain (its name listed under "Survivors, explained").
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parents[2]


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def main(functions: list[str]) -> int:
    explained = set(re.findall(r"`(kg\.[^`]+__mutmut_\d+)`", _read(ROOT / "docs" / "mutation.md")))
    counts: dict[str, Counter] = {}
    survivors = []
    for meta in sorted((ROOT / "mutants" / "kg").glob("*.py.meta")):
        module = "kg." + meta.name.removesuffix(".py.meta")
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            if not any(name.startswith(f + "__mutmut_") for f in functions):
                continue
            status = status_by_exit_code[code]
            counts.setdefault(module, Counter())[status] += 1
            if status != "killed":
                survivors.append((name, status))
    print(f"{'module':16} {'mutants':>7} {'killed':>7} {'other':>7} {'explained':>9}")
    unexplained = []
    for module, count in counts.items():
        others = [s for s in survivors if s[0].startswith(module + ".")]
        done = sum(1 for name, _ in others if name in explained)
        total = sum(count.values())
        print(f"{module:16} {total:7} {count['killed']:7} {len(others):7} {done:9}")
        unexplained += [item for item in others if item[0] not in explained]
    for name, status in survivors:
        mark = "explained" if name in explained else "UNEXPLAINED"
        print(f"\n# {name}: {status} ({mark})")
        diff = subprocess.run(
            [sys.executable, "-m", "mutmut", "show", name], capture_output=True, text=True
        ).stdout
        print("\n".join(line for line in diff.splitlines() if line[:1] in "+-@"))
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
