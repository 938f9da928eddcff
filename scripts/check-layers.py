#!/usr/bin/env python3
"""Checks the module graph of the crate in rust/ (default) against the
layout of README.md: the layers import only downwards (support -> sync,
rdma -> dlock -> capi, chardev, hooks -> harness -> crate root), only
chardev/, harness/ and the crate root read the uapi, no two modules import
each other (directly or round a circle), and no source file in rust/ is
longer than 800 lines.  Prints each problem and a summary line; exits 1 on
any problem.  A module and its own submodules (Rust's tree) do not count as
an import."""
import os, re, sys
root = sys.argv[1] if len(sys.argv) > 1 else 'rust'
LAYER = {'support': 0, 'sync': 1, 'rdma': 1, 'dlock': 2, 'capi': 3, 'chardev': 3,
         'hooks': 3, 'uapi': 3, 'harness': 4}
def modpath(f):
    p = os.path.relpath(f, root)[:-3].split('/')
    if p[-1] == 'mod': p = p[:-1]
    if p == ['alock_main']: p = []
    return tuple(p)
files = {}
for d, _, fs in os.walk(root):
    for f in fs:
        if f.endswith('.rs'):
            files[modpath(os.path.join(d, f))] = os.path.join(d, f)
def resolve(cur, path):
    parts = path.split('::')
    if parts[0] == 'crate': base = []; parts = parts[1:]
    elif parts[0] == 'super':
        base = list(cur)
        while parts and parts[0] == 'super': base = base[:-1]; parts = parts[1:]
    elif parts[0] == 'self': base = list(cur); parts = parts[1:]
    else: return None
    m = tuple(base)
    for p in parts:
        if m + (p,) in files: m = m + (p,)
        else: break
    return m
edges = {}
bad = []
for m, f in files.items():
    src = open(f).read()
    src = re.sub(r'//[^\n]*', '', src)
    for path in re.findall(r'\b((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+)', src):
        t = resolve(m, path)
        if t is None or t == m: continue
        # a module and its own ancestors/descendants: Rust's tree, not an edge
        if t[:len(m)] == m or m[:len(t)] == t: continue
        edges.setdefault(m, set()).add(t)
        lm = LAYER.get(m[0], 5) if m else 5
        lt = LAYER.get(t[0], 5) if t else 5
        if lt > lm:
            bad.append(f"upward: {'::'.join(m)} -> {'::'.join(t) or 'crate'}")
        if t == ('uapi',) and m and m[0] not in ('chardev', 'harness'):
            bad.append(f"uapi read below the front end: {'::'.join(m)}")
# cycles (Tarjan)
idx = {}; low = {}; st = []; on = set(); sccs = []; n = [0]
sys.setrecursionlimit(10000)
def sc(v):
    idx[v] = low[v] = n[0]; n[0] += 1; st.append(v); on.add(v)
    for w in edges.get(v, ()):
        if w not in idx: sc(w); low[v] = min(low[v], low[w])
        elif w in on: low[v] = min(low[v], idx[w])
    if low[v] == idx[v]:
        c = []
        while True:
            w = st.pop(); on.discard(w); c.append(w)
            if w == v: break
        if len(c) > 1: sccs.append(c)
for v in list(files):
    if v not in idx: sc(v)
for c in sccs:
    bad.append('circle: ' + ', '.join('::'.join(x) for x in sorted(c)))
for d, _, fs in os.walk(root):
    for f in fs:
        p = os.path.join(d, f)
        if f.endswith(('.rs', '.c', '.h')) and not f.endswith('_gen.rs'):
            n_lines = sum(1 for _ in open(p))
            if n_lines > 800:
                bad.append(f"too long: {p} has {n_lines} lines (split it by concern)")
for b in sorted(set(bad)): print(b)
print(f"{len(files)} modules, {sum(len(v) for v in edges.values())} edges, {len(set(bad))} problems")
sys.exit(1 if bad else 0)
