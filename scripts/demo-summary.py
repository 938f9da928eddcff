#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The summary of `make demo`: one short table per family, ratios first,
from the run's bench.jsonl (Documentation/benchmarks.rst has the schema),
and one figure of the ratios (SVG).

Usage: demo-summary.py RUN_DIR --svg OUT.svg [--secs N]

"x better" is always how many times better the module's lock did than the
stock (or competing) lock in the same run: for times the other's time over
ours, for rates our rate over the other's.
"""

import argparse
import json
import math
import os
import sys

TIME_UNITS = ("ns", "us", "ms", "s")


def load(run):
    recs = []
    with open(os.path.join(run, "bench.jsonl")) as f:
        for line in f:
            line = line.strip()
            if line:
                recs.append(json.loads(line))
    return recs


def better(r):
    """How many times better `lock` did than `baseline` (None: no ratio)."""
    ratio = r.get("ratio")
    if not isinstance(ratio, (int, float)) or ratio <= 0:
        return None
    lock_over_base = r.get("ratio_of") == "lock/baseline"
    rate = r.get("unit") not in TIME_UNITS
    return ratio if lock_over_base == rate else 1 / ratio


def fmt_value(v, unit):
    if not isinstance(v, (int, float)):
        return "-"
    if unit in ("ns", "us", "ms"):
        ns = v * {"ns": 1, "us": 1e3, "ms": 1e6}[unit]
        for div, u in ((1e6, "ms"), (1e3, "us"), (1, "ns")):
            if ns >= div or u == "ns":
                return f"{ns / div:.3g} {u}"
    for div, u in ((1e6, "M"), (1e3, "k")):
        if v >= div:
            return f"{v / div:.3g}{u} {unit}"
    return f"{v:.3g} {unit}"


def fmt_x(x):
    return "-" if x is None else (f"{x:.2f}x" if x < 10 else f"{x:.0f}x")


def pick(recs, bench, case=None, lock=None, **params):
    out = []
    for r in recs:
        if r.get("benchmark") != bench or (case and r.get("case") != case):
            continue
        if lock and r.get("lock") != lock:
            continue
        p = r.get("params") or {}
        if all(p.get(k) == v for k, v in params.items()):
            out.append(r)
    return out


def table(title, head, rows):
    if not rows:
        return []
    w = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    lines = ["", title]
    for i, row in enumerate([head] + rows):
        lines.append("  " + "  ".join(str(c).ljust(w[j]) for j, c in enumerate(row)).rstrip())
        if i == 0:
            lines.append("  " + "  ".join("-" * n for n in w))
    return lines


def summary(recs):
    """Lines of text and the (label, x better) bars of the figure."""
    lines, bars = [], []
    # prwlock
    rows = []
    for r in pick(recs, "rw", "write_acquire", "prwlock"):
        x = better(r)
        rows.append([fmt_x(x), "write acquisition, readers idle", fmt_value(r["value"], r["unit"]),
                     r["baseline"]])
        bars.append(("prwlock write acquire vs " + str(r["baseline"]), x))
    for case, what in (("read_throughput", "reads/s, every vCPU reading"),
                       ("readers_writer", "reads/s beside a writer")):
        for r in recs:
            if r.get("benchmark") != "rw" or r.get("case") != case:
                continue
            if r.get("lock") == "prwlock" and r.get("baseline"):
                x = better(r)
                rows.append([fmt_x(x), what, fmt_value(r["value"], r["unit"]), r["baseline"]])
                bars.append((f"prwlock {case.replace('_', ' ')} vs {r['baseline']}", x))
            elif r.get("baseline") == "prwlock" and r.get("lock") in ("rwsem", "percpu_rwsem"):
                # Records of the stock lock against prwlock: invert.
                x = better(r)
                x = None if x is None else 1 / x
                rows.append([fmt_x(x), what, "", r["lock"]])
                bars.append((f"prwlock {case.replace('_', ' ')} vs {r['lock']}", x))
    for r in pick(recs, "rw", "read_pair"):
        if r.get("lock") == "prwlock":
            rows.append([fmt_x(better(r)), "read lock+unlock pair", fmt_value(r["value"], "ns"),
                         r["baseline"]])
    lines += table("prwlock against the stock reader-writer locks (guest 0)",
                   ["better", "what", "prwlock", "than"], rows)
    # Queue locks
    rows = []
    q = pick(recs, "queue", "throughput")
    top = max((r.get("threads") or 0 for r in q), default=0)
    for r in q:
        if r.get("threads") == top and r.get("baseline"):
            spins = (r.get("params") or {}).get("spins")
            x = better(r)
            rows.append([fmt_x(x), r["lock"], f"{top} threads, {spins} spins in the section",
                         fmt_value(r["value"], r["unit"])])
            if spins == 200:
                bars.append((f"{r['lock']} vs spinlock, {top} threads", x))
    lines += table("Queue locks against the stock spinlock (guest 0)",
                   ["better", "lock", "cell", "throughput"], rows)
    # The lock table
    rows = []
    cells = [r for r in pick(recs, "dlock", "cell", "alock")
             if r.get("threads") == 2 and (r.get("params") or {}).get("keys") == 64]
    for r in sorted(cells, key=lambda r: (r.get("params") or {}).get("local_pct", 0)):
        p, s = r.get("params") or {}, r.get("stats") or {}
        x = better(r)
        lat = "local %s/%s us, remote %s/%s us" % tuple(
            "-" if s.get(k) is None else f"{s[k]:.0f}"
            for k in ("local_med_us", "local_p99_us", "remote_med_us", "remote_p99_us"))
        rows.append([fmt_x(x), f"{p.get('local_pct')} %", fmt_value(r["value"], "ops/s"),
                     r.get("baseline") or "-", lat])
        bars.append((f"ALock vs {r.get('baseline')}, {p.get('local_pct')} % local", x))
    lines += table("ALock against the loopback spin and MCS locks (lock table, all guests; "
                   "better: than the faster of the two; latency p50/p99 of an acquire)",
                   ["better", "local ops", "ALock", "than", "acquire latency"], rows)
    # mmap_lock
    rows = []
    for r in recs:
        if r.get("benchmark") == "mm" and r.get("lock") == "prwlock" and r.get("baseline"):
            x = better(r)
            name = {"pf": "page-fault loop", "mmap": "mmap/munmap loop"}.get(r["case"], r["case"])
            rows.append([fmt_x(x), name, f"{r.get('threads')} threads",
                         fmt_value(r["value"], r["unit"])])
            bars.append((f"mmap_lock opted in: {name}, {r.get('threads')} threads", x))
    lines += table("prwlock as the mmap_lock of an opted-in process, against the stock rwsem "
                   "(guest 0)", ["better", "workload", "threads", "prwlock"], rows)
    return lines, bars


def svg(bars, path, title):
    bars = [(t, x) for t, x in bars if x]
    h = 60 + 26 * len(bars)
    lo, hi = -3.0, max(4.0, math.ceil(math.log2(max(x for _, x in bars)))) if bars else 4.0
    x0, x1 = 330, 760

    def xpos(v):
        return x0 + (math.log2(v) - lo) / (hi - lo) * (x1 - x0)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="800" height="{h}" '
           'font-family="DejaVu Sans, sans-serif" font-size="12">',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="10" y="20" font-size="14">{title}</text>',
           f'<text x="10" y="38" fill="#555">times better than the stock or competing lock, '
           'same run (log scale; right of the line: better)</text>']
    one = xpos(1)
    for i, (t, x) in enumerate(bars):
        y = 50 + 26 * i
        xv = min(max(xpos(x), x0), x1)
        left, width = (one, xv - one) if xv >= one else (xv, one - xv)
        color = "#2a7" if x >= 1 else "#c55"
        out.append(f'<text x="{x0 - 8}" y="{y + 15}" text-anchor="end">{t}</text>')
        out.append(f'<rect x="{left:.1f}" y="{y + 3}" width="{max(width, 1):.1f}" height="16" '
                   f'fill="{color}"/>')
        out.append(f'<text x="{max(xv, one) + 4:.1f}" y="{y + 15}">{fmt_x(x)}</text>')
    out.append(f'<line x1="{one:.1f}" y1="45" x2="{one:.1f}" y2="{h - 5}" stroke="black"/>')
    out.append("</svg>")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run")
    ap.add_argument("--svg", required=True)
    ap.add_argument("--secs", type=int)
    a = ap.parse_args()
    try:
        recs = load(a.run)
    except (OSError, ValueError) as e:
        print(f"demo: no figures in {a.run} ({e})", file=sys.stderr)
        return 1
    r0 = recs[0] if recs else {}
    name = os.path.basename(os.path.realpath(a.run))
    head = (f"alock demo, run {name}: {r0.get('nodes', '?')} guests x {r0.get('vcpus', '?')} "
            f"vCPUs, {r0.get('kernel', '?')} kernel, QEMU TCG"
            + (f", {a.secs} s" if a.secs else ""))
    lines, bars = summary(recs)
    print(head)
    print("\n".join(lines))
    svg(bars, a.svg, head)
    print(f"\nFigure: {a.svg}")
    print("More: README.md (figures of full runs, how each was made), "
          "Documentation/benchmarks.rst, Documentation/observability.rst;")
    print(f"      scripts/report.sh {a.run}, make bench, make bench-alock, make bench-mm.")
    return 0 if bars else 1


if __name__ == "__main__":
    sys.exit(main())
