#!/usr/bin/env bash
# Host test of the benchmark records (scripts/host-tests.sh runs it): a
# fixture run of two guests whose tap.txt carry "# bench-json" lines goes
# through scripts/bench-jsonl.py collect; bench.jsonl must hold every
# record (valid JSON, the run's fields) plus the lock table's cells, and
# scripts/report.sh must print the expected ratios from it.  Then a bad
# line must fail the collection.  Exit 0 only if every check passed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
run=$d/20990101-000000-fixture
mkdir -p "$run/guest0" "$run/guest1"
fails=0
not() { ! "$@"; }
check() { # description, command...
	local what=$1
	shift
	if "$@"; then echo "ok - $what"; else
		echo "not ok - $what"
		fails=$((fails + 1))
	fi
}

# A lock table cell on 2 nodes, 90 % local, 2 threads, 64 keys, one key
# per operation: ALock's runs sum to 300, 330, 270 ops/s over both nodes
# (median 300), spin-loopback's to 200, 300, 150 (median 200): ratio
# 1.50x, the runs paired in order 1.50, 1.10, 1.80.  Warm-up lines (two
# keys per operation) are left out of the cells.
dlock() { # lock node run ops_s remote_ops remote_verbs kpo
	printf '# bench-json {"benchmark":"dlock","case":"node_run","lock":"%s","baseline":null,"value":%s,"unit":"ops/s","ratio":null,"ratio_of":null,"threads":2,"vcpus":2,"nodes":2,"params":{"node":%s,"run":%s,"local_pct":90,"keys":64,"kpo":%s},"stats":{"ops":%s,"local_ops_s":%s,"remote_ops_s":%s,"local_med_us":1.5,"local_p99_us":9.0,"remote_med_us":900.0,"remote_p99_us":2000.0,"local_ops":0,"remote_ops":%s,"local_verbs":0,"remote_verbs":%s,"reads":1,"writes":2,"atomics":2,"sends":0,"polls":0,"cas_retries":0,"handoffs":1,"leaders":9,"fast":3}}\n' \
		"$1" "$4" "$2" "$3" "$7" "$4" "$(($4 * 9 / 10))" "$(($4 / 10))" "$5" "$6"
}
{
	echo "# alock guest tests on node0 (2 CPUs, 6.12.118), mode bench"
	echo "ok 1 - something"
	dlock alock 0 9 5000 10 50 2
	for n in 0 1; do
		dlock alock $n 0 $((150 + n * 0)) 10 50 1
		dlock spin-loopback $n 1 $((100 + n * 0)) 10 52 1
		dlock alock $n 2 165 10 50 1
		dlock spin-loopback $n 3 150 10 52 1
		dlock alock $n 4 135 10 50 1
		dlock spin-loopback $n 5 75 10 52 1
	done | grep '"node":0,'
	echo '# bench read pair with statistics: off 8.1 ns, on 8.3 ns (on/off 1.02x)'
	echo '# bench-json {"benchmark":"rw","case":"read_pair_stats_off","lock":"prwlock","baseline":null,"value":8.1,"unit":"ns","ratio":null,"ratio_of":null,"threads":1,"vcpus":2,"stats":{"before_ns":8.0,"after_ns":8.2}}'
	echo '# bench-json {"benchmark":"rw","case":"read_pair_stats_on","lock":"prwlock","baseline":"prwlock","value":8.3,"unit":"ns","ratio":1.0247,"ratio_of":"lock/baseline","threads":1,"vcpus":2,"baseline_case":"read_pair_stats_off"}'
	echo '# bench-json {"benchmark":"queue","case":"throughput","lock":"spinlock","baseline":null,"value":4000000,"unit":"ops/s","ratio":null,"ratio_of":null,"threads":1,"vcpus":2,"params":{"spins":0}}'
	echo '# bench-json {"benchmark":"queue","case":"throughput","lock":"ticket","baseline":"spinlock","value":4440000,"unit":"ops/s","ratio":1.11,"ratio_of":"lock/baseline","threads":1,"vcpus":2,"params":{"spins":0}}'
	echo "1..1"
} >"$run/guest0/tap.txt"
{
	echo "# alock guest tests on node1 (2 CPUs, 6.12.118), mode bench"
	dlock alock 1 9 5000 10 50 2
	for r in "alock 0 150" "spin-loopback 1 100" "alock 2 165" "spin-loopback 3 150" \
		"alock 4 135" "spin-loopback 5 75"; do
		# shellcheck disable=SC2086 # three words
		set -- $r
		v=52
		[ "$1" = alock ] && v=50
		dlock "$1" 1 "$2" "$3" 10 "$v" 1
	done
	echo '# bench-json {"benchmark":"rdma_lat","case":"ib_send_lat","lock":null,"baseline":null,"value":1070.5,"unit":"us","ratio":null,"ratio_of":null,"threads":1,"vcpus":2,"nodes":2,"params":{"bytes":4096,"iters":300,"opts":"-s 4096"},"stats":{"min_us":444.12,"avg_us":1280.44,"p99_us":3000.22}}'
} >"$run/guest1/tap.txt"

