#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Benchmark figures of a cluster run as JSON lines, and their tables.

  bench-jsonl.py collect RUN [--vcpus N] [--nodes N] [--kernel test|bench] [-o FILE]
      every "# bench-json {...}" line of RUN/guest*/tap.txt, with the
      run-level fields added, plus the lock table's "cell" records, into
      RUN/bench.jsonl (or FILE).  Exit 1 if a line is not valid JSON or
      lacks a field (the others are still written).
  bench-jsonl.py report RUN [--markdown]
      the benchmark tables of RUN from RUN/bench.jsonl (built in memory
      when the run has none); --markdown: README-style tables with ratios,
      headed by the run's name.
  bench-jsonl.py validate FILE
      every line valid JSON with the schema's fields; prints the count.

Runs from before the bench-json lines: "collect" and "report" read their
key=value lines instead ("# dlock", "# rdma-verb", "# rdma-lat",
"# mmbench"); the fields are in Documentation/benchmarks.rst.
"""
import argparse
import json
import math
import os
import re
import sys

PREFIX = "# bench-json "
# Every record has these (null allowed where the schema says so).
FIELDS = ("benchmark", "case", "lock", "baseline", "value", "unit", "ratio",
          "threads", "vcpus", "run", "guest", "nodes", "kernel")


def strict(s):
    raise ValueError("%s is not JSON" % s)


def guests(run):
    """(name, tap path) of every guest of RUN, guest0 first."""
    out = []
    for d in os.listdir(run):
        m = re.fullmatch(r"guest(\d+)", d)
        if m and os.path.isdir(os.path.join(run, d)):
            out.append((int(m.group(1)), d))
    return [(d, os.path.join(run, d, "tap.txt")) for _, d in sorted(out)]


def num(s):
    """A key=value figure as a number ("-" and the like as None)."""
    try:
        v = float(s)
    except ValueError:
        return None
    return int(v) if v.is_integer() and "." not in s else v


def kv(line, start):
    return dict(f.split("=", 1) for f in line.split()[start:] if "=" in f)


def legacy(line, ncpu):
    """A record from a key=value line of a run without bench-json lines."""
    if line.startswith("# dlock "):
        f = kv(line, 2)
        stats = {k: num(f[k]) for k in f if k not in (
            "lock", "nodes", "node", "threads", "local_pct", "keys", "kpo", "run", "ops_s")}
        return {"benchmark": "dlock", "case": "node_run", "lock": f["lock"], "baseline": None,
                "value": num(f["ops_s"]), "unit": "ops/s", "ratio": None, "ratio_of": None,
                "threads": num(f["threads"]), "vcpus": ncpu, "nodes": num(f["nodes"]),
                "params": {"node": num(f["node"]), "run": num(f.get("run", "0")),
                           "local_pct": num(f["local_pct"]), "keys": num(f["keys"]),
                           "kpo": num(f["kpo"])},
                "stats": stats}
    if line.startswith("# rdma-verb "):
        f = kv(line, 2)
        return {"benchmark": "rdma_verb", "case": f["verb"], "lock": None, "baseline": None,
                "value": num(f["median_us"]), "unit": "us", "ratio": None, "ratio_of": None,
                "threads": num(f["threads"]), "vcpus": ncpu,
                "params": {"node": num(f["node"]), "peer": num(f["peer"]), "path": f["path"],
                           "bytes": num(f["bytes"])},
                "stats": {"ops": num(f["ops"]), "ops_s": num(f["ops_s"]),
                          "min_us": num(f["min_us"]), "p99_us": num(f["p99_us"]),
                          "max_us": num(f["max_us"])}}
    m = re.match(r"# rdma-lat (\S+) bytes=(\d+) min=(\S+) typical=(\S+) avg=(\S+) p99=(\S+) "
                 r"usec opts=(.*)", line)
    if m:
        return {"benchmark": "rdma_lat", "case": m.group(1), "lock": None, "baseline": None,
                "value": num(m.group(4)), "unit": "us", "ratio": None, "ratio_of": None,
                "threads": 1, "vcpus": ncpu,
                "params": {"bytes": int(m.group(2)), "opts": m.group(7).strip()},
                "stats": {"min_us": num(m.group(3)), "avg_us": num(m.group(5)),
                          "p99_us": num(m.group(6))}}
    m = re.match(r"# mmbench (\S+) threads=", line)
    if m:
        f = kv(line, 3)
        cpus, online = (int(x) for x in f["cpus"].split("/"))
        out = []
        for lock in ("rwsem", "prwlock"):
            prw = lock == "prwlock"
            out.append({
                "benchmark": "mm", "case": m.group(1), "lock": lock,
                "baseline": "rwsem" if prw else None,
                "value": num(f["prwlock" if prw else "stock"]),
                "unit": "pages/s" if m.group(1) in ("pf", "hist") else "ops/s",
                "ratio": num(f["ratio"]) if prw else None,
                "ratio_of": "lock/baseline" if prw else None,
                "threads": num(f["threads"]), "vcpus": online,
                "params": {"cpus": cpus, "pinned": "yes" if cpus < online else "no"},
                "stats": {k.replace("/w", "_per_write"): num(f[k])
                          for k in ("rounds/w", "ipis/w", "idle/w", "domain/w", "drain/w")
                          if prw}})
        return out
    return None


def read_guest(tap):
    """(records, errors) of one tap.txt: its bench-json lines, or its
    key=value lines when it has none."""
    recs, errs, old = [], [], []
    after, cpu = {}, {}
    ncpu = None
    try:
        lines = open(tap, encoding="utf-8", errors="replace").read().splitlines()
    except OSError:
        return recs, errs
    for n, line in enumerate(lines, 1):
        m = re.match(r"# alock guest tests on node\d+ \((\d+) CPUs", line)
        if m:
            ncpu = int(m.group(1))
        if line.startswith(PREFIX):
            try:
                r = json.loads(line[len(PREFIX):], parse_constant=strict)
                if not isinstance(r, dict):
                    raise ValueError("not an object")
            except ValueError as e:
                errs.append("%s:%d: %s" % (tap, n, e))
                continue
            recs.append(r)
        elif re.match(r"# (dlock |rdma-verb |rdma-lat |mmbench \S+ threads=)", line):
            old.append(line)
        m = re.match(r"# cpu-after run=(\d+) total=(\d+) idle=(\d+)(?: ctxt=(\d+))?", line)
        if m:
            cpu[int(m.group(1))] = tuple(int(x or 0) for x in m.groups()[1:])
        m = re.match(r"# rdma-after run=(\d+) (peer\S+) .*\brtt_hist=([\d,]+)", line)
        if m:
            after.setdefault(int(m.group(1)), {})[m.group(2)] = [
                int(x) for x in m.group(3).split(",")]
    if not recs and not errs:
        for line in old:
            r = legacy(line, ncpu)
            recs.extend(r if isinstance(r, list) else [r] if r else [])
    for r in recs:
        if ncpu is not None:
            r.setdefault("vcpus", ncpu)
    post_rtts(recs, after, cpu)
    return recs, errs


def post_rtts(recs, after, cpu):
    """Adds to each dlock node_run record whose run has "# rdma-after"
    lines, and the run before it, its node's signalled posts in the run
    (posts) and their mean round trip (post_rtt_us, from the log2
    histogram of /sys/kernel/debug/alock/rdma: a bucket counts as the
    middle of its range); with "# cpu-after" lines, the share of the
    guest's CPU time not idle (busy_pct) and its context switches (ctxt)."""
    for r in recs:
        if r.get("benchmark") != "dlock" or r.get("case") != "node_run":
            continue
        run = r.get("params", {}).get("run")
        if run in cpu and run - 1 in cpu:
            tot, idle, ctxt = (a - b for a, b in zip(cpu[run], cpu[run - 1]))
            st = r.setdefault("stats", {})
            if tot > 0:
                st["busy_pct"] = 100.0 * (tot - idle) / tot
            if cpu[run][2]:
                st["ctxt"] = ctxt
        if run not in after or run - 1 not in after:
            continue
        n, ns = 0, 0.0
        for peer, h in after[run].items():
            h0 = after[run - 1].get(peer, [0] * len(h))
            for b, (c, c0) in enumerate(zip(h, h0)):
                d = c - c0
                n += d
                # Bucket b: [2^(b-1), 2^b) ns.
                ns += d * (0.75 * 2 ** b if b > 0 else 0)
        st = r.setdefault("stats", {})
        st["posts"] = n
        st["post_rtt_us"] = ns / n / 1000 if n > 0 else None


