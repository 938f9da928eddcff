#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make soak's tally (issue 20): lock operations per kind over every guest
of a run, with the run's splats, failed checks and leaks.

The guest tests print one line per run, "# ops kind=KIND n=N"
(tests/guest/tap.h, ops_line(); locktorture's totals in run.sh's
torture_stop).  This adds them up over guest*/tap.txt, prints a table (the
kinds of the soak's target first, with "reached" or "short of" the target)
and writes the same figures as JSON lines to RUN/soak.jsonl, one per kind
and one "_run" line with the totals (Documentation/testing.rst, "make
soak").

Usage: soak-ops.py RUN [--target N] [--secs S]
Exit status 1 if a kind of the soak's target has no operation at all (its
lines are missing: the tally would be wrong), else 0: whether the target
is reached is reported, not a failure (it depends on the machine).
"""

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

# The kinds soak_ops (tests/guest/run.sh) runs until the target, and the
# locktorture run through the local phase.
TARGET_KINDS = ["ticket", "mcs", "abql", "prwlock", "brlock", "mrlock", "lockmgr"]
ALWAYS_KINDS = TARGET_KINDS + ["prwlock-torture", "alock"]
OPS_RE = re.compile(r"^# ops kind=([A-Za-z0-9_-]+) n=([0-9]+)$")


def tally(run: Path):
    """(ops per kind, runs per kind, failed checks, leak failures) of RUN."""
    ops, runs = {}, {}
    failed = leaks = 0
    for tap in sorted(run.glob("guest*/tap.txt")):
        for line in tap.read_text(errors="replace").splitlines():
            m = OPS_RE.match(line)
            if m:
                k, n = m.group(1), int(m.group(2))
                ops[k] = ops.get(k, 0) + n
                runs[k] = runs.get(k, 0) + 1
            elif line.startswith("not ok"):
                failed += 1
                if "kmemleak" in line:
                    leaks += 1
    return ops, runs, failed, leaks


def splat_lines(run: Path, top: Path) -> int:
    """Lines scripts/check-splats.sh flags in the guests' logs."""
    logs = [str(p) for p in sorted(run.glob("guest*.log"))]
    logs += [str(p) for p in sorted(run.glob("guest*/dmesg.txt"))]
    if not logs:
        return 0
    r = subprocess.run([str(top / "scripts/check-splats.sh"), *logs],
                       capture_output=True, text=True, check=False)
    return len([x for x in r.stdout.splitlines() if x.strip()])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path)
    ap.add_argument("--target", type=int, default=10**8)
    ap.add_argument("--secs", type=int, default=0, help="the soak's duration")
    a = ap.parse_args()
    run = a.run.resolve()
    top = Path(__file__).resolve().parent.parent
    ops, runs, failed, leaks = tally(run)
    splats = splat_lines(run, top)
    name = run.name
    rows = []
    kinds = ALWAYS_KINDS + sorted(k for k in ops if k not in ALWAYS_KINDS)
    print(f"\n== soak {name}: lock operations per kind (target {a.target:,} "
          "for the soak_ops kinds) ==")
    print(f"{'kind':<22} {'operations':>16} {'runs':>6}  target")
    missing = []
    for k in kinds:
        n = ops.get(k, 0)
        if k in TARGET_KINDS:
            verdict = "reached" if n >= a.target else f"short ({n / a.target:.0%})"
            if n == 0:
                missing.append(k)
        else:
            verdict = "-"
        print(f"{k:<22} {n:>16,} {runs.get(k, 0):>6}  {verdict}")
        rows.append({"run": name, "kind": k, "ops": n, "runs": runs.get(k, 0),
                     "target": a.target if k in TARGET_KINDS else None,
                     "reached": (n >= a.target) if k in TARGET_KINDS else None})
    total = {"run": name, "kind": "_run", "ops": sum(ops.values()), "secs": a.secs,
             "splat_lines": splats, "failed_checks": failed, "leak_failures": leaks,
             "kinds_reached": sum(1 for r in rows if r["reached"]),
             "kinds_in_target": len(TARGET_KINDS)}
    print(f"splat lines {splats}, failed checks {failed} (kmemleak {leaks}), "
          f"{total['kinds_reached']} of {len(TARGET_KINDS)} kinds at the target"
          + (f", {a.secs} s" if a.secs else ""))
    with open(run / "soak.jsonl", "w", encoding="utf-8") as f:
        for r in rows + [total]:
            f.write(json.dumps(r, sort_keys=True) + "\n")
    print(f"Figures: {run / 'soak.jsonl'}")
    if missing:
        print(f"not ok - soak: operations counted for every kind (none for {', '.join(missing)})")
        return 1
    print("ok - soak: operations counted for every kind")
    return 0


if __name__ == "__main__":
    sys.exit(main())