bj() { python3 "$top/scripts/bench-jsonl.py" "$@"; }
check "collect: exit 0 on the fixture" bj collect "$run" --vcpus 2 --nodes 2 --kernel bench 2>"$d/err"
out=$run/bench.jsonl
# 14 dlock lines + 4 rw/queue + 1 rdma_lat = 19 guest records, 2 cells
check "bench.jsonl: 21 lines (19 records of the guests, 2 lock table cells)" \
	test "$(wc -l <"$out")" = 21
check "bench.jsonl: every line valid JSON with the schema's fields" bj validate "$out" >/dev/null
fields() {
	python3 - "$out" "$(basename "$run")" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
ok = all(r["run"] == sys.argv[2] and r["kernel"] == "bench" and r["nodes"] == 2
         and r["vcpus"] == 2 and r["guest"] in ("guest0", "guest1", "all") for r in recs)
g = [r["guest"] for r in recs]
ok = ok and g.count("guest0") == 11 and g.count("guest1") == 8 and g.count("all") == 2
cell = [r for r in recs if r["case"] == "cell" and r["lock"] == "alock"]
ok = ok and len(cell) == 1 and cell[0]["baseline"] == "spin-loopback"
ok = ok and cell[0]["value"] == 300 and abs(cell[0]["ratio"] - 1.5) < 1e-9
s = cell[0]["stats"]
ok = ok and s["runs"] == 3 and abs(s["ratio_lo"] - 1.1) < 1e-9 and abs(s["ratio_hi"] - 1.8) < 1e-9
ok = ok and abs(s["verbs_per_rop"] - 5.0) < 1e-9
sys.exit(0 if ok else 1)
EOF
}
check "bench.jsonl: run, guest, vcpus, nodes, kernel on every record; the cell's median, ratio and range" fields

md=$("$top/scripts/report.sh" --markdown "$run")
check "report.sh --markdown names the run" grep -q "Run \`$(basename "$run")\` (bench kernel, 2 guest(s) x 2 vCPUs" <<<"$md"
check "report.sh --markdown: ALock 300 ops/s vs spin-loopback 200, ratio 1.50x (1.10–1.80)" \
	grep -qF '| 90 % | 2 | 2 | 64 | 3 | 300 (270 / 30) | 200 (spin-loopback) | 1.50x (1.10–1.80) | 5.00 / 5.20 |' <<<"$md"
check "report.sh --markdown: statistics on/off ratio 1.02x" \
	grep -qF '| read_pair_stats_on | 1 | prwlock 8.3 ns | read_pair_stats_off 8.1 | 1.02x (lock/baseline) |' <<<"$md"
check "report.sh --markdown: ticket 1.11x spinlock" grep -qF '| 1 | 0 | 4000000 | 4440000 (1.11x) |' <<<"$md"
txt=$("$top/scripts/report.sh" "$run")
check "report.sh: the lock table's summary row from bench.jsonl" \
	grep -qE '^ +2 +90 +2 +64 alock +3 +300 +1\.50x +1\.10-1\.80 ' <<<"$txt"

# make demo's summary (scripts/demo-summary.py) from the same records.
dm=$(python3 "$top/scripts/demo-summary.py" "$run" --svg "$d/demo.svg")
check "demo-summary: ALock 1.50x better than spin-loopback at 90 % local" \
	grep -qE '^  1\.50x +90 % +300 ops/s +spin-loopback' <<<"$dm"
check "demo-summary: the figure has the ALock bar and its ratio" \
	sh -c "grep -q 'ALock vs spin-loopback, 90 % local' '$d/demo.svg' && grep -q '>1.50x<' '$d/demo.svg'"