def median_low(v):
    v = sorted(v)
    return v[(len(v) + 1) // 2 - 1]


def dlock_cells(recs):
    """The lock table's cells (one key per operation) from the node_run
    records: ops/s summed over the nodes, the median of the cell's runs,
    ratio ALock / best competitor (scripts/report.sh's summary)."""
    cell = {}
    for r in recs:
        if r.get("benchmark") != "dlock" or r.get("case") != "node_run":
            continue
        p, s = r.get("params", {}), r.get("stats", {})
        if p.get("kpo") != 1 or p.get("read_pct"):
            continue
        k = (r.get("nodes"), p.get("local_pct"), r.get("threads"), p.get("keys"), r["lock"])
        c = cell.setdefault(k, {"runs": [], "tot": {}, "lt": {}, "rt": {}, "lat": [],
                                "cnt": {}, "vcpus": r.get("vcpus"), "run": r.get("run"),
                                "kernel": r.get("kernel")})
        run = p.get("run", 0)
        if run not in c["tot"]:
            c["runs"].append(run)
            for a in ("tot", "lt", "rt"):
                c[a][run] = 0
        c["tot"][run] += r.get("value") or 0
        c["lt"][run] += s.get("local_ops_s") or 0
        c["rt"][run] += s.get("remote_ops_s") or 0
        c["lat"].append([s.get(x) for x in ("local_med_us", "local_p99_us", "remote_med_us",
                                            "remote_p99_us")])
        for x in ("ops", "remote_ops", "remote_verbs", "reads", "writes", "atomics", "sends",
                  "polls", "cas_retries", "handoffs", "leaders", "fast"):
            c["cnt"][x] = c["cnt"].get(x, 0) + (s.get(x) or 0)
    best = {}
    for k, c in cell.items():
        c["sum"] = median_low([c["tot"][x] for x in c["runs"]])
        g = k[:4]
        if k[4] != "alock" and c["sum"] > best.get(g, (0, None))[0]:
            best[g] = (c["sum"], k)
    out = []

    def per(a, b):
        return a / b if b > 0 else None

    for k in sorted(cell, key=lambda k: (k[0] or 0, k[1] or 0, k[2] or 0, k[3] or 0, k[4])):
        c = cell[k]
        lat = []
        for i in range(4):
            v = [x[i] for x in c["lat"] if x[i] is not None and x[i] > 0]
            lat.append(median_low(v) if v else None)
        ratio = lo = hi = base = None
        if k[4] == "alock" and k[:4] in best:
            bs, bk = best[k[:4]]
            base = bk[4]
            ratio = c["sum"] / bs
            b = cell[bk]
            for ra, rb in zip(c["runs"], b["runs"]):
                if b["tot"][rb] <= 0:
                    continue
                x = c["tot"][ra] / b["tot"][rb]
                lo = x if lo is None or x < lo else lo
                hi = x if hi is None or x > hi else hi
        n = c["cnt"]
        out.append({
            "benchmark": "dlock", "case": "cell", "lock": k[4], "baseline": base,
            "value": c["sum"], "unit": "ops/s", "ratio": ratio,
            "ratio_of": "lock/baseline" if base else None, "threads": k[2],
            "vcpus": c["vcpus"], "nodes": k[0], "run": c["run"], "guest": "all",
            "kernel": c["kernel"], "derived": True,
            "params": {"local_pct": k[1], "keys": k[3], "kpo": 1},
            "stats": {"runs": len(c["runs"]), "ratio_lo": lo, "ratio_hi": hi,
                      "local_ops_s": median_low([c["lt"][x] for x in c["runs"]]),
                      "remote_ops_s": median_low([c["rt"][x] for x in c["runs"]]),
                      "verbs_per_rop": per(n["remote_verbs"], n["remote_ops"]),
                      "local_med_us": lat[0], "local_p99_us": lat[1],
                      "remote_med_us": lat[2], "remote_p99_us": lat[3],
                      "reads_per_op": per(n["reads"], n["ops"]),
                      "writes_per_op": per(n["writes"], n["ops"]),
                      "atomics_per_op": per(n["atomics"], n["ops"]),
                      "sends_per_op": per(n["sends"], n["ops"]),
                      "polls_per_op": per(n["polls"], n["ops"]),
                      "cas_retries_per_op": per(n["cas_retries"], n["ops"]),
                      "handoff_pct": per(100 * n["handoffs"], n["handoffs"] + n["leaders"]),
                      "fast_pct": per(100 * n["fast"], n["leaders"]) if k[4] == "alock"
                      else None}})
    return out


RW_SUBJECT = "alock-rw"


def dlock_rw_cells(recs):
    """The reader-writer cells of the lock table (runs with a read_pct):
    ops/s summed over the nodes, the median of a cell's runs, per lock;
    for ALock-RW the ratios to exclusive ALock and to DSLR of the same
    cell (issue 21's goal: 2x each at 90 % reads, 90 % local), the
    latency by mode and the verbs per operation."""
    cell = {}
    for r in recs:
        if r.get("benchmark") != "dlock" or r.get("case") != "node_run":
            continue
        p, s = r.get("params", {}), r.get("stats", {})
        if p.get("kpo") != 1 or not p.get("read_pct"):
            continue
        k = (r.get("nodes"), p.get("local_pct"), p.get("read_pct"), r.get("threads"),
             p.get("keys"), r["lock"])
        c = cell.setdefault(k, {"tot": {}, "lat": [], "cnt": {}, "busy": [],
                                "vcpus": r.get("vcpus"),
                                "run": r.get("run"), "kernel": r.get("kernel")})
        run = p.get("run", 0)
        c["tot"][run] = c["tot"].get(run, 0) + (r.get("value") or 0)
        c["lat"].append([s.get(x) for x in ("shared_med_us", "excl_med_us",
                                            "local_med_us", "remote_med_us")])
        for x in ("ops", "local_ops", "remote_ops", "local_verbs", "remote_verbs",
                  "shared_ops", "overlaps", "backouts", "phases", "rw_polls"):
            c["cnt"][x] = c["cnt"].get(x, 0) + (s.get(x) or 0)
        if s.get("busy_pct") is not None:
            c["busy"].append(s["busy_pct"])
        if s.get("ctxt") is not None:
            c["cnt"]["ctxt"] = c["cnt"].get("ctxt", 0) + s["ctxt"]
            c["cnt"]["ctxt_ops"] = c["cnt"].get("ctxt_ops", 0) + (s.get("ops") or 0)
        if s.get("post_rtt_us") is not None:
            c["cnt"]["posts"] = c["cnt"].get("posts", 0) + s["posts"]
            c["cnt"]["post_ns"] = c["cnt"].get("post_ns", 0) + s["posts"] * s["post_rtt_us"]
    out = []

    def per(a, b):
        return a / b if b > 0 else None

    for k in sorted(cell, key=lambda k: tuple(x or 0 for x in k[:5]) + (k[5],)):
        c = cell[k]
        c["sum"] = median_low(list(c["tot"].values()))
        lat = []
        for i in range(4):
            v = [x[i] for x in c["lat"] if x[i] is not None and x[i] > 0]
            lat.append(median_low(v) if v else None)
        c["lat_m"] = lat
    for k in sorted(cell, key=lambda k: tuple(x or 0 for x in k[:5]) + (k[5],)):
        c = cell[k]
        ratios = {}
        if k[5] == RW_SUBJECT:
            for other in ("alock", "dslr-loopback"):
                o = cell.get(k[:5] + (other,))
                if o and o["sum"] > 0:
                    ratios[other] = c["sum"] / o["sum"]
        n = c["cnt"]
        base = None
        if ratios:
            base = min(ratios, key=lambda x: ratios[x])
        out.append({
            "benchmark": "dlock", "case": "rw_cell", "lock": k[5], "baseline": base,
            "value": c["sum"], "unit": "ops/s", "ratio": ratios.get(base) if base else None,
            "ratio_of": "lock/baseline" if base else None, "threads": k[3],
            "vcpus": c["vcpus"], "nodes": k[0], "run": c["run"], "guest": "all",
            "kernel": c["kernel"], "derived": True,
            "params": {"local_pct": k[1], "read_pct": k[2], "keys": k[4], "kpo": 1},
            "stats": {"runs": len(c["tot"]),
                      "ratio_vs_alock": ratios.get("alock"),
                      "ratio_vs_dslr": ratios.get("dslr-loopback"),
                      "shared_med_us": c["lat_m"][0], "excl_med_us": c["lat_m"][1],
                      "local_med_us": c["lat_m"][2], "remote_med_us": c["lat_m"][3],
                      "verbs_per_op": per(n["local_verbs"] + n["remote_verbs"], n["ops"]),
                      "verbs_per_rop": per(n["remote_verbs"], n["remote_ops"]),
                      "shared_pct": per(100 * n["shared_ops"], n["ops"]),
                      "overlaps": n["overlaps"], "backouts_per_op": per(n["backouts"], n["ops"]),
                      "phases_per_op": per(n["phases"], n["ops"]),
                      "rw_polls_per_op": per(n["rw_polls"], n["ops"]),
                      "post_rtt_us": per(n.get("post_ns", 0), n.get("posts", 0)),
                      "busy_pct": median_low(c["busy"]) if c["busy"] else None,
                      "ctxt_per_op": per(n.get("ctxt", 0), n.get("ctxt_ops", 0))}})
    return out


def collect(run, vcpus=None, nodes=None, kernel=None):
    """(records, errors) of a run folder, run-level fields added."""
    name = os.path.basename(os.path.realpath(run))
    gs = guests(run)
    recs, errs = [], []
    for g, tap in gs:
        rs, es = read_guest(tap)
        errs += es
        for r in rs:
            r["run"] = name
            r["guest"] = g
            if vcpus is not None:
                r.setdefault("vcpus", vcpus)
            r.setdefault("vcpus", None)
            r.setdefault("nodes", nodes if nodes is not None else len(gs))
            r["kernel"] = kernel
            for f in FIELDS:
                if f not in r:
                    errs.append("%s: %s %s: no field %r" % (g, r.get("benchmark"),
                                                            r.get("case"), f))
            recs.append(r)
    recs += dlock_cells(recs)
    recs += dlock_rw_cells(recs)
    return recs, errs


def validate_record(r):
    if not isinstance(r, dict):
        return "not an object"
    for f in FIELDS:
        if f not in r:
            return "no field %r" % f
    for f in ("benchmark", "case", "unit", "run", "guest"):
        if not isinstance(r[f], str) or not r[f]:
            return "%s is not a non-empty string" % f
    for f in ("value", "ratio"):
        if r[f] is not None and (not isinstance(r[f], (int, float)) or isinstance(r[f], bool)
                                 or not math.isfinite(r[f])):
            return "%s is not a number or null" % f
    if r["ratio"] is not None and r["baseline"] is None:
        return "a ratio without a baseline"
    return None


def load(path):
    """(records, errors) of a bench.jsonl file."""
    recs, errs = [], []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                r = json.loads(line, parse_constant=strict)
            except ValueError as e:
                errs.append("%s:%d: %s" % (path, n, e))
                continue
            e = validate_record(r)
            if e:
                errs.append("%s:%d: %s" % (path, n, e))
            recs.append(r)
    return recs, errs


def run_records(run):
    """(records, where they came from) of a run folder."""
    path = os.path.join(run, "bench.jsonl")
    if os.path.exists(path):
        recs, errs = load(path)
        source = "bench.jsonl"
    else:
        recs, errs = collect(run)
        source = "tap.txt (no bench.jsonl)"
    for e in errs:
        print("bench-jsonl: " + e, file=sys.stderr)
    if not any(r.get("case") == "cell" and r.get("benchmark") == "dlock" for r in recs):
        recs += dlock_cells(recs)
    if not any(r.get("case") == "rw_cell" and r.get("benchmark") == "dlock" for r in recs):
        recs += dlock_rw_cells(recs)
    return recs, source


# ---------------------------------------------------------------- tables

def sel(recs, bench, case=None):
    return [r for r in recs if r.get("benchmark") == bench and (case is None or r.get("case") == case)]


def fnum(v, fmt):
    return "-" if v is None else fmt % v


def fratio(v):
    return "-" if v is None else "%.2fx" % v


def rng(vals, fmt, unit=""):
    v = [x for x in vals if x is not None]
    if not v:
        return "-"
    a, b = fmt % min(v), fmt % max(v)
    return (a if a == b else a + "–" + b) + unit


def text_tables(recs, run=None):
    out = []
    p = out.append
    lat = sel(recs, "rdma_lat")
    if lat:
        p("")
        p("RDMA latency between guest0 and guest1 (perftest over rxe, microseconds):")
        p("  %-15s %7s %10s %10s %10s %10s  %s" % ("test", "bytes", "min", "typical", "avg",
                                                   "p99", "options"))
        for r in lat:
            s, q = r.get("stats", {}), r.get("params", {})
            p("  %-15s %7s %10s %10s %10s %10s  %s" % (
                r["case"], q.get("bytes"), fnum(s.get("min_us"), "%.2f"),
                fnum(r["value"], "%.2f"), fnum(s.get("avg_us"), "%.2f"),
                fnum(s.get("p99_us"), "%.2f"), q.get("opts", "")))
    verbs = sel(recs, "rdma_verb")
    if verbs:
        p("")
        p("RDMA verbs from the module (8 bytes, rdmatest bench; one node at a time):")
        p("  %-6s %-6s %-9s %-6s %8s %9s %11s %10s" % ("from", "to", "path", "verb", "threads",
                                                       "ops/s", "median_us", "p99_us"))
        for r in verbs:
            s, q = r.get("stats", {}), r.get("params", {})
            p("  %-6s %-6s %-9s %-6s %8s %9s %11s %10s" % (
                "node%s" % q.get("node"), "node%s" % q.get("peer"), q.get("path"), r["case"],
                r["threads"], fnum(s.get("ops_s"), "%.0f"), fnum(r["value"], "%.1f"),
                fnum(s.get("p99_us"), "%.1f")))
    cells = sel(recs, "dlock", "cell")
    if cells:
        p("")
        p("Lock table (ALock vs competitors).  ops/s summed over the nodes, in total and")
        p("for operations on local and on remote keys, the median of a cell's runs (runs:")
        p("how many); latencies the median over nodes and runs of each node's median /")
        p("p99 acquire, in us; verbs/rop: verbs per remote operation, all nodes and runs;")
        p("ratio: ALock / best competitor of the medians, and the range of the ratio of")
        p("the runs' totals paired in order.  Then where the verbs go, per operation:")
        p("READs, WRITEs, atomics, messages, Peterson polls, failed CASes; the share of")
        p("acquires handed over inside a cohort, and of ALock's cohort leaders those that")
        p("entered by the remote fast path (no victim WRITE):")
        fmt = "  %5s %5s %4s %5s %-14s %4s %9s %7s %11s %9s %9s %9s %10s %10s %10s %10s"
        p(fmt % ("nodes", "local%", "thr", "keys", "lock", "runs", "ops/s", "ratio",
                 "ratio range", "loc.ops/s", "rem.ops/s", "verbs/rop", "local_med",
                 "local_p99", "remote_med", "remote_p99"))
        for r in cells:
            s, q = r["stats"], r["params"]
            rg = ("%.2f-%.2f" % (s["ratio_lo"], s["ratio_hi"])
                  if s.get("ratio_lo") is not None else "")
            p(fmt % (r["nodes"], q["local_pct"], r["threads"], q["keys"], r["lock"], s["runs"],
                     int(r["value"]), "" if r["ratio"] is None else "%.2fx" % r["ratio"], rg,
                     int(s["local_ops_s"]), int(s["remote_ops_s"]),
                     fnum(s["verbs_per_rop"], "%.2f"), fnum(s["local_med_us"], "%.1f"),
                     fnum(s["local_p99_us"], "%.1f"), fnum(s["remote_med_us"], "%.1f"),
                     fnum(s["remote_p99_us"], "%.1f")))
        p("")
        fmt = "  %5s %5s %4s %5s %-14s %7s %7s %7s %7s %7s %7s %8s %8s"
        p(fmt % ("nodes", "local%", "thr", "keys", "lock", "READ", "WRITE", "atomic", "msg",
                 "polls", "CASfail", "handoff", "fast"))
        for r in cells:
            s, q = r["stats"], r["params"]
            p(fmt % (r["nodes"], q["local_pct"], r["threads"], q["keys"], r["lock"],
                     fnum(s["reads_per_op"], "%.2f"), fnum(s["writes_per_op"], "%.2f"),
                     fnum(s["atomics_per_op"], "%.2f"), fnum(s["sends_per_op"], "%.2f"),
                     fnum(s["polls_per_op"], "%.2f"), fnum(s["cas_retries_per_op"], "%.2f"),
                     fnum(s["handoff_pct"], "%.0f%%"),
                     fnum(s["fast_pct"], "%.0f%%") if r["lock"] == "alock" else ""))
    rw = sel(recs, "dlock", "rw_cell")
    if rw:
        p("")
        p("Lock table, reader-writer (ALock-RW vs exclusive ALock vs DSLR).  ops/s summed")
        p("over the nodes, the median of a cell's runs; x ALock, x DSLR: ALock-RW's ratios")
        p("to them in the same cell; latencies the median of the nodes' medians by mode, in")
        p("us; verbs per operation; shared: share of shared operations; then per operation")
        p("reader back-outs, writer phases and reader-writer polls, reader overlaps, and")
        p("the mean round trip of a signalled post in ms (post_rtt; under TCG mostly the")
        p("time the busy guests take to run the RDMA provider's work), the median of the")
        p("guests' busy CPU share (busy) and their context switches per operation (cs):")
        fmt = ("  %5s %5s %5s %4s %5s %-14s %4s %9s %8s %8s %9s %9s %7s %7s %7s %7s %7s %8s"
               " %8s %5s %6s")
        p(fmt % ("nodes", "local%", "read%", "thr", "keys", "lock", "runs", "ops/s", "x ALock",
                 "x DSLR", "shrd_med", "excl_med", "verbs", "shared", "backout", "phases",
                 "polls", "overlaps", "post_rtt", "busy", "cs"))
        for r in rw:
            s, q = r["stats"], r["params"]
            p(fmt % (r["nodes"], q["local_pct"], q["read_pct"], r["threads"], q["keys"],
                     r["lock"], s["runs"], int(r["value"]),
                     fnum(s.get("ratio_vs_alock"), "%.2fx"), fnum(s.get("ratio_vs_dslr"), "%.2fx"),
                     fnum(s["shared_med_us"], "%.1f"), fnum(s["excl_med_us"], "%.1f"),
                     fnum(s["verbs_per_op"], "%.2f"), fnum(s["shared_pct"], "%.0f%%"),
                     fnum(s["backouts_per_op"], "%.2f"), fnum(s["phases_per_op"], "%.2f"),
                     fnum(s["rw_polls_per_op"], "%.2f"), s["overlaps"],
                     fnum(s.get("post_rtt_us") and s["post_rtt_us"] / 1000, "%.1f"),
                     fnum(s.get("busy_pct"), "%.0f%%"), fnum(s.get("ctxt_per_op"), "%.1f")))
    lockb = [r for r in recs if r.get("benchmark") in ("queue", "mrlock", "rw", "txn")]
    if not lockb and run:
        # A run from before the bench-json lines: its human lines as they are.
        raw = []
        for _, tap in guests(run):
            try:
                raw += [x for x in open(tap, encoding="utf-8", errors="replace").read()
                        .splitlines() if x.startswith("# bench ")]
            except OSError:
                pass
        if raw:
            p("")
            p("Lock benchmarks (guest0 alone, same run; ratios in parentheses):")
            out.extend("  " + x[len("# bench "):] for x in raw)
        raw = []
        for _, tap in guests(run)[:1]:
            try:
                raw += [x for x in open(tap, encoding="utf-8", errors="replace").read()
                        .splitlines() if x.startswith("# txn")]
            except OSError:
                pass
        if raw:
            p("")
            p("Lock manager runs:")
            out.extend("  " + x[2:] for x in raw)
    if lockb:
        p("")
        p("Lock benchmarks (guest0 alone, same run; ratio as each case states it,")
        p("Documentation/benchmarks.rst):")
        fmt = "  %-6s %-19s %-12s %-34s %5s %14s %-9s %-19s %7s"
        p(fmt % ("bench", "case", "lock", "params", "thr", "value", "unit", "baseline",
                 "ratio"))
        for r in lockb:
            q = r.get("params", {})
            ps = ",".join("%s=%s" % (k, v) for k, v in q.items() if k not in ("ms",))
            v = r["value"]
            p((fmt % (r["benchmark"], r["case"], r["lock"], ps[:34], r["threads"] or "-",
                      "-" if v is None else ("%.0f" % v if abs(v) >= 1000 else "%.1f" % v),
                      r["unit"], r.get("baseline_case") or r["baseline"] or "",
                      fratio(r["ratio"]) if r["baseline"]
                      else "")).rstrip())
    mm = sel(recs, "mm")
    if mm:
        p("")
        p("")
        p("mmap_lock: stock rwsem (+ per-VMA locks) vs prwlock, same guest, each the mean")
        p("of two alternating runs in fresh processes (pf, hist: pages/s; mmap, madv,")
        p("mincore: ops/s).  Then the prwlock writers' counters over both prwlock runs,")
        p("per write acquisition of the benchmark's mmap_lock: consensus rounds, IPIs,")
        p("CPUs counted as reported because idle, online CPUs skipped as outside the")
        p("lock's domain, IPIs to readers that stayed past the drain spin (- : no write).")
        passes = []
        for r in mm:
            q = r.get("params", {})
            k = (r.get("guest"), r.get("vcpus"), q.get("cpus"), q.get("pinned"))
            if k not in passes:
                passes.append(k)
        fmt = "  %-8s %7s %14s %14s %7s %8s %7s %7s %8s %7s"
        for k in passes:
            if k[3] == "yes":
                p("  pass: %s vCPUs, benchmark pinned to CPUs 0-%d" % (k[1], k[2] - 1))
            else:
                p("  pass: %s vCPUs, benchmark not pinned" % k[1])
        p(fmt % ("workload", "threads", "stock", "prwlock", "ratio", "rounds/w", "IPIs/w",
                 "idle/w", "domain/w", "drain/w"))
        stock = {}
        for r in mm:
            if r["lock"] == "rwsem":
                stock[(r.get("guest"), r["case"], r["threads"], str(r.get("params")))] = r
        for r in mm:
            if r["lock"] != "prwlock":
                continue
            st = stock.get((r.get("guest"), r["case"], r["threads"], str(r.get("params"))))
            s = r.get("stats", {})
            p(fmt % (r["case"], r["threads"], fnum(st["value"] if st else None, "%.0f"),
                     fnum(r["value"], "%.0f"), fnum(r["ratio"], "%.2f"),
                     fnum(s.get("rounds_per_write"), "%.2f"),
                     fnum(s.get("ipis_per_write"), "%.2f"),
                     fnum(s.get("idle_per_write"), "%.2f"),
                     fnum(s.get("domain_per_write"), "%.2f"),
                     fnum(s.get("drain_per_write"), "%.2f")))
    return out


def md_row(cells):
    return "| " + " | ".join(str(c) for c in cells) + " |"


def md_table(head, rows):
    return [md_row(head), "|" + "---|" * len(head)] + [md_row(r) for r in rows]


def vr(r, fmt="%.0f"):
    return fnum(r["value"] if r else None, fmt)


def markdown(recs, name, source):
    out = []
    p = out.append
    rs = [r for r in recs if r.get("guest") != "all"] or recs
    g = sorted({r.get("guest") for r in rs if r.get("guest")})
    k = sorted({str(r.get("kernel") or "unknown") for r in rs})
    v = sorted({str(r.get("vcpus")) for r in rs})
    n = sorted({str(r.get("nodes")) for r in rs})
    p("Run `%s` (%s kernel, %s guest(s) x %s vCPUs; from its %s by "
      "`scripts/report.sh --markdown`)." % (name, "/".join(k), "/".join(n), "/".join(v), source))

    q = sel(recs, "queue", "throughput")
    if q:
        locks = list(dict.fromkeys(r["lock"] for r in q))
        p("")
        p("**Queue locks** (ops/s; ratio to `%s`):" % locks[0])
        p("")
        rows = {}
        for r in q:
            rows.setdefault((r["threads"], r["params"].get("spins")), {})[r["lock"]] = r
        body = []
        for (t, sp), c in rows.items():
            body.append([t, sp] + [
                vr(c.get(lk)) + ("" if c.get(lk) is None or c[lk]["ratio"] is None
                                 else " (%s)" % fratio(c[lk]["ratio"])) for lk in locks])
        out.extend(md_table(["threads", "spins"] + locks, body))
    q = sel(recs, "mrlock", "throughput")
    if q:
        locks = list(dict.fromkeys(r["lock"] for r in q))
        p("")
        p("**h-out-of-k locks** (requests/s; ratio to `%s`):" % locks[0])
        p("")
        rows = {}
        for r in q:
            rows.setdefault((r["params"].get("contention"), r["threads"]), {})[r["lock"]] = r
        body = []
        for (ct, t), c in rows.items():
            body.append([ct, t] + [
                vr(c.get(lk)) + ("" if c.get(lk) is None or c[lk]["ratio"] is None
                                 else " (%s)" % fratio(c[lk]["ratio"])) for lk in locks])
        out.extend(md_table(["contention", "threads"] + locks, body))
    q = [r for r in sel(recs, "rw") if r.get("baseline")]
    if q:
        p("")
        p("**prwlock against the stock reader-writer locks** (ratio as each case states it):")
        p("")
        body = []
        for r in q:
            bc = r.get("baseline_case", r["case"])
            # The baseline's figure, from the record's own value and ratio.
            b = None
            if r["value"] and r["ratio"]:
                b = (r["value"] / r["ratio"] if r.get("ratio_of") == "lock/baseline"
                     else r["value"] * r["ratio"])
            fmt = "%.1f" if r["unit"] in ("ns", "us") else "%.0f"
            body.append([r["case"], r["threads"], "%s %s %s" % (r["lock"], vr(r, fmt), r["unit"]),
                         "%s %s" % (r["baseline"] if bc == r["case"] else bc, fnum(b, fmt)),
                         "%s (%s)" % (fratio(r["ratio"]), r.get("ratio_of") or "")])
        out.extend(md_table(["case", "threads", "figure", "compared with", "ratio"], body))
    q = sel(recs, "txn", "commits")
    if q:
        p("")
        p("**Lock manager** (commits/s, restarts/s in parentheses):")
        p("")
        pols = list(dict.fromkeys(r["lock"] for r in q))
        rows = {}
        for r in q:
            rows.setdefault((r["params"].get("records"), r["threads"]), {})[r["lock"]] = r
        body = [[rc, t] + ["%s (%s)" % (vr(c.get(x)), fnum(c[x]["stats"].get("restarts_s"), "%.0f"))
                           if c.get(x) else "-" for x in pols] for (rc, t), c in rows.items()]
        out.extend(md_table(["records", "threads"] + pols, body))
    q = sel(recs, "mm")
    if q:
        passes = list(dict.fromkeys((r.get("guest"), r.get("vcpus"), r["params"].get("cpus"))
                                    for r in q))
        for ps in passes:
            rr = [r for r in q if (r.get("guest"), r.get("vcpus"), r["params"].get("cpus")) == ps]
            thr = sorted({r["threads"] for r in rr})
            p("")
            p("**mmap_lock, prwlock / stock rwsem** (%s vCPUs, benchmark on %s CPUs; "
              "cell: ratio (stock → prwlock)):" % (ps[1], ps[2]))
            p("")
            cell = {}
            for r in rr:
                cell.setdefault((r["case"], r["threads"]), {})[r["lock"]] = r
            body = []
            for wl in dict.fromkeys(r["case"] for r in rr):
                unit = next(r["unit"] for r in rr if r["case"] == wl)
                row = ["`%s` (%s)" % (wl, unit)]
                for t in thr:
                    c = cell.get((wl, t), {})
                    pr, st = c.get("prwlock"), c.get("rwsem")
                    row.append("-" if not pr else "%s (%s → %s)" % (
                        fratio(pr["ratio"]), vr(st), vr(pr)))
                body.append(row)
            out.extend(md_table(["workload"] + ["%d thread%s" % (t, "" if t == 1 else "s")
                                                for t in thr], body))
    q = sel(recs, "rdma_verb")
    if q:
        p("")
        p("**Verbs from the module** (median latency at 1 thread, range over the nodes; "
          "ops/s at more threads, range over verbs and nodes):")
        p("")
        verbs = list(dict.fromkeys(r["case"] for r in q))
        body = []
        more = sorted({r["threads"] for r in q if r["threads"] != 1})
        for path in dict.fromkeys(r["params"].get("path") for r in q):
            rr = [r for r in q if r["params"].get("path") == path]
            row = [path] + [rng([r["value"] for r in rr if r["case"] == vb and r["threads"] == 1],
                                "%.0f", " µs") for vb in verbs]
            row += [rng([r["stats"].get("ops_s") for r in rr if r["threads"] == t], "%.0f", " ops/s")
                    for t in more]
            body.append(row)
        out.extend(md_table(["path"] + [x.upper() for x in verbs] +
                            ["%d threads" % t for t in more], body))
    q = sel(recs, "dlock", "cell")
    if q:
        p("")
        p("**ALock against its competitors** (ops/s summed over the nodes, median of "
          "the runs; ratio ALock / best competitor, range of the runs paired in order):")
        p("")
        other = {}
        for r in q:
            other[(r["nodes"], r["params"]["local_pct"], r["threads"], r["params"]["keys"],
                   r["lock"])] = r
        body = []
        for r in q:
            if r["lock"] != "alock":
                continue
            s, pp = r["stats"], r["params"]
            b = other.get((r["nodes"], pp["local_pct"], r["threads"], pp["keys"], r["baseline"]))
            bs = b["stats"] if b else {}
            rg = ("" if s.get("ratio_lo") is None else
                  " (%.2f–%.2f)" % (s["ratio_lo"], s["ratio_hi"]))
            body.append([
                "%s %%" % pp["local_pct"], r["nodes"], r["threads"], pp["keys"], s["runs"],
                "%.0f (%.0f / %.0f)" % (r["value"], s["local_ops_s"], s["remote_ops_s"]),
                "%s (%s)" % (vr(b), r["baseline"]) if b else "-",
                fratio(r["ratio"]) + rg,
                "%s / %s" % (fnum(s.get("verbs_per_rop"), "%.2f"),
                             fnum(bs.get("verbs_per_rop"), "%.2f")),
                "%s / %s" % (fnum(s.get("local_med_us"), "%.1f µs"),
                             fnum(bs.get("local_med_us"), "%.1f µs"))])
        out.extend(md_table(["local ops", "nodes", "threads", "keys", "runs",
                             "ALock ops/s (local / remote)", "best other", "ratio (range)",
                             "verbs per remote op, ALock / other",
                             "local acquire (median), ALock / other"], body))
    q = sel(recs, "rdma_lat")
    if q:
        p("")
        p("**perftest between the guests** (µs):")
        p("")
        body = [[r["case"], r["params"].get("bytes"), "`%s`" % r["params"].get("opts", ""),
                 fnum(r["value"], "%.2f"), fnum(r["stats"].get("avg_us"), "%.2f"),
                 fnum(r["stats"].get("min_us"), "%.2f"), fnum(r["stats"].get("p99_us"), "%.2f")]
                for r in q]
        out.extend(md_table(["test", "bytes", "options", "typical", "avg", "min", "p99"], body))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("collect")
    c.add_argument("run")
    c.add_argument("--vcpus", type=int)
    c.add_argument("--nodes", type=int)
    c.add_argument("--kernel")
    c.add_argument("-o", "--out")
    r = sub.add_parser("report")
    r.add_argument("run")
    r.add_argument("--markdown", action="store_true")
    v = sub.add_parser("validate")
    v.add_argument("file")
    a = ap.parse_args()
    if a.cmd == "collect":
        recs, errs = collect(a.run, a.vcpus, a.nodes, a.kernel)
        out = a.out or os.path.join(a.run, "bench.jsonl")
        tmp = out + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            for x in recs:
                f.write(json.dumps(x, ensure_ascii=False, allow_nan=False) + "\n")
        os.replace(tmp, out)
        for e in errs:
            print("bench-jsonl: " + e, file=sys.stderr)
        print("bench-jsonl: %d records in %s" % (len(recs), out), file=sys.stderr)
        return 1 if errs else 0
    if a.cmd == "validate":
        recs, errs = load(a.file)
        for e in errs:
            print(e, file=sys.stderr)
        print("%d records, %d errors" % (len(recs), len(errs)))
        return 1 if errs else 0
    recs, source = run_records(a.run)
    name = os.path.basename(os.path.realpath(a.run))
    lines = markdown(recs, name, source) if a.markdown else text_tables(recs, a.run)
    if lines:
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
