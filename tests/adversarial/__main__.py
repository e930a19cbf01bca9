"""``python -m tests.adversarial [-v] [-j N] [PATTERN ...]``: run the cases, print the counts.

One row: inputs tried | clean | tracebacks | hangs | partial files | unexpected requests |
other failures; ``--verbose`` adds every failing case with its problems, ``--by`` a table per
command or group. PATTERNs select the cases whose id contains one of them.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter

from .cases import select
from .inputs import Inputs
from .runner import COLUMNS, Outcome, run_all

HEADER = ["inputs tried", "clean", *COLUMNS.values(), "other failures"]


def row(outcomes: list[Outcome]) -> list[int]:
    counts = Counter(o.category for o in outcomes)
    known = sum(counts[c] for c in COLUMNS)
    other = len(outcomes) - counts["clean"] - known
    return [len(outcomes), counts["clean"], *(counts[c] for c in COLUMNS), other]


def table(rows: list[tuple[str, list[int]]], first: str = "") -> str:
    head = ([first] if first else []) + HEADER
    lines = [
        "| " + " | ".join(head) + " |",
        "|" + "|".join(["---"] * (len(head) - 1) + ["---"]) + "|",
    ]
    lines[1] = "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"
    for label, values in rows:
        cells = ([label] if first else []) + [str(v) for v in values]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.adversarial", description=__doc__)
    parser.add_argument("patterns", nargs="*", help="run only cases whose id contains one of these")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every failing case")
    parser.add_argument("-j", "--workers", type=int, default=2, help="parallel cases (default 2)")
    parser.add_argument(
        "--by", choices=("command", "group"), help="also a table per command or group"
    )
    parser.add_argument("--list", action="store_true", help="list the selected cases and stop")
    args = parser.parse_args(argv)
    cases = select(args.patterns)
    if args.list:
        for case in cases:
            print(f"{case.id}\t{case.command}\t{case.group}\t{sorted(case.expect)}")
        print(f"{len(cases)} cases", file=sys.stderr)
        return 0
    inputs = Inputs()
    start = time.monotonic()
    done = [0]

    def progress(outcome: Outcome) -> None:
        done[0] += 1
        if sys.stderr.isatty():
            sys.stderr.write(f"\r{done[0]}/{len(cases)} {outcome.case.id[:60]:<60}")
            sys.stderr.flush()

    try:
        outcomes = run_all(cases, inputs, workers=args.workers, progress=progress)
    finally:
        inputs.cleanup()
    if sys.stderr.isatty():
        sys.stderr.write("\r" + " " * 80 + "\r")
    print(table([("", row(outcomes))]))
    if args.by:
        key = (lambda o: o.case.command) if args.by == "command" else (lambda o: o.case.group)
        groups = sorted({key(o) for o in outcomes})
        print()
        print(table([(g, row([o for o in outcomes if key(o) == g])) for g in groups], args.by))
        seconds = {g: sum(o.elapsed for o in outcomes if key(o) == g) for g in groups}
        print("\nprocess seconds: " + ", ".join(f"{g} {t:.0f}" for g, t in seconds.items()))
    if args.verbose:
        failing = [o for o in outcomes if not o.clean]
        if failing:
            print()
        for outcome in sorted(failing, key=lambda o: (o.category, o.case.id)):
            print(f"- {outcome.category}: {outcome.summary()}")
    print(f"\n{len(outcomes)} cases in {time.monotonic() - start:.0f} s", file=sys.stderr)
    return 0 if all(o.clean for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