# make bench-alock-rw's counters: "# rdma-after" and "# cpu-after" lines
# before and after run 3 give its record posts, their mean round trip
# (10 posts in bucket 21, [1, 2) ms, and 10 in bucket 22: 2359.296 us as
# the middles 1.5 and 3 x 2^20 ns), the busy share and context switches.
rtt=$d/20990101-000002-rtt
mkdir -p "$rtt/guest0"
h() { # count of bucket 21, of bucket 22: a 40-bucket histogram
	local i out=""
	for i in $(seq 0 39); do
		case $i in 21) out="$out,$1" ;; 22) out="$out,$2" ;; *) out="$out,0" ;; esac
	done
	echo "${out#,}"
}
{
	echo "# rdma-after run=2 peer1 node=1 state=up reads=0 chains=10 errors=0 last_error=0 rtt_hist=$(h 10 0)"
	echo "# cpu-after run=2 total=1000 idle=500 ctxt=100"
	dlock alock 0 3 100 10 30 1
	echo "# rdma-after run=3 peer1 node=1 state=up reads=0 chains=30 errors=0 last_error=0 rtt_hist=$(h 20 10)"
	echo "# cpu-after run=3 total=2000 idle=550 ctxt=400"
} >"$rtt/guest0/tap.txt"
check "collect: the counters of make bench-alock-rw" bj collect "$rtt" --vcpus 2 --nodes 1 2>"$d/err"
check "... run 3: 20 posts, mean round trip 2359.296 us, 95 % busy, 300 context switches" \
	python3 -c "import json,sys; r=json.loads(open(sys.argv[1]).readline())['stats']; \
assert r['posts'] == 20 and abs(r['post_rtt_us'] - 2359.296) < 1e-6, r; \
assert abs(r['busy_pct'] - 95.0) < 1e-9 and r['ctxt'] == 300, r" "$rtt/bench.jsonl"
# A line that is not JSON fails the collection; the good ones are written.
echo '# bench-json {"benchmark":"rw","case":' >>"$run/guest1/tap.txt"
check "collect: exit 1 on a bad bench-json line" not bj collect "$run" --vcpus 2 --nodes 2 --kernel bench 2>"$d/err"
check "... naming it, and still writing the 21 good records" \
	sh -c "grep -q 'guest1/tap.txt:10' '$d/err' && test \"\$(wc -l <'$out')\" = 21"
# make soak's tally (scripts/soak-ops.py): "# ops" lines of two guests
# summed per kind; a kind at the target and one short of it; a missing
# kind of the target fails the tally.
soak=$d/20990101-000001-soak
mkdir -p "$soak/guest0" "$soak/guest1"
for g in 0 1; do
	{
		for k in ticket mcs abql prwlock brlock mrlock; do
			echo "# ops kind=$k n=30000000"
			echo "# ops kind=$k n=25000000"
		done
		echo "# ops kind=lockmgr n=$((10000000 + g))"
		echo "# ops kind=alock n=700"
		echo "# ops kind=alock-remote n=70"
		echo "ok - something"
	} >"$soak/guest$g/tap.txt"
done
echo "not ok - kmemleak finds no leak (2 unreferenced objects)" >>"$soak/guest1/tap.txt"
so=$(python3 "$top/scripts/soak-ops.py" --secs 60 "$soak")
check "soak-ops: ticket 110,000,000 over 4 runs, reached" \
	grep -qE '^ticket +110,000,000 +4  reached$' <<<"$so"
check "soak-ops: lockmgr 20,000,001, short (20%)" grep -qE '^lockmgr +20,000,001 +2  short \(20%\)$' <<<"$so"
check "soak-ops: alock 1,400 ops, no target" grep -qE '^alock +1,400 +2  -$' <<<"$so"
check "soak-ops: one failed check, a leak, 6 of 7 kinds at the target" \
	grep -qF 'failed checks 1 (kmemleak 1), 6 of 7 kinds at the target, 60 s' <<<"$so"
check "soak-ops: soak.jsonl has the 10 kinds and the run line" \
	python3 -c "import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; \
assert len(r) == 11 and r[-1]['kind'] == '_run' and r[-1]['leak_failures'] == 1; \
assert {x['kind']: x['ops'] for x in r}['mcs'] == 110000000" "$soak/soak.jsonl"
sed -i '/kind=brlock/d' "$soak/guest0/tap.txt" "$soak/guest1/tap.txt"
check "soak-ops: exit 1 when a kind of the target has no operations" \
	sh -c "! python3 '$top/scripts/soak-ops.py' '$soak' >/dev/null"

echo "# bench-jsonl-test: $fails failed"
[ "$fails" = 0 ]
